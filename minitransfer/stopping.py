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
"""

import errno
import os
import signal
import sys

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_READER_GONE = (errno.EIO, errno.EPIPE)  # a terminal hung up; a pipe whose reader ended


def stop_signals_heard():
    """The signals of :data:`STOP_SIGNALS` this process answers: all of them, but SIGHUP where it
    was ignored when the process started (nohup's whole point). SIGINT and SIGTERM ignored are
    answered all the same: a shell script's background job (``minitransfer experiment ... &``)
    starts with SIGINT ignored without anyone asking for it, and ``kill -INT`` must stop it."""
    return tuple(stop for stop in STOP_SIGNALS
                 if not (stop == signal.SIGHUP and signal.getsignal(stop) is signal.SIG_IGN))


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


def warn(text):
    """``text`` on stderr, from code below the command line (no click there); dropped where it
    cannot be written (the terminal gone): a warning is all that is lost."""
    try:
        print(text, file=sys.stderr, flush=True)
    except OSError:
        pass
