"""Stopping a long command cleanly: the signals that stop it.

Three signals stop a training, a grid or an import as Ctrl-C does (a checkpoint written, the
finished shards kept, exit code 75): SIGINT (Ctrl-C), SIGTERM (``kill``, ``timeout``, SLURM before
the time limit) and SIGHUP (the terminal closed: an ssh connection dropped, a window closed; the
shell passes it on to its jobs). A command started with SIGHUP ignored (``nohup``, ``setsid``, a
daemon) is meant to outlive its terminal, and does: :func:`stop_signals_heard`.
"""

import signal

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def stop_signals_heard():
    """The signals of :data:`STOP_SIGNALS` this process answers: all of them, but SIGHUP where it
    was ignored when the process started (nohup's whole point). SIGINT and SIGTERM ignored are
    answered all the same: a shell script's background job (``minitransfer experiment ... &``)
    starts with SIGINT ignored without anyone asking for it, and ``kill -INT`` must stop it."""
    return tuple(stop for stop in STOP_SIGNALS
                 if not (stop == signal.SIGHUP and signal.getsignal(stop) is signal.SIG_IGN))

