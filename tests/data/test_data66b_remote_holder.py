"""A prepare waiting for another of the same dataset sees the other's progress wherever it runs: the holder marks
its progress on the lock file (its time of last change) as it reports it, at most once a minute, so that a holder
on another host of a shared file system, whose CPU time cannot be seen, is not given up on while it checks shards
for many minutes writing nothing ("already prepared"). The give-up message names what is known of the holder: one
that never wrote its PID (not "starting up" after minutes), another user's (asked to end it, as kill would be
refused), one on another host (its CPU time not seen)."""

import os
import pwd
import shlex
import time

import pytest

from minitransfer import lock_holder, run_lock
from minitransfer.data import lock, synthetic

TINY = {"classes": 4, "train_per_class": 8, "val_per_class": 2, "size": 14, "seed": 1, "shard_length": 4}
REMOTE = lock_holder.Holder(4242, host="node7")


@pytest.fixture
def clock(monkeypatch):
    """{"now": seconds}: the clock a wait and a holder's marks read, advanced by the wait's sleeps (and tests)."""
    now = {"now": 0, "each_minute": lambda: None}

    def sleep(seconds):
        now["now"] += seconds
        now["each_minute"]()

    monkeypatch.setattr(lock, "_sleep", sleep)
    monkeypatch.setattr(lock, "clock", lambda: now["now"])
    monkeypatch.setattr(lock, "WAIT_POLL_S", 60)
    return now


def _waited(folder, holder, monkeypatch, held_until=None):
    """What a wait for ``holder`` says (its give-up message, or None where it returned), the holder ending at
    ``held_until`` (clock seconds; None: never)."""
    now = lock.clock
    monkeypatch.setattr(run_lock, "holder", lambda path: holder if held_until is None or now() < held_until else None)
    try:
        lock.wait_for_prepare(folder, lock.BeingPrepared(f"{folder} is being prepared", holder), lambda: True, 0)
    except lock.BeingPrepared as given_up:
        return str(given_up)
    return None


def test_a_rerun_checking_its_shards_marks_its_progress_on_the_lock_file(tmp_path, clock):
    """A rerun of a prepared dataset checks each shard and writes nothing; 30 s a shard (the fake clock), it marks
    the lock file every other shard (once a minute), never more often. Before, it never did: from another host it
    showed no progress at all."""
    out = synthetic.build_synthetic(tmp_path / "data", **TINY).path
    lock_file = out / lock.LOCK_FILE
    marked = []

    def progress(done, total):
        marked.append(lock_file.stat().st_mtime_ns != 0)
        os.utime(lock_file, ns=(0, 0))  # unmarked: the next report shows whether it was marked again
        clock["now"] += 30

    built = synthetic.build_synthetic(out, **TINY, progress=progress)
    assert built.writes.nothing_written
    assert marked == [True, False] * 5  # 8 training shards of 4 images, 2 validation ones


def test_a_prepare_on_another_host_marking_its_progress_is_waited_for(tmp_path, clock, monkeypatch):
    """A holder on node7 checks shards for 45 minutes, reporting one a minute, writing nothing: the wait goes on
    to its end (it gave up at 30 minutes: only files were watched, none changed)."""
    (tmp_path / lock.LOCK_FILE).write_bytes(b"4242 node7\n")
    report, reports = lock.marking_progress(tmp_path), iter(range(100))

    def each_minute():
        time.sleep(0.011)  # a file's time is the kernel's clock tick's: marks of one tick would read as one
        report(next(reports), 100)

    clock["each_minute"] = each_minute
    assert _waited(tmp_path, REMOTE, monkeypatch, held_until=45 * 60) is None
    assert clock["now"] == 45 * 60


def test_a_prepare_on_another_host_showing_no_progress_is_said_to_be_watched_by_its_files(tmp_path, clock,
                                                                                       monkeypatch):
    (tmp_path / "train-00000.h5").write_bytes(b"shard")
    message = _waited(tmp_path, REMOTE, monkeypatch)
    assert clock["now"] == lock.STALLED_S
    assert ("no progress for 30 minutes (no file of the folder changed; its CPU time cannot be seen from this "
            "machine, as it runs on host node7: only the folder's files were watched)") in message
    assert "(kill -9 4242 on host node7)" in message


def test_a_holder_that_never_wrote_its_pid_is_not_said_to_be_starting_up_after_minutes(tmp_path, clock, monkeypatch,
                                                                                       capsys):
    message = _waited(tmp_path, -1, monkeypatch)
    said = capsys.readouterr().err.splitlines()
    fuser = f"`fuser -v {shlex.quote(str(tmp_path / lock.LOCK_FILE))}` on its machine names it"
    assert "(starting up: its PID is not written yet): waiting for it" in said[0]  # as it is first seen: it may be
    assert said[1] == (f"still waiting for the prepare of {tmp_path} (one that never wrote its PID: {fuser}) to "
                       f"finish (5 minutes so far)")
    assert len(said) == 6 and "starting up" not in " ".join(said[1:] + [message])
    assert message.startswith(f"{tmp_path} is still being prepared by another minitransfer process (one that never "
                              f"wrote its PID), which has shown no progress for 30 minutes")
    assert f"or end it ({fuser}) and rerun" in message


@pytest.fixture
def another_user(monkeypatch):
    """This process taken for another user's (its effective uid another): its own processes and files are then
    the other user's, named as the system names this one's owner."""
    owner = pwd.getpwuid(os.getuid()).pw_name
    monkeypatch.setattr(os, "geteuid", lambda: os.getuid() + 1)
    monkeypatch.setattr(lock, "_cpu_ticks", lambda pid: None)  # this process's own CPU time is no holder's progress
    monkeypatch.setattr(lock_holder, "is_this_process", lambda pid, other=None: False)
    return owner


def test_a_holder_of_another_user_is_to_be_ended_by_its_owner(tmp_path, clock, monkeypatch, another_user):
    """kill -9 of another user's process is refused: its owner is to be asked."""
    message = _waited(tmp_path, lock_holder.Holder(os.getpid()), monkeypatch)
    assert f"or ask user {another_user}, who runs it, to end it (kill -9 {os.getpid()}) and rerun" in message


def test_a_holder_on_another_host_is_to_be_ended_by_the_lock_files_owner_where_another_user(tmp_path, clock,
                                                                                           monkeypatch, another_user):
    (tmp_path / lock.LOCK_FILE).write_bytes(b"4242 node7\n")
    job = lock_holder.Holder(4242, host="node7", job="1234_5", node="node7")
    message = _waited(tmp_path, job, monkeypatch)
    assert f"or ask its owner (the lock file is user {another_user}'s) to end it (scancel 1234_5) and rerun" in message


def test_a_holder_of_this_user_is_to_be_ended_by_this_user(tmp_path, clock, monkeypatch):
    (tmp_path / lock.LOCK_FILE).write_bytes(b"4242 node7\n")
    message = _waited(tmp_path, REMOTE, monkeypatch)
    assert "or end it (kill -9 4242 on host node7) and rerun" in message and "ask" not in message
