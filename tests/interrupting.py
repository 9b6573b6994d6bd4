"""A training stopped as Ctrl-C stops it, after a given iteration, for the tests of resuming; a stop
signal sent where Python swallows what its handler raises; and the cleanup of a training a test
expected stopped that was not."""

import contextlib
import os
import signal
import weakref

import pytest

import waiting
from minitransfer import run_lock
from minitransfer import train as training


def interrupted_after(config, iteration):
    """``config`` trained until a KeyboardInterrupt after ``iteration``, its checkpoint written
    (train raises Interrupted)."""
    def stop(done):
        if done == iteration:
            raise KeyboardInterrupt

    with pytest.raises(training.Interrupted):
        training.train(config, on_iteration=stop)


def signalled_in_a_finalizer(stop=signal.SIGINT):
    """Send ``stop`` to this process from inside a weak reference's finalizer, as a signal that comes
    while the garbage collector runs one: ``os.kill`` runs the handler at once, there, and Python
    swallows what it raises ("Exception ignored in ...")."""
    class Collected:
        pass

    collected = Collected()
    weakref.finalize(collected, os.kill, os.getpid(), stop)
    del collected


def kill_left_running(run_dir):
    """SIGKILL the process that holds the lock of ``run_dir`` (a training left running by a test that
    failed to stop it); its PID, or None where nobody holds it. A holder still starting (its PID not
    yet written: :func:`run_lock.holder` says -1, which ``os.kill`` takes for every process of this
    user) is waited for; one on another machine is never signalled."""
    holders = []
    waiting.until(lambda: holders.append(run_lock.holder(run_dir)) or holders[-1] != -1)
    pid = holders[-1]
    if pid is None or pid == -1 or pid.host is not None:
        return None
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    return pid
