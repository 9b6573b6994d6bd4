"""A prepare that gave up waiting for a holder showing no progress says how to end it: never ``kill -9 -1`` for a
holder whose PID was never written (run_lock.holder's -1), which would end every process of the user's; and it says
"no CPU time used" only where the holder's CPU time was read."""

import os
import shlex

import pytest

from minitransfer import lock_holder, run_lock
from minitransfer.data import lock


def _given_up(folder, holder, monkeypatch):
    """The BeingPrepared a wait for ``holder`` (unchanging, its folder too) ends with, the clock faked."""
    clock = {"now": 0}

    def sleep(seconds):
        clock["now"] += seconds

    monkeypatch.setattr(run_lock, "holder", lambda path: holder)
    monkeypatch.setattr(lock, "_sleep", sleep)
    monkeypatch.setattr(lock, "clock", lambda: clock["now"])
    monkeypatch.setattr(lock, "WAIT_POLL_S", 60)
    busy = lock.BeingPrepared(f"{folder} is being prepared", holder)
    with pytest.raises(lock.BeingPrepared) as raised:
        lock.wait_for_prepare(folder, busy, lambda: True, 0)
    assert clock["now"] == lock.STALLED_S
    return str(raised.value)


def test_a_holder_without_its_pid_written_is_not_told_to_be_killed_as_pid_minus_1(tmp_path, monkeypatch):
    (tmp_path / "train-00000.h5").write_bytes(b"shard")
    message = _given_up(tmp_path, -1, monkeypatch)
    assert "which has shown no progress for 30 minutes (no file of the folder changed):" in message
    assert "kill" not in message  # kill -9 -1: SIGKILL to every process of the user's
    assert f"`fuser -v {shlex.quote(str(tmp_path / lock.LOCK_FILE))}` on its machine names it" in message


def test_no_cpu_time_is_claimed_only_where_it_was_read(tmp_path, monkeypatch):
    """A holder of this machine whose /proc/PID/stat cannot be read (hidepid): its CPU time is not known."""
    holder = lock_holder.Holder(os.getpid())
    monkeypatch.setattr(lock_holder, "is_this_process", lambda pid, other=None: False)
    monkeypatch.setattr(lock, "_cpu_ticks", lambda pid: None)
    message = _given_up(tmp_path, holder, monkeypatch)
    assert "(no file of the folder changed):" in message and "CPU" not in message
    assert f"(kill -9 {os.getpid()})" in message
