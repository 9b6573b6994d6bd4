"""The command line's exit codes and the table from errors to them: every command runs its work
through :func:`run` (the command group, :class:`CommandGroup`, sees to it), so a known failure is
one line on stderr and its exit code, never a traceback.

Exit codes (DESIGN.md §7): 0 done, 1 error, 2 usage (also: another process is training into the
same run, preparing the dataset a run would read, or reading the one prepare would rewrite), 65 bad
data, 74 a file could not be written (disk full, permissions; the previous files intact), 75
interrupted with a checkpoint written or before anything was (safe to rerun), 141 the reader of the
output went away (``| head``), silently, as a Unix tool killed by SIGPIPE.
"""

import ast
import functools
import os
import re
import select
import signal
import sys

import click

from minitransfer import config_wording, stopping
from minitransfer.open_files import limit_reached

from ._output import displays_any_name, hold_standard_descriptors, paths_shown, printing, refuse_closed_output, say
from ._repeats import OptionsOnceGroup, resolved_command
from ._usage_hints import add_hint

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_BAD_DATA = 65
EXIT_IO = 74
EXIT_INTERRUPTED = stopping.EXIT_INTERRUPTED
EXIT_OUTPUT_CLOSED = 128 + signal.SIGPIPE  # 141, as the shell reports a tool killed by SIGPIPE


# The first row whose exception class matches decides the exit code and the message's prefix. Each class is named
# where it is defined, "module.Class", and looked up as an error is caught (_exit_code_rows): one whose module was
# never imported cannot have been raised, so the table imports nothing (`minitransfer --help` needs no h5py for it).
EXIT_CODES = (
    ("minitransfer.run_outcome.Interrupted", EXIT_INTERRUPTED, "interrupted"),
    ("builtins.KeyboardInterrupt", EXIT_INTERRUPTED, "interrupted"),
    ("minitransfer.errors.ConfigError", EXIT_USAGE, "error"),
    ("minitransfer.run_lock.RunBusy", EXIT_USAGE, "error"),
    ("minitransfer.data.schema.NotADataset", EXIT_USAGE, "error"),  # a DatasetError too: a run folder, a network
    ("minitransfer.data.schema.DatasetUnreadable", EXIT_IO, "error: I/O"),  # a DatasetError too: a file unread
    ("minitransfer.data.schema.DatasetError", EXIT_BAD_DATA, "error: bad data"),
    ("minitransfer.config_checks.DataMismatch", EXIT_BAD_DATA, "error: bad data"),
    ("minitransfer.checkpoint_check.CheckpointError", EXIT_BAD_DATA, "error: bad data"),
    ("minitransfer.paper_runs.BadReference", EXIT_BAD_DATA, "error: bad data"),
    ("minitransfer.resumed_logs.RunLogError", EXIT_BAD_DATA, "error: bad data"),
    ("minitransfer.run_file_readers.FileUnreadable", EXIT_IO, "error: I/O"),  # an UnreadableRun too: not read
    ("minitransfer.left_out.UnreadableRun", EXIT_BAD_DATA, "error: bad data"),  # a run's file report cannot read
    # a NoRuns too: RUNS is a run's own folder, a dataset's or a report's, or holds no run folder at all
    ("minitransfer.report.RunFolderGiven", EXIT_USAGE, "error"),
    ("minitransfer.report.NoRuns", EXIT_ERROR, "error"),
    ("minitransfer.run_outcome.Diverged", EXIT_ERROR, "error: training diverged"),
    ("minitransfer.cuda.NoGpu", EXIT_USAGE, "error"),  # a CudaUnavailable too: --device cuda without a usable GPU
    ("minitransfer.cuda.CudaUnavailable", EXIT_ERROR, "error"),  # a device seen, then gone, or there but failing
    ("minitransfer.data.devkit.MissingDependency", EXIT_ERROR, "error"),
    ("minitransfer.data.decoder_pool.WorkerDied", EXIT_ERROR, "error"),
    ("minitransfer.preflight_memory.OutOfMemory", EXIT_ERROR, "error: out of memory"),  # names the batch option
    ("builtins.MemoryError", EXIT_ERROR, "error: out of memory"),  # and, in a command with --batch-size: _memory_hint
    ("minitransfer.cli._output.OutputUnwritable", EXIT_IO, "error"),
    ("minitransfer.fileio.StorageError", EXIT_IO, "error"),
    ("builtins.OSError", EXIT_IO, "error: I/O"),
)


def _exit_code_rows():
    """:data:`EXIT_CODES` as (class, code, prefix), in its order, for the classes defined so far (their
    modules in ``sys.modules``): any other cannot have been raised."""
    rows = []
    for name, code, prefix in EXIT_CODES:
        kind = _class_if_imported(name)
        if kind is not None:
            rows.append((kind, code, prefix))
    return rows


def _class_if_imported(name):
    """The class of the dotted ``name`` ("minitransfer.resume.PathMissing"), or None where its module was
    never imported (so none of it can have been raised): nothing imported for an error to be told."""
    module_name, _, class_name = name.rpartition(".")
    return getattr(sys.modules.get(module_name), class_name, None)


INTERRUPTED = ("stopped by a signal before anything was saved, or with every file written so far intact; rerun "
               "the same command to continue")


def run(work, interrupted=INTERRUPTED):
    """Call ``work()``; a failure listed in :data:`EXIT_CODES` prints one line on stderr and exits
    with its code. ``interrupted``: what to do after a stop signal (a KeyboardInterrupt, which says
    nothing itself), where the command knows better (train: --resume auto; prepare: the shards kept)."""
    try:
        return work()
    except tuple(kind for kind, _, _ in _exit_code_rows()) as error:  # evaluated only as an error is raised
        missing = _missing_path(error)
        if missing is not None:  # in click's words, as every other missing path (exit 2)
            stopping.ignore_stops_if_ending()
            raise missing from None
        if isinstance(error, BrokenPipeError) and _reader_gone(sys.stdout):  # `minitransfer splits ... | head`
            stopping.ignore_stops_if_ending()  # as the other endings: a stop must not turn 141 into 1 ("Aborted!")
            stopping.drop_stream(sys.stdout)
            sys.exit(EXIT_OUTPUT_CLOSED)
        code, prefix = next((code, prefix) for kind, code, prefix in _exit_code_rows() if isinstance(error, kind))
        _drop_output_if_unwritable()  # a flush blocked on a reader that reads no more can still be stopped
        stopping.ignore_stops_if_ending()  # the command's own process: a stop must not change its exit code
        if code == EXIT_INTERRUPTED:  # already stopping: a second stop signal must not lose the exit code
            stopping.ignore_stops()  # not one an embedding program handles: not given back
        message = option_text(str(error))
        if message.strip():
            say(f"{prefix}{_memory_hint(error)}: {message}{_working_folder_gone(error)}{_files_limit(error, message)}")
        else:  # a bare KeyboardInterrupt says nothing itself; nor may a bare MemoryError, OSError, ...
            say(f"{prefix}: {_unsaid(error, code, interrupted)}")
        sys.exit(code)


def _missing_path(error):
    """``error``, a :class:`minitransfer.resume.PathMissing`, in click's own words for an option's missing path
    ("Invalid value for '--copy-from': Path 'x.h5' does not exist."), where the command has that option; else
    None (any other error too). Looked up as :data:`EXIT_CODES` are: where resume's module was never imported, no
    PathMissing was raised (and `minitransfer --help` needs none of what it imports, checkpoints and h5py)."""
    path_missing = _class_if_imported("minitransfer.resume.PathMissing")
    if path_missing is None or not isinstance(error, path_missing):
        return None
    context = click.get_current_context(silent=True)
    params = resolved_command(context).params if context is not None else ()
    param = next((param for param in params if param.name == error.field), None)
    if param is None:
        return None
    return click.BadParameter(f"Path {click.format_filename(error.path)!r} does not exist.", context, param)


# What to do where an error says nothing itself, by exit code (a bare MemoryError: _out_of_host_memory)
UNSAID_REMEDIES = {
    EXIT_USAGE: "; check the command's arguments (--help)",
    EXIT_BAD_DATA: "; check the data given",
    EXIT_IO: "; check the paths given, their permissions and the free space, then rerun",
}


def _unsaid(error, code, interrupted):
    """The message for ``error``, whose own text is empty: ``interrupted`` after a stop signal,
    what ran out and what to do after a bare MemoryError (Python's own, as an allocation of the
    interpreter fails: host memory), else the kind of error and what to check."""
    if code == EXIT_INTERRUPTED:
        return interrupted
    if isinstance(error, MemoryError):
        return _out_of_host_memory(error)
    return f"{type(error).__name__}, without a message{UNSAID_REMEDIES.get(code, '')}"


def _out_of_host_memory(error):
    """A bare MemoryError's (``error``) message: the host's memory ran out (NumPy's and CuPy's name what they
    could not allocate); what to change, among the options the command has."""
    names = _option_names()
    options = [option for name, option in (("batch_size", "a smaller --batch-size"), ("workers", "fewer --workers"))
               if name in names]
    change = f", or use {' or '.join(options)}" if options else ""
    return f"this machine's memory (host RAM) ran out; free some memory{change}, and rerun"


def _memory_hint(error):
    """What to change after running out of memory (``error``, a plain MemoryError: NumPy's or
    CuPy's), where the command has a --batch-size; "" elsewhere (report, prepare: no batch to make
    smaller) and after :class:`minitransfer.preflight_memory.OutOfMemory`, whose message names the option."""
    has_batch = "batch_size" in _option_names()
    return " (a smaller --batch-size needs less)" if has_batch and type(error) is MemoryError else ""


def _working_folder_gone(error):
    """Where ``error`` names no file because the current folder is gone (deleted or moved since the shell entered
    it: ``os.getcwd()`` fails, and with it every relative path made absolute), what to do; else "". It said
    "error: I/O: [Errno 2] No such file or directory" alone, naming nothing."""
    if not isinstance(error, FileNotFoundError) or error.filename is not None:
        return ""
    try:
        os.getcwd()
    except FileNotFoundError:
        return (": the current folder no longer exists (deleted or moved since the shell entered it): cd into a "
                "folder that exists and rerun")
    return ""


def _files_limit(error, message):
    """Where ``error``, an OSError, is a limit of open files reached (EMFILE, ENFILE; any open, unwrapped where it
    was made), that limit and what to raise (:func:`minitransfer.open_files.limit_reached`), unless ``message``
    says it already; else "". It said "error: I/O: [Errno 24] Too many open files: '.../metrics.jsonl'" alone,
    sending the user to the file's disk or permissions."""
    words = limit_reached(error) if isinstance(error, OSError) else None
    return f": {words}" if words is not None and words not in message else ""


def _option_names():
    """The names of the options of the command that ran (none outside a command): the innermost one
    click resolved (:func:`~._repeats.resolved_command`), also where the error reached a group's
    :func:`run` (click's context is the group's there: `prepare imagenet`'s options named, not the
    `prepare` group's)."""
    context = click.get_current_context(silent=True)
    if context is None:
        return set()
    return {param.name for param in resolved_command(context).params}


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
    the option that sets it, by :func:`minitransfer.config_wording.command_line`'s rule (`copy_from` →
    --copy-from, `resume='auto'` → --resume auto, `overwrite=True` → --overwrite); other quoted
    text stays as it is. A flag's change (`frozen` True -> False) is said as its two sides
    (--frozen -> --fine-tune), not as the values the library names; advice to repeat the call, as
    rerunning the command (:func:`minitransfer.config_wording.as_commands`)."""
    return _QUOTED.sub(_as_option, _FLAG_CHANGE.sub(_as_flags, config_wording.as_commands(message)))


_QUOTED = re.compile(r"`(\w+)(?:=([^`]+))?`")
_FLAG_CHANGE = re.compile(r"`(\w+)` (True|False) -> (True|False)\b")


def _as_flags(match):
    name, before, after = match.groups()
    sides = _flag_sides(name)
    if sides is None:  # not a flag of train's
        return match.group(0)
    return f"{sides[before == 'True']} -> {sides[after == 'True']}"


@functools.cache  # train's options never change: looked up once a field
def _flag_sides(name):
    """(off, on): how ``train`` says configuration field ``name`` False and True (--fine-tune, --frozen;
    a flag without a pair is "without --overwrite" off); None for a field that is no flag of train's."""
    from .train import train  # imported here: train's module imports this one
    for option in train.params:
        if option.name == name and getattr(option, "is_flag", False) and option.opts:
            on = option.opts[0]
            return (option.secondary_opts[0] if option.secondary_opts else f"without {on}"), on
    return None


def _as_option(match):
    name, value = match.groups()
    try:
        return " ".join(config_wording.command_line({name: True if value is None else _literal(value)}))
    except ValueError:  # not a configuration field
        return match.group(0)


def _literal(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


class CommandGroup(OptionsOnceGroup):
    """The command group: every command's known failures (and SIGINT / SIGTERM / SIGHUP anywhere in
    a command) go through :func:`run`, so none ends in a traceback; so does the group's own parsing
    (its --help and --version write to a pipe too). Run in another program's process, it gives that
    program back its stop signals' handlers as it ends (:func:`minitransfer.stopping.handlers_given_back`).
    A command's usage error says what to type instead where the arguments were given in the wrong order or
    form (:func:`._usage_hints.add_hint`)."""

    def main(self, *args, **kwargs):
        with stopping.handlers_given_back():
            return self._main(*args, **kwargs)

    def _main(self, *args, **kwargs):
        hold_standard_descriptors()
        run(refuse_closed_output)  # before the arguments are read: nothing done that --help would not do
        displays_any_name()
        try:
            with config_wording.fields_worded_by(option_text):
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
            with stopping.swallowed_stops_owed():  # a stop raised in a finalizer is not lost: raised again
                return run(lambda: _over(_flushed(_owed_stop_raised(super(CommandGroup, self).invoke(ctx)))))
        except click.UsageError as error:
            add_hint(error)
            error.message = paths_shown(error.message, error.ctx)
            raise
        finally:
            for stop, handler in previous.items():
                if signal.getsignal(stop) is not signal.SIG_IGN:  # ignored by run: exiting interrupted
                    signal.signal(stop, stopping.handler_after_command(stop, handler))


def _owed_stop_raised(result):
    """``result``, the command's, where no stop is owed (:func:`minitransfer.stopping.raise_owed_stop`):
    a stop whose KeyboardInterrupt Python swallowed, and that no later point raised, ends the command
    interrupted, as one that came as it ended does."""
    stopping.raise_owed_stop()
    return result


def _over(result):
    """``result``, the command's, its work done: in the command's own process, a stop from here on is
    ignored (:func:`minitransfer.stopping.ignore_stops_if_ending`), before :func:`run` returns: one that
    came as it returned, before the handlers were given back, raised a KeyboardInterrupt outside it
    ("Aborted!", exit 1)."""
    stopping.ignore_stops_if_ending()
    return result


def _flushed(result):
    """``result``, once what the command printed is written: a write that fails here is reported
    (74), where Python's last flush would turn the exit code into 120."""
    with printing():
        sys.stdout.flush()
    return result


def interrupt_on_stop_signals():
    """Make SIGINT, SIGTERM and SIGHUP (a closed terminal) stop a command as Ctrl-C does in a
    terminal (KeyboardInterrupt in the main thread), also where it started with SIGINT ignored: a
    shell script's background job (``minitransfer experiment ... &``) does, and Python then installs
    no handler of its own, so ``kill -INT`` would go unheard. SIGHUP ignored stays ignored (``nohup``:
    :func:`minitransfer.stopping.stop_signals_heard`). Returns the previous handlers, by signal. A
    stop raised where Python swallows it (a finalizer) is raised again: :func:`minitransfer.stopping.interrupt`."""
    return {stop: signal.signal(stop, stopping.interrupt) for stop in stopping.stop_signals_heard()}
