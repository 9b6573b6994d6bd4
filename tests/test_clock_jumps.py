"""What a run and a grid say of time when the clocks are not as expected: the wall clock jumping
(NTP, a suspend, a VM migrated), a time zone far from UTC, the hour a DST change repeats, an end beyond
the calendar, a file server's clock ahead of this machine's, a grid resumed the next day. Every clock is a
fake one: the wall clock (``time.time``), the monotonic one (``time.perf_counter``) and the zone (``TZ``, in a
subprocess: ``time.tzset`` is the whole process's)."""

import hashlib
import io
import os
import subprocess
import sys
import time

from minitransfer import experiment as grid
from minitransfer import grid_counts, grid_progress
from minitransfer.data import integrity
from minitransfer.progress import Progress, dated

# A run's estimate, its wall clock fixed at argv[1] (seconds since the epoch): ten iterations of 1 s each,
# then one more, its end 3600 s after the last one (3600 iterations left at 1 s each).
_ESTIMATE = """
import io, sys, time
from minitransfer.progress import Progress, dated
now = [0.0]
time.perf_counter = lambda: now[0]
time.time = lambda: float(sys.argv[1])
stream = io.StringIO()
progress = Progress(3611, 0, bar=False, quiet=False, every=1000, stream=stream)
for done in range(1, 12):
    now[0] += 1
    progress.iteration(done, 2.3, 0.01)
print([line for line in stream.getvalue().splitlines() if "per iteration" in line][0])
"""

FALL_BACK = 1793512800  # 2026-11-01 06:00 UTC: New York's clocks go back from 02:00 EDT to 01:00 EST
NEW_YORK = "EST5EDT,M3.2.0,M11.1.0"  # a POSIX rule: no tz database needed


def _estimate_line(tz, wall_clock):
    environment = dict(os.environ, TZ=tz, PYTHONPATH=os.pathsep.join(sys.path))
    said = subprocess.run([sys.executable, "-c", _ESTIMATE, str(wall_clock)], env=environment, capture_output=True,
                          text=True, check=True)
    return said.stdout.strip()


def test_an_end_said_in_the_hour_a_dst_change_repeats_is_told_apart_by_its_offset():
    """A run whose end falls at 01:30 on the night New York's clocks go back said "(until 2026-11-01 01:30)"
    for either 01:30, an hour apart: the offset from UTC tells them apart."""
    first = _estimate_line(NEW_YORK, FALL_BACK - 1800 - 3600)  # ends 05:30 UTC: 01:30 EDT
    second = _estimate_line(NEW_YORK, FALL_BACK + 1800 - 3600)  # ends 06:30 UTC: 01:30 EST
    assert first.endswith("take about 60 minutes (until 2026-11-01 01:30 -04:00)"), first
    assert second.endswith("take about 60 minutes (until 2026-11-01 01:30 -05:00)"), second


def test_an_end_said_in_a_zone_far_from_utc_carries_its_offset():
    """A log written on a machine at UTC+14 (TZ=Pacific/Kiritimati, or the POSIX TZ=UTC-14, whose %Z is "UTC")
    said a time 14 hours off for a reader in UTC: the offset says which it is. Also the half hours (India)."""
    assert _estimate_line("UTC-14", 0).endswith("(until 1970-01-01 15:00 +14:00)")
    assert _estimate_line("IST-5:30", 0).endswith("(until 1970-01-01 06:30 +05:30)")
    assert _estimate_line("UTC", 0).endswith("(until 1970-01-01 01:00 +00:00)")


def test_a_wall_clock_set_back_hours_during_a_run_changes_neither_its_pace_nor_its_time_left(monkeypatch):
    """NTP or a VM migration sets the wall clock back three hours mid-run: the pace and the time left are timed
    by the monotonic clock, and never go negative or absurd; only the end, a wall-clock time, moves with it."""
    monotonic, wall = [0.0], [1e9]
    monkeypatch.setattr(time, "perf_counter", lambda: monotonic[0])
    monkeypatch.setattr(time, "time", lambda: wall[0])
    stream = io.StringIO()
    progress = Progress(100, 0, bar=False, quiet=False, every=10, stream=stream)
    for done in range(1, 101):
        monotonic[0] += 1
        wall[0] += 1 if done != 50 else -3 * 3600
        progress.iteration(done, 2.3, 0.01)
    lines = [line for line in stream.getvalue().splitlines() if line.startswith("iteration ")]
    assert [line.split(" lr 0.01 ")[1] for line in lines[4:7]] == ["1.0 it/s, 50 s left", "1.0 it/s, 40 s left",
                                                                   "1.0 it/s, 30 s left"]
    assert "-" not in "".join(line.split(" lr ")[1] for line in lines)


class _TimeLeft:
    def __init__(self, seconds):
        self.told = seconds

    def seconds(self, waiting, running, elsewhere=()):
        return self.told


class _Run:
    name = "random0/baseB"


def test_a_grid_whose_runs_left_take_beyond_the_calendar_says_how_long_not_until_when(monkeypatch):
    """A grid's estimate of more than a century (a run's --max-iter with a slip of the keyboard, the pace of
    a run resumed at its last iteration) stopped the grid after its first run: dating its end, time.localtime
    failed (EOVERFLOW, "Value too large for defined data type"). It is said in years, as train says it."""
    monkeypatch.setattr(time, "time", lambda: 1e9)
    said = grid_counts.runs_left([_Run()], [], [], _TimeLeft(1e18))
    assert said == f"; 1 run left, about {1e18 / (365.25 * 86400):,.0f} years"
    said = grid_counts.runs_left([_Run()], [], [], _TimeLeft(57.5))
    assert said == f"; 1 run left, about 58 s (until {dated(time.localtime(1e9 + 57.5))})"


def test_a_dataset_changed_later_than_this_clock_says_is_now_is_said_hashed_again_by_every_run(
        tmp_path, monkeypatch, capsys):
    """A node whose clock is an hour behind its file server's (or was set back) found every shard changed
    "in the future": intact, yet never recorded so (it could still be being written), and every run of a grid
    hashed the whole dataset again without a word (ImageNet: minutes a run). Now it says why, once."""
    monkeypatch.setenv("MINITRANSFER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(integrity, "_intact_files", set())
    monkeypatch.setattr(integrity, "_ahead_warned", set(), raising=False)
    folder = tmp_path / "data"
    folder.mkdir()
    shard = folder / "train-00000.h5"
    shard.write_bytes(b"pixels" * 1000)
    files = [(shard, hashlib.sha256(shard.read_bytes()).hexdigest(), "shard")]
    behind = time.time_ns() - 3600 * 10**9
    monkeypatch.setattr(time, "time_ns", lambda: behind)
    integrity.check_files(folder, files)
    record, _ = integrity._record_path(folder)
    assert not record.exists()  # as before: not remembered, safe; only said now
    warned = capsys.readouterr().err
    assert f"warning: files of {folder} changed 60 minutes later than this machine's clock says it is now" in warned
    monkeypatch.setattr(integrity, "_intact_files", set())  # the next run, in the same process
    integrity.check_files(folder, files)
    assert capsys.readouterr().err == ""  # said once a dataset


def test_a_grid_resumed_the_next_day_times_no_pace_from_a_run_at_its_last_iterations(tmp_path, monkeypatch):
    """A grid stopped overnight, its first run's checkpoint 1 iteration from its end: that run took 30 s (its
    start, its last evaluation), which made 30 s an iteration the pace of every run left, 1200 s where they
    took 40. A run with most of its work left tells the pace."""
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False, random_frozen=())
    names = [run.name for run in runs]
    assert names == ["random0/baseA", "random0/baseB", "random0/A1B"]
    monkeypatch.setattr(grid_progress, "_share_trained", lambda out, run: 19 / 20 if run is runs[0] else 0.0)
    options = {"data": "/data/synthetic", "preset": "mini", "max_iter": 20, "seed": 3, "device": "cpu"}
    time_left = grid_progress.TimeLeft(grid_progress.work_left(runs, tmp_path, options), slots=1)
    time_left.add(names[0], 30.0)
    assert time_left.seconds(names[1:], {}) is None  # no pace told yet
    time_left.add(names[1], 20.0)  # 1 s an iteration
    assert time_left.seconds(names[2:], {}) == 20.0
