"""A training stopped as Ctrl-C stops it, after a given iteration, for the tests of resuming; a stop
signal sent where Python swallows what its handler raises; a grid stopped as it waits for its runs; and the
cleanup of a training a test expected stopped that was not."""

import contextlib
import os
import signal
import weakref

import pytest

import waiting
from minitransfer import launcher, run_lock
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


def grid_stopped_once(monkeypatch, ready, send=signal.raise_signal, stop=signal.SIGTERM, heard=None):
    """The grid's wait for its runs (``launcher.wait_any``, patched) sends ``stop`` to the grid, ``send(stop)``,
    the first time the file ``ready`` exists (a run's marker); a wait after that fails the test where ``heard``
    says why (a stop the grid must answer at once, not wait on). Returns the list of the signals' names sent, to
    which the test may add its own."""
    sent, wait_any = [], launcher.wait_any

    def waiting_for_runs(processes, timeout):
        if sent and heard:  # waiting again, the stop unheard: fail the grid (its run stopped), not wait 600 s
            raise AssertionError(f"the grid waited on after a {sent[0]} {heard}")
        if not sent and ready.exists():
            sent.append(stop.name)
            send(stop)
        wait_any(processes, min(timeout, 0.05))

    monkeypatch.setattr(launcher, "wait_any", waiting_for_runs)
    return sent


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
