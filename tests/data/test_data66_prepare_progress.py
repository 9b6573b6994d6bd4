"""A prepare waiting for another of the same dataset waits for as long as the other shows progress (its files in
the folder change, or it uses CPU time), not a fixed 4 hours: a full ImageNet on a slow disk may take longer; one
that shows none for 30 minutes (stopped with Ctrl-Z, hung) is given up on, naming it (tests/data/
test_data65_prepare_waits.py). The fixtures and the stand-in holder are that module's."""

import importlib.util
import os
import pathlib
import time

from minitransfer.data import lock

_WAITS = pathlib.Path(__file__).with_name("test_data65_prepare_waits.py")
_spec = importlib.util.spec_from_file_location("data65_prepare_waits", _WAITS)
waits65 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(waits65)
data, preparing = waits65.data, waits65.preparing  # fixtures


def test_a_prepare_waits_past_four_hours_for_one_whose_files_keep_changing(data, preparing, monkeypatch, tree_state):
    """The other writes a shard (under its temporary name, then renamed) every 20 minutes for 5 hours, then ends:
    this one waits it out and finds the dataset prepared. It gave up after 240 minutes (exit 2)."""
    first = preparing()
    clock = {"now": 0}

    def sleep(seconds):
        clock["now"] += seconds
        if clock["now"] % (20 * 60) == 0:  # the other prepare's next shard
            shard = data / f".extra-{clock['now']}.h5.tmp"
            shard.write_bytes(b"x" * (clock["now"] // 60))
        if clock["now"] == 5 * 3600:
            waits65._ended(first)

    monkeypatch.setattr(lock, "WAIT_POLL_S", 60)
    monkeypatch.setattr(lock, "_sleep", sleep)
    monkeypatch.setattr(lock, "clock", lambda: clock["now"])
    result = waits65._prepare(data)
    assert result.exit_code == 0, result.output
    assert clock["now"] == 5 * 3600
    assert "still waiting for the prepare" in result.output and "(295 minutes so far)" in result.output
    assert "already prepared, nothing written" in result.output
    assert first.poll() is not None


def test_a_prepare_whose_holder_stalls_after_progress_gives_up_30_minutes_after_its_last_change(data, preparing,
                                                                                              monkeypatch):
    """Progress for an hour (a file written every 10 minutes), then none: given up at 90 minutes, not at 30 (the
    time without progress counts from the last change) nor at 240."""
    first = preparing()
    clock = {"now": 0}

    def sleep(seconds):
        clock["now"] += seconds
        if clock["now"] <= 3600 and clock["now"] % 600 == 0:
            (data / f".shard-{clock['now']}.tmp").write_bytes(b"x")

    monkeypatch.setattr(lock, "WAIT_POLL_S", 60)
    monkeypatch.setattr(lock, "_sleep", sleep)
    monkeypatch.setattr(lock, "clock", lambda: clock["now"])
    result = waits65._prepare(data)
    assert result.exit_code == 2, result.output
    assert clock["now"] == 3600 + 30 * 60
    assert result.output.splitlines()[-1].startswith(
        f"error: {data} is still being prepared by another minitransfer process (minitransfer prepare synthetic, PID "
        f"{first.pid}), which has shown no progress for 30 minutes")
    assert f"(kill -9 {first.pid})" in result.output


def test_the_cpu_time_a_holder_uses_is_progress_a_stopped_one_shows_none(tmp_path):
    """Listing a large source writes nothing into the folder for minutes: its CPU time tells it works. A process
    that sleeps (stopped, hung) uses none, and an unchanged folder gives the same mark."""
    (tmp_path / "train-00000.h5").write_bytes(b"shard")
    pid = os.getpid()
    before = lock.progress_mark(tmp_path, pid)
    assert lock.progress_mark(tmp_path, pid)[1] == before[1] == [("train-00000.h5", 5, before[1][0][2])]
    spent = time.process_time()
    while time.process_time() - spent < 0.1:  # 10 clock ticks at least
        pass
    assert lock.progress_mark(tmp_path, pid) != before
    assert lock.progress_mark(tmp_path / "gone", 2 ** 22 + 1) == (2 ** 22 + 1, [], None)  # no such folder, process
