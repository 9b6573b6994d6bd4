"""RunLock met by another process at an instant of its own: having taken the lock but not yet
written its PID, or releasing it; the message never names "PID None" or "PID -1". Held from another
machine (a SLURM task on another node of a shared file system), it names that machine with the PID."""

import errno
import fcntl
import gc
import os
import pickle
import socket
import threading
import types
import warnings

import pytest

from minitransfer import fileio, lock_holder, run_lock
from nfs_flock import as_another_process, emulate_nfs4_flock


@pytest.fixture
def held(tmp_path):
    """The lock of ``tmp_path / "net.run"`` held by another open file (as another process holds it),
    its file still empty; yields the descriptor to write a PID into."""
    run_dir = tmp_path / "net.run"
    run_dir.mkdir()
    descriptor = os.open(run_dir / run_lock.RunLock.FILE, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    yield descriptor
    os.close(descriptor)


def test_a_holder_that_has_not_written_its_pid_is_named_as_starting_up(tmp_path, held):
    with pytest.raises(run_lock.RunBusy) as busy:
        run_lock.RunLock(tmp_path / "net.run").__enter__()
    assert str(busy.value) == (f"{tmp_path / 'net.run'} is in use by another minitransfer process (starting up: its "
                               f"PID is not written yet); wait for it to finish or stop it, then rerun")
    assert busy.value.pid == -1


def test_a_pid_written_just_after_the_lock_was_seen_taken_is_named(tmp_path, held, monkeypatch):
    """Written after try_lock's retries (10 of 20 ms) have given up: read once, the file was empty."""
    monkeypatch.setattr(run_lock, "PID_WAIT_SECONDS", 5)
    writer = threading.Timer(0.4, os.write, (held, b"4242\n"))
    writer.start()
    try:
        with pytest.raises(run_lock.RunBusy, match=r"net.run is in use by another minitransfer process \(PID 4242\); "):
            run_lock.RunLock(tmp_path / "net.run").__enter__()
    finally:
        writer.join()
    assert run_lock.holder(tmp_path / "net.run") == 4242


def test_a_lock_released_between_seeing_it_taken_and_naming_its_holder_is_taken(tmp_path, monkeypatch):
    """The holder gone when it was to be named: the lock is free, and this process takes it."""
    taken = run_lock.try_lock
    seen_taken = []

    def held_until_now(descriptor, *args, **kwargs):
        if not seen_taken:
            seen_taken.append(True)
            return False
        return taken(descriptor, *args, **kwargs)

    monkeypatch.setattr(run_lock, "try_lock", held_until_now)
    with run_lock.RunLock(tmp_path / "net.run"):
        assert run_lock.holder(tmp_path / "net.run") == os.getpid()
    assert seen_taken


def _grid_meeting_a_held_run(out, record):
    """(the grid's first run, its log lines, the run's status) of a grid that meets that run's lock held
    by another process, whose lock file says ``record``: it waits for it."""
    from minitransfer import experiment, grid_counts, grid_runner, grid_status

    run = experiment.plan_grid(layers=(1,), fine_tuned=False, selffer=False)[0]
    folder = experiment.run_dir(out, run)
    folder.mkdir(parents=True)
    descriptor = os.open(folder / run_lock.RunLock.FILE, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    os.write(descriptor, record)
    lines = []
    grid = types.SimpleNamespace(out=out, elsewhere=[], log=lines.append,
                                 numbers=grid_counts.StartNumbers([run], set()))
    try:
        assert grid_runner.GridRunner._taken_elsewhere(grid, run)
        assert grid.elsewhere == [run]
        return run, lines, grid_status.run_status(out, run)
    finally:
        os.close(descriptor)


def test_a_grid_waiting_for_a_run_whose_holder_has_not_written_its_pid_names_it_as_starting_up(tmp_path):
    """The scheduler's log, met with the same instant: not "PID -1"."""
    run, lines, _ = _grid_meeting_a_held_run(tmp_path, b"")
    assert lines == [f"{run.name} is being trained by another process (starting up: its PID is not written yet); "
                     f"waiting for it"]


@pytest.mark.parametrize("pids, named", [(None, ""), ([], ""), (-1, " (starting up: its PID is not written yet)"),
                                         (4242, " (PID 4242)"), ([4242], " (PID 4242)"),
                                         ([12, 4242], " (PIDs 12, 4242)"),
                                         (lock_holder.Holder(4242, "node7"), " (PID 4242 on host node7)"),
                                         (lock_holder.Holder(4242), " (PID 4242)")],
                         ids=["none", "none-known", "starting-up", "pid", "one-reader", "two-readers", "other-host",
                              "this-host"])
def test_holder_named(pids, named):
    assert run_lock.holder_named(pids) == named


def test_a_lock_whose_pid_cannot_be_written_is_an_io_error_and_released(tmp_path, monkeypatch):
    """A full disk as the PID was written raised a bare OSError with the lock still held by a
    descriptor nobody closed: the next run in the same process (a notebook, a grid) was refused,
    busy with its own PID, and the run folder created for the lock stayed."""
    def full(descriptor, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(run_lock.os, "write", full)
    with pytest.raises(fileio.StorageError, match=r"net.run/lock.*No space left on device"):
        run_lock.RunLock(tmp_path / "net.run").__enter__()
    monkeypatch.undo()
    assert not (tmp_path / "net.run").exists()
    with run_lock.RunLock(tmp_path / "net.run"):
        assert run_lock.holder(tmp_path / "net.run") == os.getpid()


@pytest.mark.parametrize("record, named, host", [
    (b"4242 node7.cluster\n", " (PID 4242 on host node7.cluster)", "node7.cluster"),
    (f"4242 {socket.gethostname()}\n".encode(), " (PID 4242)", None),
    (b"4242\n", " (PID 4242)", None),
], ids=["other-host", "this-host", "older-record"])
def test_a_holder_is_named_with_its_host_where_that_is_another_machine(tmp_path, held, record, named, host):
    """A run folder on a file system the nodes of a cluster share, trained by a SLURM task on another
    node: its PID is that node's, and was named as if it were one of this machine. A record without a
    host (an older minitransfer's) still names its PID."""
    os.write(held, record)
    with pytest.raises(run_lock.RunBusy) as busy:
        run_lock.RunLock(tmp_path / "net.run").__enter__()
    assert str(busy.value) == (f"{tmp_path / 'net.run'} is in use by another minitransfer process{named}; wait for "
                               f"it to finish or stop it, then rerun")
    found = run_lock.holder(tmp_path / "net.run")
    assert (found, found.host) == (4242, host)
    sent_back = pickle.loads(pickle.dumps(busy.value))  # as a process pool returns it
    assert (sent_back.pid, sent_back.pid.host) == (4242, host)


def test_a_grid_names_the_host_of_a_run_trained_on_another_machine(tmp_path):
    """Its log while it waits for the run, and its dry run's status of the run."""
    run, lines, status = _grid_meeting_a_held_run(tmp_path, b"4242 node7\n")
    assert lines == [f"{run.name} is being trained by another process (PID 4242 on host node7); waiting for it"]
    assert status == "being trained by PID 4242 on host node7"


def test_the_same_pid_on_another_machine_does_not_hold_this_processs_lock(tmp_path, monkeypatch):
    """On a file system without locks (try_lock True for all) a process on another node, which may have
    this very PID, takes the run too: this process must see it has lost its lock, and leave the other's
    lock file in place, rather than take the other's record for its own."""
    for name in lock_holder.SLURM_VARIABLES:  # its record "PID HOST" alone, whatever runs the tests
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(run_lock, "try_lock", lambda descriptor, *args, **kwargs: True)
    ours = run_lock.RunLock(tmp_path / "net.run").__enter__()
    assert ours.held()
    monkeypatch.setattr(socket, "gethostname", lambda: "node7")
    with as_another_process():
        theirs = run_lock.RunLock(tmp_path / "net.run").__enter__()  # as that node's process, of this PID, takes it
    monkeypatch.undo()
    try:
        assert not ours.held()
        assert run_lock.holder_named(ours.other()) == f" (PID {os.getpid()} on host node7)"
        ours.__exit__(None, None, None)
        assert (tmp_path / "net.run" / run_lock.RunLock.FILE).read_text() == f"{os.getpid()} node7\n"
    finally:
        os.close(theirs._descriptor)


@pytest.mark.parametrize("mode, nfs, taken", [
    (None, False, False), (fcntl.LOCK_EX, False, True), (fcntl.LOCK_SH, False, True),
    (None, True, False), (fcntl.LOCK_EX, True, True), (fcntl.LOCK_SH, True, False),
], ids=["free", "exclusive", "shared", "free-nfs", "exclusive-nfs", "shared-nfs"])
def test_a_lock_file_is_seen_taken_from_a_read_only_descriptor(tmp_path, monkeypatch, mode, nfs, taken):
    """lock_taken, for a lock file this process may not write: an exclusive probe sees any holder; where
    flock is emulated (NFSv4: an exclusive lock needs write access, EBADF) the shared probe that follows
    sees an exclusive holder, not readers (the EBADF alone made a held lock pass for free)."""
    path = tmp_path / run_lock.RunLock.FILE
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # another process's open file, as flock sees it
    try:
        if mode is not None:
            fcntl.flock(descriptor, mode)
        if nfs:
            emulate_nfs4_flock(monkeypatch)
        assert run_lock.lock_taken(path) is taken
    finally:
        os.close(descriptor)


def test_a_kept_lock_released_closes_the_folders_listing(tmp_path):
    # any() stopped at the first other file, leaving the scandir iterator for the collector: a ResourceWarning
    (tmp_path / "meta.json").write_text("{}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        with run_lock.RunLock(tmp_path, keep=True):
            pass
        gc.collect()
    assert [str(warning.message) for warning in caught if warning.category is ResourceWarning] == []
    assert (tmp_path / "lock").read_bytes() == b""  # kept, emptied
