"""Stopping a long command cleanly: the signals that stop it, and output whose reader has gone.

Three signals stop a training, a grid or an import as Ctrl-C does (a checkpoint written, the
finished shards kept, exit code 75): SIGINT (Ctrl-C), SIGTERM (``kill``, ``timeout``, SLURM before
the time limit) and SIGHUP (the terminal closed: an ssh connection dropped, a window closed; the
shell passes it on to its jobs). A command started with SIGHUP ignored (``nohup``, ``setsid``, a
daemon) is meant to outlive its terminal, and does: :func:`stop_signals_heard`.

A closed terminal takes no more output: writing to it fails with EIO (EPIPE where the output went
through ``| tee``, which the hangup ended too). :func:`reader_gone` tells such an error, and
:func:`drop_stream` sends the rest of that stream to /dev/null, so that the checkpoint is still
written and the exit code still the one documented.

The command answers a stop from its first instant (:func:`stop_as_it_starts`), not only once its
imports are done: a launcher or SLURM that stops a task just started reads exit code 75, not 143.
Once the command line has taken the signals over, a stop raises KeyboardInterrupt (:func:`interrupt`);
where Python swallows it (raised inside a finalizer, a weak reference's callback: "Exception ignored
in ..."), the stop is owed, and delivered again at once (:func:`swallowed_stops_owed`).

Where the warnings of the layers below a command go is :mod:`minitransfer.warnings_told`'s (its
names importable from here too: ``__all__``).
"""

import atexit
import contextlib
import errno
import functools
import os
import signal
import sys
import _thread

from minitransfer.warnings_told import WARNING, heard, hushed_if_quiet, warn, warnings_heard, warnings_to

__all__ = ["STOP_SIGNALS", "EXIT_INTERRUPTED", "NOTHING_WRITTEN", "BEFORE_A_CHECKPOINT", "BEFORE_THE_FIRST",
           "REDELIVERY_SECONDS", "stop_signals_heard", "stop_as_it_starts", "forget_interrupts_handled",
           "handler_after_command", "ignore_stops_if_ending", "handlers_given_back", "ignore_stops", "interrupt",
           "swallowed_stops_owed", "delivered_again", "raise_owed_stop", "stop_not_replaced", "reader_gone",
           "drop_stream", "WARNING", "warn", "heard", "warnings_heard", "hushed_if_quiet", "warnings_to"]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
EXIT_INTERRUPTED = 75  # the command line's exit code for a stop (minitransfer.cli._errors' table)
# What a command stopped before it wrote anything says (its run folder holds no checkpoint to resume)
NOTHING_WRITTEN = "stopped as it started, before anything was written"
# What train says of a stop in its start-up, before it wrote a checkpoint (its --resume auto's words, a fresh run's):
# a grid tells such a run, its folder holding none, from one stopped with its checkpoint (grid_outcome.stopped_unsaved)
BEFORE_A_CHECKPOINT, BEFORE_THE_FIRST = "before a checkpoint was written", "before its first checkpoint"
_READER_GONE = (errno.EIO, errno.EPIPE)  # a terminal hung up; a pipe whose reader ended
_found_at_start = {}  # the handlers stop_as_it_starts replaced, by signal
_the_command = []  # [True] once stop_as_it_starts ran: this process is the minitransfer command, ending with it
_ignored_at_exit = []  # [the hook] while handlers_given_back's exit hook is registered (a command ended with 75)
_raised = []  # [the KeyboardInterrupt interrupt() raised last, its signal], while swallowed_stops_owed() watches
_owed = []  # [the signal] whose stop's KeyboardInterrupt Python swallowed, not raised again yet (popped: atomic)
_delivering = []  # [the signal] whose owed stop the thread of swallowed_stops_owed has made due again
REDELIVERY_SECONDS = 0.01  # how long an owed stop waits before its handler is made due again


def stop_signals_heard():
    """The signals of :data:`STOP_SIGNALS` this process answers: all of them, but SIGHUP where it
    was ignored when the process started (nohup's whole point). SIGINT and SIGTERM ignored are
    answered all the same: a shell script's background job (``minitransfer experiment ... &``)
    starts with SIGINT ignored without anyone asking for it, and ``kill -INT`` must stop it. A signal
    whose handler a program embedding Python set (outside Python: Python knows it only as None) stays
    that program's, as :class:`minitransfer.stop_requests.StopRequests` leaves it: taken over, it could
    not be given back, and every command ended with a TypeError (signal handler must be ...)."""
    return tuple(stop for stop in STOP_SIGNALS if signal.getsignal(stop) is not None
                 and not (stop == signal.SIGHUP and signal.getsignal(stop) is signal.SIG_IGN))


def stop_as_it_starts():
    """Make a stop signal of :func:`stop_signals_heard` end the ``minitransfer`` command at once,
    with one line on stderr and exit code 75 (nothing written yet: rerun it). The command calls this
    before anything else (``minitransfer/__main__.py``), before it imports NumPy, h5py and click (half
    a second), until its command line takes the signals over
    (:func:`minitransfer.cli._errors.interrupt_on_stop_signals`). Without it, a SIGTERM then (a grid
    launcher or SLURM stopping a task just started) ended it with 143, read as a crash, a SIGINT
    with a traceback, and a SIGINT to a background job (started with it ignored) went unheard.

    A stop signal that whoever started the process blocked is unblocked here, and one pending is
    answered now. The limit: before this runs (Python's own start and ``import minitransfer``: 50-100
    ms measured on a loaded 2-core machine), nothing can answer a signal, and Python's default ends
    the process (SIGTERM: 143; SIGINT: a traceback). A launcher that must not lose such a stop
    starts the command with the stop signals blocked (``pthread_sigmask`` before ``exec``): they
    wait until this answers them."""
    heard = stop_signals_heard()
    _the_command[:] = [True]
    for stop in heard:
        _found_at_start[stop] = signal.signal(stop, _stopped_as_it_started)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, heard)


def _stopped_as_it_started(signum, frame):
    """The stop of :func:`stop_as_it_starts`: a line on stderr (lost where stderr cannot take it)
    and exit code 75 at once, Python's clean-up skipped: it has nothing to save.

    Two stops that came together name the one of lowest number, not the first (the exit code is the same): where
    they were blocked (a launcher's run, until :func:`stop_as_it_starts` lets them in), the kernel keeps pending
    signals as a set, and runs their handlers in an order of its own (Linux: the highest number first), so that
    the order they came in is known to no one; where they came as the main thread was in C (an import's extension
    module), Python runs its handlers in number order, and the order could only be read from a wakeup descriptor
    (:class:`minitransfer.stop_requests.StopRequests`), one kept from here until the command line takes the stops
    over, for a name in a line of its first tenth of a second."""
    try:
        os.write(2, f"interrupted: {signal.Signals(signum).name}: {NOTHING_WRITTEN}; rerun the same command\n".encode())
    except OSError:
        pass
    os._exit(EXIT_INTERRUPTED)


def forget_interrupts_handled():
    """Clear CPython's note that a KeyboardInterrupt ended code it compiled from a string (``exec``,
    ``eval``: a dataclass's or a namedtuple's methods, built as an import runs), however the command
    handled it since. Under ``python -m``, that note (run_eval_code_obj's, read by Py_RunMain) made the
    interpreter kill itself with SIGINT as it exited, whatever exit code the command had chosen: a stop
    landing in such an import (the CLI loads a command's module as it runs it) said its line and ended
    with -2 (130 in a shell), read as a crash, not 75. Evaluating any string clears it: CPython resets
    it before each such evaluation. Called as the command ends (``minitransfer/__main__.py``); a
    KeyboardInterrupt escaping the command after this sets it again, as it should."""
    exec("pass")


def handler_after_command(stop, handler):
    """The handler to give ``stop`` back once a command is over, ``handler`` being the one its
    command line found: in the ``minitransfer`` command's own process (:func:`stop_as_it_starts`
    ran), SIG_IGN (:func:`ignore_stops_if_ending`); elsewhere that one, or where it is
    :func:`stop_as_it_starts`'s (whose "nothing written" is no longer true), the one that found (Python's)."""
    if _the_command:
        return signal.SIG_IGN
    return _found_at_start.get(stop, handler) if handler is _stopped_as_it_started else handler


def ignore_stops_if_ending():
    """In the ``minitransfer`` command's own process (:func:`stop_as_it_starts` ran), its command's work
    over (done, or ending with its error's exit code), the stop signals of :func:`stop_signals_heard`
    are ignored to its last instant: nothing is left to stop, and a stop must not change the exit code.
    Python's handlers given back there, a SIGTERM in its last instants (the command line unwinding,
    Python's clean-up at exit: tens of ms of a command's life) ended a finished command with 143 and a
    SIGINT with a traceback and 130 (SIGHUP: 129), read by a grid or SLURM as a crash; one as it said its
    error made it "Aborted!" (exit 1, click's answer to a KeyboardInterrupt). Nothing elsewhere: a program
    running the command line in its own process gets its handlers back as it ends (:func:`handlers_given_back`)."""
    if _the_command:
        ignore_stops()


@contextlib.contextmanager
def handlers_given_back():
    """For the block (the command line's ``main``): as it ends, however it ends (done, exit code 75, an
    error, an exception), the stop signals' handlers are those found as it began, where a program runs
    the command line in its own process (``minitransfer.cli.main``, click's CliRunner): a command stopped
    left them ignored there, SIGHUP too (the caller no longer heard its terminal close). Not in the
    ``minitransfer`` command's own process (:func:`stop_as_it_starts` ran): its command over, it keeps
    them ignored to its last instant, so that a stop cannot change its exit code
    (:func:`ignore_stops_if_ending`). A handler that Python cannot give back (None: a program embedding
    Python set it) is left as it is. Given back on
    exit code 75, they are ignored again as the process exits, should the caller let that exit end it
    (a script whose last line is ``main()``): a second stop then cannot turn 75 into a death by signal.
    Only such an exit keeps that hook: where the caller caught it and ran the command line again (a
    notebook, CliRunner), the next block unregisters it as it begins (before, it stayed whatever came
    after, and the caller's own clean-up at exit could not be stopped with Ctrl-C)."""
    if _ignored_at_exit:
        atexit.unregister(_ignored_at_exit.pop())
    found = {stop: signal.getsignal(stop) for stop in STOP_SIGNALS}
    try:
        yield
    except SystemExit as leaving:
        if leaving.code == EXIT_INTERRUPTED and not _the_command and not _ignored_at_exit:
            _ignored_at_exit.append(atexit.register(ignore_stops))
        raise
    finally:
        for stop, handler in found.items():
            if not _the_command and handler is not None and signal.getsignal(stop) is not handler:
                signal.signal(stop, handler)


def ignore_stops():
    """The stop signals of :func:`stop_signals_heard` ignored: as the process exits (an atexit hook of
    :func:`handlers_given_back`), in its command's last instants (:func:`ignore_stops_if_ending`), or as
    a command ends interrupted (:func:`minitransfer.cli._errors.run`)."""
    for stop in stop_signals_heard():
        signal.signal(stop, signal.SIG_IGN)


def interrupt(signum, frame):
    """A stop signal's handler where a command stops at once: KeyboardInterrupt, which the command
    line turns into exit code 75. Raised inside a finalizer (``__del__``, a weak reference's callback,
    the garbage collector's: anywhere in the command, as the signal comes), Python swallows it
    ("Exception ignored in ...") and the command would go on to its end: inside
    :func:`swallowed_stops_owed`, such a stop is owed instead, and delivered again; as it is where the
    handler runs inside that block's hook, which would lose what it raised ("Exception ignored in ...")."""
    delivered_again()  # this call answers it, if it is one
    if _in_the_hook(frame):
        _owed[:] = [signum]
        return
    error = KeyboardInterrupt()
    _raised[:] = [error, signum]
    raise error


@contextlib.contextmanager
def swallowed_stops_owed():
    """For the block (a command): a KeyboardInterrupt of :func:`interrupt` that Python swallows is
    owed, said nowhere (no "Exception ignored in" traceback), and delivered again (:class:`_Redelivery`)
    within :data:`REDELIVERY_SECONDS`, or raised by :func:`raise_owed_stop` if that comes first: it waited
    for the next such point (an experiment's planning over, minutes later; a lock's wait, never). The
    block ends with no stop owed. Other swallowed exceptions are told as Python tells them.
    A stop still owed when the block ends by another exception is dropped (that error is what the
    command says). The hook it replaces is put back as the block ends, so nested blocks restore
    theirs last in, first out; the command line runs one command, one such block, per process. A stop that
    comes as the block ends leaves it, its clean-up done all the same: the thread ended, none left owed."""
    told, redelivery = sys.unraisablehook, _Redelivery()
    sys.unraisablehook = functools.partial(_swallowed, told, redelivery)
    try:
        yield
    finally:  # each step done though a stop's KeyboardInterrupt comes in one before it
        try:
            sys.unraisablehook = told
            _owed.clear()  # before the thread ends: it has none left to deliver as the command ends
        finally:
            try:
                redelivery.end()
            finally:
                _delivering.clear()
                _raised.clear()


def delivered_again():
    """Whether the stop whose handler runs is an owed one delivered again, not a signal sent (once per delivery):
    :class:`minitransfer.stop_requests.StopRequests` must not take a stop it heard for a second one."""
    try:
        _delivering.pop()
    except IndexError:
        return False
    return True


def _swallowed(told, redelivery, unraisable):
    """:func:`swallowed_stops_owed`'s hook: ``unraisable``, what Python swallowed, owed where it is the
    stop :func:`interrupt` raised last (``redelivery`` delivers it again), told by ``told`` otherwise."""
    if _raised and unraisable.exc_value is _raised[0]:
        _owed[:] = [_raised[1]]
        _raised.clear()
    else:
        told(unraisable)
    if _owed:
        redelivery.start()


def _in_the_hook(frame):
    """Whether ``frame`` (where a signal's handler runs) is :func:`_swallowed`'s or one it called."""
    while frame is not None and frame.f_code is not _swallowed.__code__:
        frame = frame.f_back
    return frame is not None


class _Redelivery:
    """The thread that delivers an owed stop again (:func:`swallowed_stops_owed`), from the first stop Python
    swallows to the block's end: it makes the stop's handler due in the main thread, which runs it at its next
    instruction (outside a finalizer, raised; in one again, owed again), once per owed stop. Started with
    ``_thread``: the hook may run as the code it interrupted holds a lock of ``threading``'s."""

    def __init__(self):
        self._over, self._ended = _thread.allocate_lock(), None  # _over held while the thread is to run

    def start(self):
        if self._ended is None:
            self._ended = _thread.allocate_lock()
            self._over.acquire()
            self._ended.acquire()
            _thread.start_new_thread(self._deliver, ())

    def _deliver(self):
        while not self._over.acquire(timeout=REDELIVERY_SECONDS):
            try:
                signum = _owed.pop()  # taken here or by raise_owed_stop, never by both
            except IndexError:
                continue
            _delivering[:] = [signum]
            _thread.interrupt_main(signum)  # nothing where the command ignores that signal now (ending)
        self._ended.release()

    def end(self):
        if self._ended is not None:
            self._over.release()
            self._ended.acquire()


def raise_owed_stop():
    """KeyboardInterrupt where a stop's own was swallowed (:func:`swallowed_stops_owed`), as though
    the signal came now; nothing where none is owed. Called where the work takes the stop signals over
    (:meth:`minitransfer.stop_requests.StopRequests.listen`: a training's first iteration), at the safe
    points of a training's start-up (the dataset loaded, the base's layers copied: before it writes its
    first file, so that a stop then waits for none of the rest) and as a command ends."""
    try:
        _owed.pop()  # taken here or by the thread that delivers it again, never by both
    except IndexError:
        return
    raise KeyboardInterrupt


@contextlib.contextmanager
def stop_not_replaced():
    """For the block (a decorator too): a stop (:func:`interrupt`'s KeyboardInterrupt) that an extension
    module caught and replaced by an error of its own is raised as the stop, that error its cause.
    pybind11's converters clear an error raised in the Python they call: a stop that came as matplotlib's
    Agg renderer read a figure's clip box (``Bbox.__array__``) became "ValueError: Invalid bounding box",
    a traceback and exit code 1 where the report said 75 (rerun)."""
    before = _raised[0] if _raised else None
    try:
        yield
    except Exception as error:
        if _raised and _raised[0] is not before:  # a stop came in the block, and is not what left it
            raise KeyboardInterrupt from error
        raise


def reader_gone(error):
    """Whether ``error``, raised by a write to stdout or stderr, says that nobody reads them any
    more: the terminal hung up (EIO) or the reading end of the pipe was closed (EPIPE)."""
    return isinstance(error, OSError) and error.errno in _READER_GONE


def drop_stream(stream):
    """Send ``stream`` (sys.stdout or sys.stderr) to /dev/null: what it still holds and all that is
    written to it from here on. Python's last flush, which writes what a failed write left in the
    stream's buffer, would otherwise fail again and turn the exit code into 120."""
    try:
        descriptor = stream.fileno()
    except (OSError, ValueError):  # not a file descriptor (click's CliRunner): nothing to flush at exit
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)
    stream.flush()
