"""Help text wrapped at spaces only: click's wrapping (Python's ``textwrap`` with ``break_on_hyphens``)
also breaks a line after a word's hyphen, so "train --copy-" ended a line and "from" began the next,
and an option could not be copied from ``--help`` into a shell; and it cuts a word wider than the line
(``break_long_words``): "--sbatch-option=--acc" | "ount=lab" at 60 columns. Such a word now has a line of
its own, whole, overflowing it. :func:`help_unbroken` gives every command of a group this formatter; the
text is otherwise wrapped as click wraps it.
"""

import contextlib

import click
from click import _textwrap

# Stands for "-" while click wraps: textwrap breaks after a hyphen, never after this (a private-use
# character, one column wide as "-" is, which no help writes).
_HYPHEN_KEPT = "\ue000"


def _kept(text):
    return text.replace("-", _HYPHEN_KEPT)


class _LongWordsWhole(_textwrap.TextWrapper):
    """click's wrapper (widths in visible characters) that never cuts a word: one wider than the line is put
    on a line of its own, whole."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.break_long_words = False


@contextlib.contextmanager
def _long_words_whole():
    """click's ``wrap_text`` makes its wrapper (``click._textwrap.TextWrapper``, always cutting long words)
    anew at each call, with no say in it: while this lasts, it makes :class:`_LongWordsWhole`."""
    cutting = _textwrap.TextWrapper
    _textwrap.TextWrapper = _LongWordsWhole
    try:
        yield
    finally:
        _textwrap.TextWrapper = cutting


class UnbrokenHelpFormatter(click.HelpFormatter):
    """A :class:`click.HelpFormatter` that breaks lines at spaces only, never inside a hyphenated word or
    option (``--copy-from``, ``tensor-core``), nor inside a word wider than the line."""

    def write_usage(self, prog, args="", prefix=None):
        with _long_words_whole():
            super().write_usage(_kept(prog), _kept(args), prefix)

    def write_text(self, text):
        with _long_words_whole():
            super().write_text(_kept(text))

    def write_dl(self, rows, *args, **kwargs):
        with _long_words_whole():
            super().write_dl([tuple(_kept(column) for column in row) for row in rows], *args, **kwargs)

    def getvalue(self):
        return super().getvalue().replace(_HYPHEN_KEPT, "-")


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
