"""Where the warnings of the layers below a command go (:func:`warn`): nowhere for
``train(TrainConfig(quiet=True))`` (:func:`hushed_if_quiet`), to ``run_grid``'s ``log``
(:func:`warnings_to`), on stderr otherwise; those a call runs into are kept for its result, said or not
(:func:`warnings_heard`). Importable from :mod:`minitransfer.stopping` too (its ``__all__``), where
callers have always found them.
"""

import contextlib
import contextvars
import functools
import sys

# where warn() tells its text in this thread: None for stderr, else a function taking it (one that drops it: quiet)
_told = contextvars.ContextVar("told", default=None)
# the warnings the call that runs in this thread keeps (warnings_heard): a list, or None where it keeps none
_heard = contextvars.ContextVar("heard", default=None)
WARNING = "warning: "  # how a line that is a warning begins


def warn(text):
    """``text`` on stderr, from code below the command line (no click there); dropped where it
    cannot be written (the terminal gone): a warning is all that is lost. Told instead where the
    call that runs in this thread asked (:func:`hushed_if_quiet`, :func:`warnings_to`). Returns
    whether it was said: not where the call asked for no output, so that a warning said once per
    process is said by a later call that did not ask so (it stayed silent after a quiet one). A
    warning (``warning: ...``) is kept first, said or not (:func:`heard`)."""
    heard(text)
    told = _told.get()
    if told is _dropped:
        return False
    try:
        if told is None:
            print(text, file=sys.stderr, flush=True)
        else:
            told(text)
    except OSError:
        pass
    return True


def heard(text):
    """Keep ``text``, a line said (or dropped: quiet), among the warnings of the call that runs in
    this thread (:func:`warnings_heard`), without its ``warning: ``; nothing where it is no warning
    (a ``note: ``) or no call keeps them."""
    kept = _heard.get()
    if kept is not None and text.startswith(WARNING):
        kept.append(text[len(WARNING):])


@contextlib.contextmanager
def warnings_heard():
    """A list of the warnings :func:`heard` in this thread while the block runs, in order (``train``'s
    ``TrainResult.warnings``): a ``quiet`` call's as well, which none of them reached."""
    kept = []
    token = _heard.set(kept)
    try:
        yield kept
    finally:
        _heard.reset(token)


def hushed_if_quiet(function):
    """``function(config, ...)`` (``train``) with :func:`warn` silent while it runs where ``config``
    asks for no output (``quiet`` true, as ``check_fields`` takes it: True, 1, NumPy's True): the
    dataset's record that cannot be written, a file system without locks and the data loader stalled
    were told on stderr under ``quiet=True``, which promises nothing printed. In the calling thread
    only: a training in another thread keeps its own output, as do the calls after this one."""
    @functools.wraps(function)
    def hushed(config, *args, **kwargs):
        with warnings_to(_dropped if _asks_quiet(config) else _told.get()):
            return function(config, *args, **kwargs)
    return hushed


@contextlib.contextmanager
def warnings_to(tell):
    """:func:`warn` tells its text to ``tell`` (a function taking it; None: stderr) in this thread
    until the block ends: ``run_grid``'s own warnings (its folder on a file system without locks)
    went to stderr past the ``log`` it was given, which takes all else it says."""
    token = _told.set(tell)
    try:
        yield
    finally:
        _told.reset(token)


def _dropped(text):
    """A warning dropped: the call asked for no output."""


def _asks_quiet(config):
    """Whether ``config`` (a TrainConfig, or anything ``train`` refuses) asks for no output."""
    quiet = getattr(config, "quiet", False)
    try:
        quiet = quiet.item() if hasattr(quiet, "item") else quiet  # a NumPy bool
    except ValueError:  # an array of several: refused as it is checked
        return False
    return isinstance(quiet, (int, float)) and quiet == 1
