"""The locks of a run, a dataset and a grid folder where flock is emulated with byte-range locks, as
on NFS (:class:`nfs_flock.PosixFlock`): a lock is the process's, and closing any descriptor of its
file drops it. A process that holds a lock never opens its file again: it asks who holds it, or locks
it a second time (a nested reader, a second run in a notebook), through the lock it already holds."""

import os
import threading

import pytest

from minitransfer import grid_folder, held_locks, run_lock
from minitransfer.data import dataset, lock, synthetic
from nfs_flock import PosixFlock
from test_slurm import OPTIONS
import waiting

TINY = {"classes": 4, "train_per_class": 8, "val_per_class": 2, "size": 14, "seed": 1}


@pytest.fixture
def nfs(monkeypatch):
    return PosixFlock(monkeypatch)


@pytest.fixture
def data(tmp_path):
    return synthetic.build_synthetic(tmp_path / "data", **TINY).path


def test_a_run_asking_who_holds_its_lock_keeps_it(tmp_path, nfs):
    """holder() opened the lock file and closed it again: the run's lock was gone (a second training
    could take the run), and the probe had said nobody held it."""
    run_dir = tmp_path / "net.run"
    with run_lock.RunLock(run_dir):
        assert run_lock.holder(run_dir) == os.getpid()
        assert nfs.holders(run_dir / run_lock.RunLock.FILE) == {os.getpid(): "EX"}
    assert not run_dir.exists()


def test_a_second_lock_of_a_run_in_the_same_process_is_refused_and_the_first_kept(tmp_path, nfs):
    """A second RunLock of the same process (a notebook's second training of a run it trains) took the
    lock its first held, and its release removed the lock file and dropped the first's lock."""
    run_dir = tmp_path / "net.run"
    with run_lock.RunLock(run_dir) as first:
        with pytest.raises(run_lock.RunBusy, match=rf"net.run is in use by another minitransfer process "
                                                   rf"\(PID {os.getpid()}\)") as busy:
            run_lock.RunLock(run_dir).__enter__()
        assert busy.value.pid == os.getpid()
        assert first.held() and nfs.holders(first.path) == {os.getpid(): "EX"}


def test_a_reader_nested_in_another_keeps_the_dataset_locked(data, nfs):
    """A verify in a block that reads the dataset (``prepare verify``; a notebook's evaluation under
    ``with dataset.reading()``): the inner reader, ending, found itself the last (its exclusive try
    succeeded against its own process), removed the lock file and dropped the outer reader's lock."""
    opened = dataset.open_dataset(data)
    with opened.reading():
        opened.verify()
        assert nfs.holders(data / lock.LOCK_FILE) == {os.getpid(): "SH"}
    assert not nfs.holders(data / lock.LOCK_FILE)  # the last reader released it (the file stays)


def test_a_prepare_in_a_process_that_reads_the_dataset_is_refused(data, nfs):
    """Its exclusive lock succeeded against its own process's shared one: it rewrote the dataset read."""
    with lock.shared(data):
        with pytest.raises(lock.DatasetBusy, match=f"{data} is being read by another minitransfer process"):
            synthetic.build_synthetic(data, **{**TINY, "size": 16}, overwrite=True)
        assert nfs.holders(data / lock.LOCK_FILE) == {os.getpid(): "SH"}
    assert dataset.open_dataset(data).image_size == (14, 14)


def test_a_reader_in_a_process_that_prepares_the_dataset_is_refused(data, nfs):
    """Its shared lock replaced its own process's exclusive one: it read what was being rewritten."""
    with lock.writing(data):
        with pytest.raises(lock.DatasetBusy, match=rf"{data} is being prepared by another minitransfer process "
                                                   rf"\(PID {os.getpid()}\)"):
            lock.shared(data).__enter__()
        assert nfs.holders(data / lock.LOCK_FILE) == {os.getpid(): "EX"}


def test_a_grid_that_asks_who_works_in_its_folder_keeps_its_working_lock(tmp_path, nfs):
    """The probe's exclusive lock succeeded against the grid's own shared one (nobody else at work,
    unlike where flock is the kernel's), and its close dropped the grid's lock."""
    out = tmp_path / "grid"
    with grid_folder.GridLock(out, OPTIONS) as working:
        working.planned()
        assert grid_folder.others_at_work(out)  # the grid itself, as flock sees it: another grid's lock
        assert nfs.holders(out / grid_folder.GridLock.WORKING) == {os.getpid(): "SH"}
    assert nfs.holders(out / grid_folder.GridLock.WORKING) == {}


def test_two_grids_of_one_process_at_work_in_a_folder_keep_it_until_the_last_ends(tmp_path, nfs):
    out = tmp_path / "grid"
    with grid_folder.GridLock(out, OPTIONS) as first:
        first.planned()
        with grid_folder.GridLock(out, OPTIONS) as second:
            second.planned()
        assert nfs.holders(out / grid_folder.GridLock.WORKING) == {os.getpid(): "SH"}
    assert nfs.holders(out / grid_folder.GridLock.WORKING) == {}


def test_a_grid_planning_where_another_grid_of_its_process_plans_waits_for_it(tmp_path, nfs):
    """A second grid of one process (a notebook's thread) opened the planning lock the first held: both
    planned at once, and the first's end of planning, closing its descriptor, dropped the second's lock."""
    out = tmp_path / "grid"
    first = grid_folder.GridLock(out, OPTIONS).__enter__()
    said = []
    second = grid_folder.GridLock(out, OPTIONS, log=said.append)
    planning = threading.Thread(target=second.__enter__)
    planning.start()
    assert waiting.until(lambda: said or second._planning is not None)
    assert said == [f"waiting for another minitransfer experiment to finish planning its runs in {out}"]
    first.planned()
    planning.join()
    assert nfs.holders(out / grid_folder.GridLock.PLANNING) == {os.getpid(): "EX"}  # the second's, now
    assert held_locks.held_here(out / grid_folder.GridLock.PLANNING).descriptor == second._planning
    second.planned()
    assert nfs.holders(out / grid_folder.GridLock.PLANNING) == {}
    first.__exit__(None, None, None)
    assert nfs.holders(out / grid_folder.GridLock.WORKING) == {os.getpid(): "SH"}  # the second's still
    second.__exit__(None, None, None)
    assert nfs.holders(out / grid_folder.GridLock.WORKING) == {}


def test_a_forked_child_does_not_take_its_parents_locks_for_its_own(tmp_path):
    """Byte-range locks are not inherited: a child (a forked data loader worker) asking who holds the
    run must probe the lock, not answer from its parent's record of what it holds."""
    run_dir = tmp_path / "net.run"
    with run_lock.RunLock(run_dir) as held:
        child = os.fork()
        if child == 0:
            os._exit(0 if held_locks.held_here(held.path) is None else 1)
        assert os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0
        assert held_locks.held_here(held.path) is not None


def test_a_child_forked_while_another_thread_changes_the_record_asks_who_holds_a_run(tmp_path):
    """The record's lock, held by another thread of the parent as it forked, stayed held in the child:
    its first look at the record (who holds a run) waited for ever."""
    run_dir = tmp_path / "net.run"
    with run_lock.RunLock(run_dir):
        with held_locks._HELD_CHANGED:  # another thread records or releases a lock as the process forks
            child = os.fork()
            if child == 0:
                code = 3  # never back into pytest in the child, whatever it raised
                try:
                    locked = held_locks._HELD_CHANGED.locked()
                    code = 1 if locked else 0 if run_lock.holder(run_dir) == os.getppid() else 2
                finally:
                    os._exit(code)
        assert os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0
