"""The command line's one vocabulary: exit codes, the table from errors to them, shared options.

Exit codes (DESIGN.md §7): 0 done, 1 error, 2 usage (also: another process is training into the
same run, preparing the dataset a run would read, or reading the one prepare would rewrite), 65 bad
data, 74 a file could not be written (disk full, permissions; the previous files intact), 75
interrupted with a checkpoint written or before anything was (safe to rerun), 141 the reader of the
output went away (``| head``), silently, as a Unix tool killed by SIGPIPE. Every command runs its
work through :func:`run`, so a known failure is one line on stderr and its exit code, never a
traceback. A standard output that is closed (``>&-``) is refused before any work (74): what a
command prints would be lost without a word (send it to /dev/null to discard it); one that refuses
a write (a full disk under ``> file``, /dev/full) is 74 too, and said so. A closed stderr drops the
messages, never the exit code.

Options shared by several commands are defined once here, with their defaults taken from the
library (:class:`minitransfer.config.TrainConfig`, whose defaults are the paper's solver and the
presets' schedules); a command option named like a configuration field (``--max-iter`` for
``max_iter``) means that field.
"""

import ast
import contextlib
import dataclasses
import errno
import json
import os
import pathlib
import re
import select
import shlex
import signal
import stat
import sys

import click

from minitransfer import (checkpoint, config, cuda, experiment, fileio, models, preflight, report, results, run_lock,
                          rundir, stopping)
from minitransfer import train as training
from minitransfer.data import dataset, decoder_pool, devkit, inputs, schema
from minitransfer.ops import precision as precisions

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_BAD_DATA = 65
EXIT_IO = 74
EXIT_INTERRUPTED = stopping.EXIT_INTERRUPTED
EXIT_OUTPUT_CLOSED = 128 + signal.SIGPIPE  # 141, as the shell reports a tool killed by SIGPIPE


class OutputUnwritable(OSError):
    """Standard output is closed (``>&-``) or refused a write (a full disk, /dev/full); the message
    says which."""


# The first row whose exception class matches decides the exit code and the message's prefix.
EXIT_CODES = (
    (training.Interrupted, EXIT_INTERRUPTED, "interrupted"),
    (KeyboardInterrupt, EXIT_INTERRUPTED, "interrupted"),
    (config.ConfigError, EXIT_USAGE, "error"),
    (run_lock.RunBusy, EXIT_USAGE, "error"),
    (schema.DatasetUnreadable, EXIT_IO, "error: I/O"),  # a DatasetError too: a file the system would not read
    (dataset.DatasetError, EXIT_BAD_DATA, "error: bad data"),
    (config.DataMismatch, EXIT_BAD_DATA, "error: bad data"),
    (checkpoint.CheckpointError, EXIT_BAD_DATA, "error: bad data"),
    (results.BadReference, EXIT_BAD_DATA, "error: bad data"),
    (rundir.RunLogError, EXIT_BAD_DATA, "error: bad data"),
    (report.NoRuns, EXIT_ERROR, "error"),
    (report.MixedRuns, EXIT_ERROR, "error"),
    (training.Diverged, EXIT_ERROR, "error: training diverged"),
    (cuda.CudaUnavailable, EXIT_ERROR, "error"),
    (devkit.MissingDependency, EXIT_ERROR, "error"),
    (decoder_pool.WorkerDied, EXIT_ERROR, "error"),
    (preflight.OutOfMemory, EXIT_ERROR, "error: out of memory"),  # its message names the batch option
    (MemoryError, EXIT_ERROR, "error: out of memory"),  # and, in a command with --batch-size: _memory_hint
    (OutputUnwritable, EXIT_IO, "error"),
    (fileio.StorageError, EXIT_IO, "error"),
    (OSError, EXIT_IO, "error: I/O"),
)


INTERRUPTED = ("stopped by a signal before anything was saved, or with every file written so far intact; rerun "
               "the same command to continue")


def run(work, interrupted=INTERRUPTED):
    """Call ``work()``; a failure listed in :data:`EXIT_CODES` prints one line on stderr and exits
    with its code. ``interrupted``: what to do after a stop signal (a KeyboardInterrupt, which says
    nothing itself), where the command knows better (train: --resume auto; prepare: the shards kept)."""
    try:
        return work()
    except tuple(row[0] for row in EXIT_CODES) as error:
        if isinstance(error, BrokenPipeError) and _reader_gone(sys.stdout):  # `minitransfer splits ... | head`
            stopping.drop_stream(sys.stdout)
            sys.exit(EXIT_OUTPUT_CLOSED)
        code, prefix = next((code, prefix) for kind, code, prefix in EXIT_CODES if isinstance(error, kind))
        _drop_output_if_unwritable()
        if code == EXIT_INTERRUPTED:  # already stopping: a second stop signal must not lose the exit code
            for stop in stopping.STOP_SIGNALS:
                signal.signal(stop, signal.SIG_IGN)
        say(f"{prefix}{_memory_hint(error)}: {option_text(str(error)) or interrupted}")
        sys.exit(code)


def _memory_hint(error):
    """What to change after running out of memory (``error``, a plain MemoryError: NumPy's or
    CuPy's), where the command has a --batch-size; "" elsewhere (report, prepare: no batch to make
    smaller) and after :class:`minitransfer.preflight.OutOfMemory`, whose message names the option."""
    context = click.get_current_context(silent=True)
    has_batch = context is not None and any(param.name == "batch_size" for param in context.command.params)
    return " (a smaller --batch-size needs less)" if has_batch and type(error) is MemoryError else ""


def say(message):
    """Write ``message`` on stderr where it can still be read: after a hangup (the terminal closed)
    or a full disk under ``2> log`` it cannot, and it is dropped, with what follows on stderr; the
    exit code, not a traceback, is what is left to say."""
    try:
        click.echo(message, err=True)
    except OSError:
        stopping.drop_stream(sys.stderr)


def drop_output_if_reader_gone():
    """Send what is left of stdout to /dev/null when its reader has gone (Ctrl-C on ``minitransfer
    demo | tee demo.log`` ends tee too; a hangup closes the terminal): Python's last flush would
    otherwise print a BrokenPipeError and turn the exit code into 120."""
    try:
        sys.stdout.flush()
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
    disk being full)."""
    with printing():
        click.echo(message)


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


def _drop_output_if_unwritable():
    """Before exiting on an error: what stdout still holds and cannot be written (the write that
    failed left it in the buffer) is dropped, else Python's last flush fails again and turns the
    exit code into 120."""
    if sys.stdout is None:
        return
    try:
        sys.stdout.flush()
    except OSError:
        stopping.drop_stream(sys.stdout)


def _reader_gone(stream):
    """Whether ``stream`` is a pipe whose reading end is closed (poll reports an error on it); a
    broken pipe elsewhere (a loader worker's) is an ordinary I/O error."""
    try:
        descriptor = stream.fileno()
    except (OSError, ValueError):  # not a file descriptor (click's CliRunner)
        return False
    poller = select.poll()
    poller.register(descriptor, select.POLLOUT)
    return any(events & select.POLLERR for _, events in poller.poll(0))


def option_text(message):
    """A library message as the command line says it: each configuration field it quotes becomes
    the option that sets it, by :func:`minitransfer.config.command_line`'s rule (`copy_from` →
    --copy-from, `resume='auto'` → --resume auto, `overwrite=True` → --overwrite); other quoted
    text stays as it is."""
    return _QUOTED.sub(_as_option, message)


_QUOTED = re.compile(r"`(\w+)(?:=([^`]+))?`")


def _as_option(match):
    name, value = match.groups()
    try:
        return " ".join(config.command_line({name: True if value is None else _literal(value)}))
    except ValueError:  # not a configuration field
        return match.group(0)


def _literal(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


class CommandGroup(click.Group):
    """The command group: every command's known failures (and SIGINT / SIGTERM / SIGHUP anywhere in
    a command) go through :func:`run`, so none ends in a traceback; so does the group's own parsing
    (its --help and --version write to a pipe too)."""

    def main(self, *args, **kwargs):
        hold_standard_descriptors()
        run(refuse_closed_output)  # before the arguments are read: nothing done that --help would not do
        displays_any_name()
        try:
            with config.fields_worded_by(option_text):
                return super().main(*args, **kwargs)
        except OSError:  # run() takes every other: this is click's usage error, which stderr refused (2> full disk)
            stopping.drop_stream(sys.stderr)  # else Python's last flush of it fails again: exit code 120
            sys.exit(EXIT_USAGE)

    def parse_args(self, ctx, args):
        def parse():
            with printing():  # the group's --help and --version print here
                return super(CommandGroup, self).parse_args(ctx, args)

        return run(parse)

    def invoke(self, ctx):
        previous = interrupt_on_stop_signals()
        try:
            return run(lambda: _flushed(super(CommandGroup, self).invoke(ctx)))
        finally:
            for stop, handler in previous.items():
                if signal.getsignal(stop) is not signal.SIG_IGN:  # ignored by run: exiting interrupted
                    signal.signal(stop, stopping.handler_after_command(stop, handler))


def _flushed(result):
    """``result``, once what the command printed is written: a write that fails here is reported
    (74), where Python's last flush would turn the exit code into 120."""
    with printing():
        sys.stdout.flush()
    return result


def displays_any_name():
    """Let stdout and stderr write a path that is not UTF-8 (Python hands its bytes over as
    surrogate escapes) as ``\\xNN``, where they would refuse it (stdout on a UTF-8 terminal: ``info``
    on such a weights file ended in a traceback) or write ``\\udcNN`` (stderr); streams that write
    the bytes back (the C locale's) are left as they are."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) in ("strict", "backslashreplace") and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors=inputs.DISPLAY_ERRORS)


def interrupt_on_stop_signals():
    """Make SIGINT, SIGTERM and SIGHUP (a closed terminal) stop a command as Ctrl-C does in a
    terminal (KeyboardInterrupt in the main thread), also where it started with SIGINT ignored: a
    shell script's background job (``minitransfer experiment ... &``) does, and Python then installs
    no handler of its own, so ``kill -INT`` would go unheard. SIGHUP ignored stays ignored (``nohup``:
    :func:`minitransfer.stopping.stop_signals_heard`). Returns the previous handlers, by signal."""

    def raise_keyboard_interrupt(signum, frame):
        raise KeyboardInterrupt

    return {stop: signal.signal(stop, raise_keyboard_interrupt) for stop in stopping.stop_signals_heard()}


class PresetName(click.ParamType):
    """A preset name, checked against :data:`minitransfer.models.PRESETS` when the command runs (so
    a preset registered after import is accepted)."""

    name = "preset"

    def get_metavar(self, param, *args, **kwargs):  # click 8.2 added a ctx argument
        return "[" + "|".join(models.PRESETS) + "]"

    def convert(self, value, param, ctx):
        if value in models.PRESETS:
            return value
        self.fail(f"{value!r} is not a preset; choose from {', '.join(models.PRESETS)}", param, ctx)


def _default(field):
    return {f.name: f.default for f in dataclasses.fields(config.TrainConfig)}[field]


def changed_fields(options):
    """The configuration fields among ``options`` whose value is not the default."""
    return {name: value for name, value in options.items() if value != _default(name)}


def config_option(*declarations, **attributes):
    """A ``click.option`` for the configuration field its long name spells (``--base-lr`` →
    ``base_lr``), with the field's default unless one is given."""
    field = next(d for d in declarations if d.startswith("--")).split("/")[0][2:].replace("-", "_")
    attributes.setdefault("default", _default(field))
    attributes.setdefault("show_default", attributes["default"] is not None)
    return click.option(*declarations, field, **attributes)


device_option = config_option(
    "--device", type=click.Choice(config.DEVICES),
    help="Where to compute: auto = cuda when CuPy sees a GPU, else cpu.")
SEED = click.IntRange(0, config.MAX_SEED)  # every seed option's range: what the generators take
seed_option = config_option("--seed", type=SEED, help="Seed of the initialisation, data order, crops "
                            "and dropout (a grid derives one per network from it).")
preset_option = config_option(
    "--preset", type=PresetName(),
    help="Network (default: the one for the dataset's image size: "
         f"{models.image_size_defaults()}; for train --copy-from, the base's).")
fc8_outputs_option = config_option("--fc8-outputs", type=click.IntRange(1),
                                   help="Width of fc8 (default: the half's class count; the paper's halves had 1000).")
max_iter_option = config_option("--max-iter", type=click.IntRange(1),
                                help="Iterations (default: the preset's, e.g. 450000 for caffenet); the step "
                                     "schedule scales with it.")
batch_size_option = config_option("--batch-size", type=click.IntRange(1), help="Default: the preset's.")
eval_every_option = config_option("--eval-every", type=click.IntRange(1),
                                  help="Evaluate on the half's val images every K iterations (default: the preset's).")
base_lr_option = config_option("--base-lr", type=click.FloatRange(min=0, min_open=True),
                               help="Learning rate (default: 0.01, the paper's; 0.0125 for reduced-data runs, "
                                    "--per-class, as the paper's).")
stepsize_option = config_option("--stepsize", type=click.IntRange(1),
                                help="Iterations between learning-rate steps (default: the paper's 100000 of "
                                     "450000, or 64000 of 200000 for reduced-data runs, scaled to max-iter).")
PRECISION_HELP = ("How the conv and fc products are computed: ieee (exact fp32 products), tf32x3 (three TF32 "
                  "tensor-core products: fp32-level accuracy), tf32 (one TF32 product, PyTorch's default for "
                  "convolutions). The tensor-core modes are new and not yet verified on a GPU; the CPU emulates them.")
precision_option = config_option("--precision", type=click.Choice(precisions.PRECISIONS), help=PRECISION_HELP)


def data_option(default="the built-in synthetic set, built on first use"):
    """The --data option, its help naming what stands for it when it is not given."""
    return click.option("--data", type=click.Path(exists=True, file_okay=False), default=None,
                        help=f"Prepared dataset directory (default: {default}).")


class OutputFolder(click.Path):
    """A folder a command writes into, created if missing. Usage errors: an empty one (``-o "$OUT"``
    with OUT unset), where the system would read it as the current folder and fill that with the
    command's files; one :func:`refuse_unwritable_path` refuses; a path that is there and no folder
    (a file, a FIFO)."""

    def __init__(self, **attributes):
        super().__init__(file_okay=False, **attributes)

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not value:
            self.fail("is empty: name the folder to write into (an unset shell variable?); for this folder give .",
                      param, ctx)
        refuse_unwritable_path(self, value, param, ctx)
        converted = super().convert(value, param, ctx)
        if os.path.exists(value) and not os.path.isdir(value):  # click refuses a regular file only
            self.fail(f"{value} exists and is not a folder: give a folder to write into", param, ctx)
        return converted


class OutputFile(click.Path):
    """A file a command writes (train's weights): one :func:`refuse_unwritable_path` refuses is a usage
    error."""

    def __init__(self, **attributes):
        super().__init__(dir_okay=False, **attributes)

    def convert(self, value, param, ctx):
        refuse_unwritable_path(self, value, param, ctx)
        return super().convert(value, param, ctx)


def refuse_unwritable_path(path_type, value, param, ctx):
    """Fail ``path_type``'s conversion of ``value``, a path to write, where it or a folder on its way
    is a symbolic link that leads nowhere (to a drive not mounted, a folder deleted): a folder was
    refused with a bare "File exists" after the command's work, or created in place of what the link
    names, on the disk beneath the drive's mount point, as was a weights file in place of the link.
    A file's link to a file not written yet, in a folder that is there, is followed, as the library
    follows it (:func:`minitransfer.fileio.link_leading_nowhere`).
    So does a folder on its way that is a file (``-o afile/sub``: :func:`minitransfer.fileio.file_on_the_way`),
    which failed with a bare "Not a directory" (exit 74) after the work, naming neither the option nor the file.
    So does a path that starts with a ``~`` the shell left as it is (``--out=~/grid``, or quoted):
    a folder named ``~`` was made here, where the home folder was meant."""
    home = value.split(os.sep)[0]
    if home.startswith("~") and os.path.expanduser(home) != home and not os.path.lexists(home):
        path_type.fail(f"{value} starts with {home}, which the shell expands only at the start of a word and "
                       f"unquoted (not in --out=~/...), so it would name a folder {home} here: give "
                       f"{os.path.expanduser(value)}", param, ctx)
    dead = fileio.link_leading_nowhere(value, file=isinstance(path_type, OutputFile))
    if dead is not None:
        path_type.fail(f"{dead[0]} is a symbolic link that leads nowhere ({dead[1]}): give another path, or make "
                       f"the link lead somewhere (mount its drive, create what it names)", param, ctx)
    blocking = fileio.file_on_the_way(value)
    if blocking is not None:
        what = "a file, not a folder" if os.path.isfile(blocking) else "not a folder"
        path_type.fail(f"{value}: {blocking} is {what}, so nothing can be written under it: give another path",
                       param, ctx)


class NetworkPath(click.Path):
    """A network to read: a weights file or checkpoint, or a run folder (``baseA.run``: its weights
    file beside it once finished (``baseA.h5``: :func:`minitransfer.rundir.weights_for`), else its
    ``checkpoint.h5``; with ``finished``, only
    the weights of a finished run: the base a transfer copies). A dataset folder or file, or any other
    folder (a grid's: its runs named), is a usage error that says what to give instead."""

    def __init__(self, finished=False):
        super().__init__(exists=True)
        self.finished = finished

    def convert(self, value, param, ctx):
        refuse_unreadable(value)
        if os.path.islink(value) and not os.path.exists(value):  # click would say it "does not exist"
            self.fail(f"{value} is a symbolic link that leads nowhere ({fileio.dead_end(value)}): give the network's "
                      f"file or folder itself", param, ctx)
        path = pathlib.Path(super().convert(value, param, ctx))
        if not path.is_dir():
            if (path.parent / dataset.META_FILE).is_file() and not checkpoint.is_checkpoint(path):  # a shard
                self.fail(f"{path} is a file of the dataset {path.parent}, not a network (`minitransfer prepare verify "
                          f"{shlex.quote(str(path.parent))}` describes it); give a weights file (e.g. baseA.h5) or a "
                          f"run folder (baseA.run)", param, ctx)
            return str(path)
        if (path / dataset.META_FILE).is_file():
            self.fail(f"{path} is a dataset folder, not a network (`minitransfer prepare verify "
                      f"{shlex.quote(str(path))}` describes it); give a weights file (e.g. baseA.h5) or a run folder "
                      f"(baseA.run)", param, ctx)
        without_network = (f"{path} is a folder without a network: give a weights file (e.g. baseA.h5) or a run folder "
                           f"(baseA.run) that holds its checkpoint.h5")
        folder = config.named_folder(path)
        if not folder.name:  # the root folder: no run's, and no weights file beside it
            self.fail(without_network, param, ctx)
        weights = rundir.weights_for(folder)
        if folder.suffix == ".run" and weights.is_file():
            return str(weights)
        if self.finished and (path / "checkpoint.h5").is_file():
            self.fail(f"{path} has not finished (no {weights.name} beside it); to copy from its "
                      f"latest checkpoint give {path / 'checkpoint.h5'}", param, ctx)
        if (path / "checkpoint.h5").is_file():
            return str(path / "checkpoint.h5")
        if folder.suffix == ".run" and any((path / name).is_file() for name in ("config.json", "treatment.json")):
            if (path / "eval.csv").is_file() and run_lock.holder(path) is None:  # its training started, and ended
                self.fail(f"{path} is the run folder of {weights.name}, which has no network: its training stopped "
                          f"before writing its first checkpoint (diverged, failed or interrupted: its metrics.jsonl "
                          f"and output say why); train it again, or give another network", param, ctx)
            self.fail(f"{path} is the run folder of {weights.name}, which has no network yet: its training has not "
                      f"written its first checkpoint (or not started); wait for it, or give another network",
                      param, ctx)
        runs = sorted(path.glob("*.run")) or sorted(path.glob("*/*.run"))  # a grid's folder, or one of its splits'
        if runs:  # said to be "a folder without a network", with networks in it
            grid = (f", or summarize them with `minitransfer report {shlex.quote(str(path))}`"
                    if (path / "experiment.json").is_file() else "")
            names = ", ".join(str(run.relative_to(path)) for run in runs[:3]) + (", ..." if len(runs) > 3 else "")
            count = f"{len(runs)} run{'s' if len(runs) > 1 else ''}"
            self.fail(f"{path} is no network but holds {count} ({names}): give one of them (e.g. {runs[0]}){grid}",
                      param, ctx)
        self.fail(without_network, param, ctx)


def refuse_unreadable(value):
    """:class:`minitransfer.fileio.StorageError` (74) where ``value`` may not be read by this user, or
    lies in a folder it may not enter (another user's run in a shared grid): click said a file in
    such a folder "does not exist" and the file itself "is not readable", usage errors (2) that named
    neither the folder nor what to do, where train --resume says such a checkpoint cannot be read (74)."""
    try:
        os.stat(value)
    except PermissionError:
        parents = reversed(pathlib.Path(value).parents)
        folder = next((parent for parent in parents if not os.access(parent, os.X_OK)), pathlib.Path(value).parent)
        raise fileio.StorageError(errno.EACCES, f"{value} cannot be reached: the folder {folder} may not be entered "
                                                f"by this user (permission denied): give access to it (chmod a+x "
                                                f"{shlex.quote(str(folder))}), or give a copy of the network") from None
    except OSError:  # not there: click says so
        return
    if not os.access(value, os.R_OK):
        mode = "a+rx" if os.path.isdir(value) else "a+r"
        raise fileio.StorageError(errno.EACCES, f"{value} is not readable by this user (permission denied): give read "
                                                f"access to it (chmod {mode} {shlex.quote(value)}), or give a copy "
                                                f"of it")


checkpoint_argument = click.argument("checkpoint", type=NetworkPath())

# The options a grid passes on to every network's `train` (experiment and demo share them with train).
GRID_TRAIN_OPTIONS = (preset_option, fc8_outputs_option, max_iter_option, base_lr_option, stepsize_option,
                      eval_every_option, batch_size_option, seed_option, precision_option)


def grid_train_options(command):
    """Decorate ``command`` with :data:`GRID_TRAIN_OPTIONS`."""
    for option in reversed(GRID_TRAIN_OPTIONS):
        command = option(command)
    return command


class GpuIds(click.ParamType):
    """--gpus 0,1: GPUs as CUDA numbers those this process sees (:func:`choose_devices`), or their
    GPU-/MIG- UUIDs as ``nvidia-smi -L`` lists them; the text as given. None empty: "0,," or an empty
    --gpus "$GPUS" (a variable left unset) had the grid train on every visible GPU, or on the CPU
    without a word."""

    name = "ids"

    def convert(self, value, param, ctx):
        parts = [part.strip() for part in value.split(",")]
        if not all(parts):
            self.fail(f"an empty GPU id in {value!r} (expected e.g. 0,1)", param, ctx)
        wrong = [part for part in parts if not experiment.is_gpu_id(part)]
        if wrong:
            self.fail(f"{', '.join(wrong)} is not a GPU index or UUID (e.g. --gpus 0,1)", param, ctx)
        return value


def choose_devices(device, gpus=None):
    """The scheduler's slots: the ``CUDA_VISIBLE_DEVICES`` each run is given, one GPU each (every
    visible GPU, or those ``gpus`` "0,1" names), or ``(None,)`` for the CPU. ``gpus`` numbers the GPUs
    as CUDA does in this process: where a scheduler has set CUDA_VISIBLE_DEVICES (SLURM: "2,3"), 0 is
    its first entry, and a run on it gets that entry (an index, a UUID or a MIG id); a UUID must be
    among them. A GPU that CUDA_VISIBLE_DEVICES lists but CuPy cannot use (not installed, no driver)
    is no GPU: ``auto`` trains on the CPU, ``cuda`` and ``gpus`` are refused; else every run started
    on it would fail."""
    if device == "cpu":
        if gpus:
            raise config.ConfigError(f"--gpus {gpus} chooses GPUs, but --device cpu trains on the CPU")
        return (None,)
    visible = experiment.visible_gpus()
    if gpus and not cuda.cuda_available():  # else each run would start, only to fail without CUDA
        raise config.ConfigError(f"--gpus {gpus}: no GPU is usable here (install CuPy, check the driver), or train on "
                                 f"the CPU without --gpus")
    if visible and device == "cuda" and not cuda.cuda_available():
        raise config.ConfigError(f"--device cuda: CUDA_VISIBLE_DEVICES lists GPU {', '.join(visible)}, but CuPy "
                                 f"cannot use it here (install CuPy, check the driver); or train on the CPU "
                                 f"(--device cpu)")
    if gpus:
        return tuple(_visible_entry(part.strip(), visible, gpus) for part in gpus.split(","))
    if visible and cuda.cuda_available():
        return visible
    if device == "cuda":
        raise config.ConfigError("--device cuda: no GPU visible (install CuPy, check CUDA_VISIBLE_DEVICES)")
    return (None,)


def _visible_entry(gpu, visible, gpus):
    """What CUDA_VISIBLE_DEVICES of a run on ``gpu`` (an entry of --gpus ``gpus``) holds: the entry
    ``visible`` (:func:`minitransfer.experiment.visible_gpus`) has at that index, or the UUID itself."""
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    among = f"CUDA_VISIBLE_DEVICES={listed} lists {len(visible)}" if listed is not None else f"{len(visible)} visible"
    if experiment.is_gpu_index(gpu):
        if int(gpu) >= len(visible):
            raise config.ConfigError(f"--gpus {gpus}: there is no GPU {gpu} here ({among}, numbered from 0)")
        return visible[int(gpu)]
    if listed is not None and not any(gpu.startswith(entry) for entry in visible):
        raise config.ConfigError(f"--gpus {gpus}: GPU {gpu} is not among those this process may use "
                                 f"(CUDA_VISIBLE_DEVICES={listed}); give their indices, from 0")
    return gpu
