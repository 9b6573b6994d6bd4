"""A run's lock released on another node of a cluster between this node's open of the lock file and its flock:
the releasing holder removes the lock file (:class:`minitransfer.run_lock.RunLock`), and where no open state keeps
it on the file server (NFSv3, whose lock daemon answers for a file handle gone), this node's flock of the file it
opened fails with ESTALE. That is a lock let go, not a fault of the disk: a second process's RunLock takes the run
(a new lock file), and a grid's look at who holds the run (:func:`minitransfer.run_lock.holder`, polled for the
runs another node trains) sees nobody, where both failed (a train exit 74 "Stale file handle", a grid stopped)."""

import errno
import fcntl
import os

import pytest

from minitransfer import run_lock
from minitransfer.lock_holder import is_this_process, read_holder

RECORD = b"4242 node-b\n"


@pytest.fixture
def held_on_node_b(tmp_path):
    """A run folder whose lock file node B's training wrote (its record: PID 4242 on host node-b)."""
    run = tmp_path / "base.run"
    run.mkdir()
    (run / run_lock.RunLock.FILE).write_bytes(RECORD)
    return run


def _released_as_locked(monkeypatch, run):
    """From here on, the next flock this process asks of a lock file finds that node B has released the run
    meanwhile (its lock file removed) and fails as NFSv3 says so: ESTALE; later flocks are the kernel's."""
    real = fcntl.flock
    calls = []

    def flock(descriptor, operation):
        calls.append(operation)
        if len(calls) == 1:
            (run / run_lock.RunLock.FILE).unlink()
            raise OSError(errno.ESTALE, os.strerror(errno.ESTALE))
        return real(descriptor, operation)

    monkeypatch.setattr(fcntl, "flock", flock)
    return calls


def test_a_run_released_on_another_node_as_it_is_locked_is_taken(held_on_node_b, monkeypatch):
    calls = _released_as_locked(monkeypatch, held_on_node_b)
    with run_lock.RunLock(held_on_node_b) as lock:  # before: StorageError "cannot lock ...: Stale file handle"
        assert lock.held()
        with open(held_on_node_b / run_lock.RunLock.FILE, "rb") as record:
            assert is_this_process(read_holder(record.fileno()))
    assert len(calls) >= 2


def test_a_run_released_on_another_node_as_it_is_looked_at_has_no_holder(held_on_node_b, monkeypatch):
    _released_as_locked(monkeypatch, held_on_node_b)
    assert run_lock.holder(held_on_node_b) is None  # before: OSError ESTALE, which stopped a grid waiting for it


def test_a_run_held_on_another_node_is_named(held_on_node_b, monkeypatch):
    monkeypatch.setattr(fcntl, "flock", lambda descriptor, operation: (_ for _ in ()).throw(
        BlockingIOError(errno.EAGAIN, os.strerror(errno.EAGAIN))))
    holder = run_lock.holder(held_on_node_b)
    assert (holder, holder.host) == (4242, "node-b")
    with pytest.raises(run_lock.RunBusy, match="PID 4242 on host node-b"):
        run_lock.RunLock(held_on_node_b).__enter__()
