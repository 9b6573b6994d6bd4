"""Help text wrapped at spaces only: click's wrapping (Python's ``textwrap`` with ``break_on_hyphens``)
also breaks a line after a word's hyphen, so "train --copy-" ended a line and "from" began the next,
and an option could not be copied from ``--help`` into a shell; and it cuts a word wider than the line
(``break_long_words``): "--sbatch-option=--acc" | "ount=lab" at 60 columns. Such a word now has a line of
its own, whole, overflowing it. :func:`help_unbroken` gives every command of a group this formatter; the
text is otherwise wrapped as click wraps it.
"""

import contextlib
import contextvars
import threading

import click
from click import _textwrap

_CUTTING = _textwrap.TextWrapper  # click's own
_unbroken = contextvars.ContextVar("help_unbroken", default=False)  # whether this thread's help wraps unbroken
_swap = threading.Lock()  # guards _swapped and the class click's module holds
_swapped = 0  # the _long_words_whole blocks now running, in any thread


class _LongWordsWhole(_CUTTING):
    """click's wrapper (widths in visible characters) that, within :func:`_long_words_whole` in this thread,
    breaks lines at spaces only: never after a word's hyphen, nor inside a word wider than the line, which is
    put on a line of its own, whole. In another thread meanwhile (or outside the block), click's own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if _unbroken.get():
            self.break_on_hyphens = self.break_long_words = False


@contextlib.contextmanager
def _long_words_whole():
    """click's ``wrap_text`` makes its wrapper (``click._textwrap.TextWrapper``, breaking at hyphens and
    cutting long words) anew at each call, with no say in it: while this lasts, it makes
    :class:`_LongWordsWhole`, unbroken in this thread alone. Blocks in several threads at once share the
    swap, click's own class put back as the last one ends: before, a block that ended first restored
    click's class, and one that ended after it left :class:`_LongWordsWhole` in place for good."""
    global _swapped
    with _swap:
        _swapped += 1
        _textwrap.TextWrapper = _LongWordsWhole
    token = _unbroken.set(True)
    try:
        yield
    finally:
        _unbroken.reset(token)
        with _swap:
            _swapped -= 1
            if not _swapped:
                _textwrap.TextWrapper = _CUTTING


class UnbrokenHelpFormatter(click.HelpFormatter):
    """A :class:`click.HelpFormatter` that breaks lines at spaces only, never inside a hyphenated word or
    option (``--copy-from``, ``tensor-core``), nor inside a word wider than the line."""

    def write_usage(self, prog, args="", prefix=None):
        with _long_words_whole():
            super().write_usage(prog, args, prefix)

    def write_text(self, text):
        with _long_words_whole():
            super().write_text(text)

    def write_dl(self, rows, *args, **kwargs):
        with _long_words_whole():
            super().write_dl(rows, *args, **kwargs)


class UnbrokenHelpContext(click.Context):
    """A context whose ``--help`` is written by :class:`UnbrokenHelpFormatter`."""

    formatter_class = UnbrokenHelpFormatter


def help_unbroken(command):
    """Give ``command`` and every command under it :class:`UnbrokenHelpContext` (click makes a
    command's context, and so its help's formatter, from the command's own ``context_class``, not
    from its group's)."""
    command.context_class = UnbrokenHelpContext
    for subcommand in getattr(command, "commands", {}).values():
        help_unbroken(subcommand)
    return command
