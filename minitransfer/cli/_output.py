"""What a command writes on stdout and stderr. A standard output that is closed (``>&-``) is
refused before any work (74): what a command prints would be lost without a word (send it to
/dev/null to discard it); one that refuses a write (a full disk under ``> file``, /dev/full) is 74
too, and said so. A closed stderr drops the messages, never the exit code.
"""

import codecs
import contextlib
import json
import os
import re
import shlex
import stat
import sys

import click

from minitransfer import rundir, stopping
from minitransfer.data import inputs
from minitransfer.errors import MinitransferError


class OutputUnwritable(MinitransferError, OSError):
    """Standard output is closed (``>&-``) or refused a write (a full disk, /dev/full); the message
    says which."""


def say(message):
    """Write ``message`` on stderr where it can still be read: after a hangup (the terminal closed)
    or a full disk under ``2> log`` it cannot, and it is dropped, with what follows on stderr; the
    exit code, not a traceback, is what is left to say. A path given with a control character in it is
    shown escaped (:func:`paths_shown`)."""
    try:
        click.echo(paths_shown(message), err=True)
    except OSError:
        stopping.drop_stream(sys.stderr)


def paths_shown(message, ctx=None):
    """``message`` with each path given on the command line (of ``ctx``, else the current context) that holds a
    control character (a newline, a tab, an ESC) shown escaped, as :func:`minitransfer.data.inputs.display_name`
    shows it ("new\\nline"; in a command to copy, quoted by shlex, as bash's $'new\\nline'), as given and as
    the absolute path it names: a folder named with a newline split a message across two lines, the second
    reading as a message of its own. Other paths are left as they are (no backslash of theirs doubled)."""
    for name in sorted(_given_with_control_characters(ctx), key=len, reverse=True):
        shown = inputs.display_name(name)
        if shlex.quote(name) == f"'{name}'":  # the path, or one below it, quoted: $'...' reads the escapes back
            message = re.sub(re.escape(f"'{name}") + r"(/[^']*)?'",
                             lambda quoted: f"$'{shown}{inputs.display_name(quoted.group(1) or '')}'", message)
        message = message.replace(name, shown)
    return message


def _given_with_control_characters(ctx):
    """The paths given to the command of ``ctx`` (or the current context; none without one) that hold a control
    character, as typed, normalised and made absolute (a message may name any of them, or a path below one)."""
    from ._repeats import RESOLVED_ARGS  # which imports this module

    ctx = ctx or click.get_current_context(silent=True)
    names = set()
    for token in ctx.meta.get(RESOLVED_ARGS, ()) if ctx is not None else ():
        value = token.partition("=")[2] if token.startswith("--") else token  # --out=PATH
        if isinstance(value, str) and inputs.control_character(value):
            names.update((value, os.path.normpath(value), os.path.abspath(value)))
    return names


def drop_output_if_reader_gone():
    """Send what is left of stdout to /dev/null when its reader has gone (Ctrl-C on ``minitransfer
    demo | tee demo.log`` ends tee too; a hangup closes the terminal): Python's last flush would
    otherwise print a BrokenPipeError and turn the exit code into 120."""
    with dropped_if_reader_gone():
        sys.stdout.flush()


@contextlib.contextmanager
def dropped_if_reader_gone():
    """Around a write to stdout: where its reader has gone (:func:`minitransfer.stopping.reader_gone`), what is
    left of stdout goes to /dev/null and the command goes on; another error of the write is raised."""
    try:
        yield
    except OSError as error:
        if not stopping.reader_gone(error):
            raise
        stopping.drop_stream(sys.stdout)


@contextlib.contextmanager
def printing():
    """Around what a command prints on stdout: a write it refuses (a full disk under ``> file``,
    /dev/full) becomes :class:`OutputUnwritable`, which says that standard output is at fault; a
    reader gone (:func:`minitransfer.stopping.reader_gone`) stays as it was: the broken pipe
    :func:`run` ends quietly with 141."""
    try:
        yield
    except OSError as error:
        if stopping.reader_gone(error) or isinstance(error, OutputUnwritable):
            raise
        raise OutputUnwritable(f"standard output{_stdout_file()} could not be written: {error.strerror or error}") \
            from error


def _stdout_file():
    """" (the file PATH)" where stdout is a regular file (``> log`` on a full disk: the message names the
    disk to free), else "" (a pipe, a terminal, a system without /proc)."""
    try:
        if not stat.S_ISREG(os.fstat(1).st_mode):
            return ""
        return f" (the file {inputs.display_name(os.readlink('/proc/self/fd/1'))})"
    except OSError:
        return ""


def echo(message=""):
    """``click.echo(message)`` on stdout, a write it refuses being :class:`OutputUnwritable` (74,
    said as standard output's fault: a full disk under ``> log`` read as the dataset's or the run's
    disk being full). A path given with a control character is shown escaped (:func:`paths_shown`), as on
    stderr: experiment's "results in OUT" and its --dry-run's commands broke across lines for a folder named
    with a newline. Data for programs is left byte for byte, as none holds such a path raw: JSON
    (:func:`json_text`, info/eval/train --json, splits --format json) writes every control character as
    ``\\uNNNN`` or ``\\n``, and splits' text listing escapes its fields."""
    with printing():
        click.echo(paths_shown(message))


def refuse_closed_output():
    """:class:`OutputUnwritable` where stdout was closed when the command started (``>&-``: Python
    then sets sys.stdout to None, and every print is dropped without a word)."""
    if sys.stdout is None:
        raise OutputUnwritable("standard output is closed: nothing could be written (to discard the output, send it "
                               "to /dev/null: > /dev/null)")


def hold_standard_descriptors():
    """Put /dev/null on each of the descriptors 0, 1 and 2 that is closed, so that no file the
    command opens takes its number (a checkpoint opened as descriptor 2 would receive what a library
    or a child process writes on stderr), and give Python a stderr there: with none, click writes
    its usage errors on stdout and ``print(file=sys.stderr)`` prints on stdout. With stderr closed
    its messages are dropped; the exit code says what happened."""
    for descriptor in (0, 1, 2):  # ascending: os.open takes the lowest free number, the closed one
        try:
            os.fstat(descriptor)
        except OSError:
            devnull = os.open(os.devnull, os.O_RDWR)
            if devnull != descriptor:
                os.dup2(devnull, descriptor)
                os.close(devnull)
    if sys.stderr is None:
        sys.stderr = open(2, "w", closefd=False, errors=inputs.DISPLAY_ERRORS)


def json_text(value, indent):
    """``value`` as JSON that every reader takes: a NaN or an infinity (a damaged checkpoint's
    configuration may hold one), which Python would write as the non-JSON ``NaN``, is null; a byte
    of a name that is not UTF-8 is ``\\xNN``, as the text and the report's CSV files write it, where
    Python would write a lone surrogate (``\\udcff``), which jq reads as U+FFFD and strict parsers
    (Rust's serde_json) refuse."""
    return json.dumps(_as_text(value), indent=indent, allow_nan=False)


def _as_text(value):
    """``value`` with every string's surrogate escapes (a file name's bytes that are not UTF-8)
    written ``\\xNN`` (:data:`minitransfer.data.inputs.DISPLAY_ERRORS`), and every other leaf as
    :func:`minitransfer.rundir.finite` leaves it (one walk through the value)."""
    if isinstance(value, str):
        return value.encode("utf-8", inputs.DISPLAY_ERRORS).decode("utf-8")
    if isinstance(value, dict):
        return {_as_text(key): _as_text(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_text(item) for item in value]
    return rundir.finite(value)


def displays_any_name():
    """Let stdout and stderr write a path that is not UTF-8 (Python hands its bytes over as
    surrogate escapes) as ``\\xNN``, where they would refuse it (stdout on a UTF-8 terminal: ``info``
    on such a weights file ended in a traceback) or write ``\\udcNN`` (stderr); streams that write
    the bytes back (the C locale's) are left as they are. An ASCII stream (LC_ALL=C with PYTHONUTF8=0) writes
    UTF-8, as Python's UTF-8 mode does under the C locale: click wrote what it printed as UTF-8, but each byte of
    a name that the locale had handed over as a surrogate escape as "?" (a grid "grille-???" for "grille-猫",
    its commands to copy naming a folder that is not there), and print() escaped what click wrote as UTF-8."""
    for stream, errors in ((sys.stdout, "surrogateescape"), (sys.stderr, inputs.DISPLAY_ERRORS)):
        if not hasattr(stream, "reconfigure"):
            continue
        if _ascii(getattr(stream, "encoding", None)):
            stream.reconfigure(encoding="utf-8", errors=errors)
        elif getattr(stream, "errors", None) in ("strict", "backslashreplace"):
            stream.reconfigure(errors=inputs.DISPLAY_ERRORS)


def _ascii(encoding):
    try:
        return codecs.lookup(encoding).name == "ascii"
    except (LookupError, TypeError):
        return False
