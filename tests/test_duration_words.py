"""How long a thing takes, in words a researcher weighs at a glance (:func:`minitransfer.progress.duration`):
past two years in years, not "7881 days", and thousands separated, not a wall of digits. Each expected text
is worked out by hand from the seconds given (a year 365.25 days), never read back from the code."""

import io
import re
import time

import pytest

from minitransfer import grid_counts
from minitransfer.progress import Progress, duration

DAY = 86400


@pytest.mark.parametrize("seconds, said", [
    (45, "45 s"),
    (119, "119 s"),
    (12 * 60, "12 minutes"),
    (3 * 3600, "3 hours"),
    (130 * DAY, "130 days"),
    (730 * DAY, "730 days"),  # 2 years are 730.5 days: not yet
    (731 * DAY, "2 years"),
    (7881 * DAY, "22 years"),  # 21.58 years
    (1e18, "31,688,087,814 years"),  # 1e18 / 31,557,600
], ids=["seconds", "under-two-minutes", "minutes", "hours", "days", "just-under-two-years", "two-years",
        "7881-days", "a-slip-of-the-keyboard"])
def test_a_duration_reads_in_the_largest_unit_it_holds_twice(seconds, said):
    assert duration(seconds) == said


def test_a_cpu_trainings_estimate_says_years_not_thousands_of_days(monkeypatch):
    """Train's estimate line (Progress): 1 s an iteration, 100,000,011 iterations: 3.17 years, said "3 years"
    where it said "1157 days"."""
    now = [0.0]
    monkeypatch.setattr(time, "perf_counter", lambda: now[0])
    stream = io.StringIO()
    total, timed = 100_000_011, 1 + Progress.ESTIMATE_SECONDS
    progress = Progress(total, 0, bar=False, quiet=False, every=10, stream=stream)
    for done in range(1, timed + 1):
        now[0] += 1
        progress.iteration(done, 2.3, 0.01)
    [estimate] = [line for line in stream.getvalue().splitlines() if "per iteration" in line]
    assert re.fullmatch(r"1 s per iteration: the remaining 100000000 iterations take about 3 years( \(until .*\))?",
                        estimate), estimate


class _Run:
    name = "random0/baseA"


class _TimeLeft:
    def seconds(self, waiting, running, elsewhere=()):
        return 1e18


def test_a_grids_runs_left_beyond_the_calendar_read_in_years(monkeypatch):
    monkeypatch.setattr(time, "time", lambda: 1e9)
    assert grid_counts.runs_left([_Run()], [], [], _TimeLeft()) == "; 1 run left, about 31,688,087,814 years"
