"""The record of the locks this process holds (:func:`minitransfer.held_locks.hold`) as threads of one
process use it (two trainings of a notebook's threads on one dataset): a lock found there and used is
one still held, its descriptor open; a lock recorded is never replaced."""

import os
import threading

import pytest

from minitransfer import held_locks, run_lock
from minitransfer.data import lock
import waiting


def interleaved(monkeypatch, path, other):
    """The record such that its first look-up of the lock file at ``path`` runs ``other`` in another
    thread, to its end or until it waits for the record's lock, before the look-up returns: the order
    in which a thread that ends its holding comes between another's look-up and its use. The thread,
    for the test to join."""
    key = (os.stat(path).st_dev, os.stat(path).st_ino)
    ran = threading.Event()  # other ended, or waits for the record's lock
    changed = threading.Lock()
    started = []

    def run():
        try:
            other()
        finally:
            ran.set()

    class Record(dict):
        def get(self, wanted, default=None):
            found = super().get(wanted, default)
            if wanted == key and not started:
                started.append(threading.Thread(target=run))
                started[0].start()
                assert waiting.until(ran.is_set), "the other thread neither ended nor waited for the record"
            return found

    class Changed:
        def __enter__(self):
            if not changed.acquire(blocking=False):
                ran.set()
                changed.acquire()

        def __exit__(self, *exc):
            changed.release()

    monkeypatch.setattr(held_locks, "_HELD", Record(held_locks._HELD))
    monkeypatch.setattr(held_locks, "_HELD_CHANGED", Changed())
    return started


def test_a_reader_sharing_the_lock_of_a_reader_of_another_thread_that_ends_meanwhile_holds_it(tmp_path, monkeypatch):
    """The second reader found the first's lock, which the first then released (its descriptor closed),
    and shared it: it held a closed descriptor, whose number another file may take, and its release closed
    that file."""
    path = tmp_path / lock.LOCK_FILE
    first = lock._lock_shared(path)
    ending = interleaved(monkeypatch, path, lambda: lock._release(first))
    second = lock._lock_shared(path)
    ending[0].join()
    assert run_lock.same_file(second, path)  # open, and the lock file's
    assert lock.readers(tmp_path) == [os.getpid()]
    lock._release(second)
    assert lock.readers(tmp_path) == []


def test_asking_who_holds_a_run_that_another_thread_releases_meanwhile(tmp_path, monkeypatch):
    """holder() found the run's lock recorded, then read who holds it through its descriptor, which the
    releasing thread had closed meanwhile: EBADF, or another file that took its number."""
    run_dir = tmp_path / "net.run"
    run = run_lock.RunLock(run_dir).__enter__()
    ending = interleaved(monkeypatch, run.path, lambda: run.__exit__(None, None, None))
    assert run_lock.holder(run_dir) == os.getpid()  # held still as it was asked
    ending[0].join()
    assert not run_dir.exists() and run_lock.holder(run_dir) is None


def test_a_lock_recorded_already_is_not_replaced(tmp_path):
    """A second record of a lock file replaced the first: the first holder's release then dropped the
    second's lock (closing any descriptor of the file drops the process's byte-range lock, NFS)."""
    with run_lock.RunLock(tmp_path / "net.run") as run:
        again = os.open(run.path, os.O_RDONLY)
        try:
            with pytest.raises(RuntimeError, match=f"descriptor {again} is held by this process already"):
                held_locks.hold(again, exclusive=False)
        finally:
            os.close(again)
        held = held_locks.held_here(run.path)
        assert (held.descriptor, held.exclusive, held.count) == (run._descriptor, True, 1)


def test_a_record_whose_descriptor_was_closed_unreleased_does_not_refuse_the_next_lock(tmp_path):
    """A record left by a descriptor closed without its release refused the next lock of a file with that
    identity ("held by this process already"): in CI, a later test's lock file took a removed one's inode and
    descriptor number. Such a record holds no lock: the new one replaces it; a lock truly held still refuses."""
    path = tmp_path / "lock"
    path.touch()
    for reuse in ("same-number", "other-number"):
        left = os.open(path, os.O_RDWR)
        held_locks.hold(left, exclusive=True)
        os.close(left)  # closed, never released
        spacer = os.open(os.devnull, os.O_RDONLY) if reuse == "other-number" else None
        taken = os.open(path, os.O_RDWR)
        assert (taken == left) == (reuse == "same-number")
        try:
            held_locks.hold(taken, exclusive=True)
            second = os.open(path, os.O_RDWR)
            with pytest.raises(RuntimeError, match="held by this process already"):
                held_locks.hold(second, exclusive=True)
            os.close(second)
            assert held_locks.release(taken)
        finally:
            os.close(taken)
            if spacer is not None:
                os.close(spacer)


def test_a_record_whose_descriptor_was_closed_unreleased_is_not_shared(tmp_path):
    """share_held gave such a record's descriptor, by then another file's: its release closed that file."""
    path = tmp_path / "lock"
    path.touch()
    left = os.open(path, os.O_RDWR)
    held_locks.hold(left, exclusive=False)
    os.close(left)  # closed, never released
    other = os.open(os.devnull, os.O_RDONLY)  # takes its number, as any file opened next may
    try:
        assert held_locks.share_held(path) is None and held_locks.held_here(path) is None
    finally:
        os.close(other)
