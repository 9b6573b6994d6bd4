"""What ``train`` shows while it runs (:class:`minitransfer.progress.Progress`), on a fake clock: the
pace and the time left are the recent pace, timed after the first iteration (which also pays for the
start: kernels compiled on first use, an evaluation a resume redoes) over a window that drops the slow
start once it is past."""

import io
import math
import re
import time

from minitransfer.progress import Progress


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def lines_of(stream):
    return stream.getvalue().splitlines()


def test_a_slow_first_iteration_does_not_make_the_estimate_or_the_pace(monkeypatch):
    """450,000 iterations, 30 s for the first (starting up), then 45 ms each: about 5.6 hours. The
    estimate said "30 s per iteration ... 156 days" and the pace stayed below the real one for long."""
    clock = Clock()
    monkeypatch.setattr(time, "perf_counter", clock)
    stream = io.StringIO()
    progress = Progress(450_000, 0, bar=False, quiet=False, every=100, stream=stream)
    clock.now += 30
    progress.iteration(1, 2.3, 0.01)
    for done in range(2, 1001):
        clock.now += 0.045
        progress.iteration(done, 2.3, 0.01)
    [estimate] = [line for line in lines_of(stream) if "per iteration" in line]
    said = re.fullmatch(r"0\.045 s per iteration: the remaining (\d+) iterations take about 6 hours \(until .+\)",
                        estimate)
    assert said, estimate
    timed_enough = 1 + math.ceil(Progress.ESTIMATE_SECONDS / 0.045)  # the first iteration the estimate can follow
    assert abs(450_000 - timed_enough - int(said[1])) <= 1  # the clock's float sums may land an iteration either side
    last = lines_of(stream)[-1]
    assert re.fullmatch(r"iteration 1000/450000 loss 2\.3000 lr 0\.01 22\.2 it/s, 6 hours left", last), last


def test_the_time_left_follows_the_pace_and_a_finished_run_has_none(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(time, "perf_counter", clock)
    stream = io.StringIO()
    progress = Progress(400, 100, bar=False, quiet=False, every=100, stream=stream)  # resumed at 100
    for done in range(101, 401):
        clock.now += 1.0 if done <= 200 else 0.5  # twice as fast after 200 (another run on the core ended)
        progress.iteration(done, 1.0, 0.01)
    shown = {int(line.split()[1].split("/")[0]): line for line in lines_of(stream) if line.startswith("iteration ")}
    assert shown[200].endswith("1.0 it/s, 3 minutes left")  # 200 left at 1 it/s
    # the later half of the 149 s since the first iteration: from 74 s in (iteration 175) on, 125 iterations in
    # 75 s, 100 left (before: 1.3 it/s, 75 s left, the pace since the first iteration)
    assert shown[300].endswith(f"{125 / 75:.1f} it/s, {100 / (125 / 75):.0f} s left")
    assert shown[400].endswith(" it/s")  # done: nothing left to say
    assert [line for line in lines_of(stream) if "per iteration" in line][0].startswith("1 s per iteration")


def test_a_quiet_run_shows_nothing(monkeypatch):
    stream = io.StringIO()
    progress = Progress(10, 0, bar=False, quiet=True, every=1, stream=stream)
    for done in range(1, 11):
        progress.iteration(done, 1.0, 0.01)
    assert stream.getvalue() == ""


def test_an_end_beyond_the_calendar_is_said_in_years_not_dated(monkeypatch):
    """--max-iter 99999999999999999999 (a slip of the keyboard): two seconds in, dating its end with
    time.localtime failed (EOVERFLOW), and the run stopped with "error: I/O: [Errno 75] Value too
    large for defined data type"."""
    clock = Clock()
    monkeypatch.setattr(time, "perf_counter", clock)
    stream = io.StringIO()
    total = 99999999999999999999
    progress = Progress(total, 0, bar=False, quiet=False, every=10, stream=stream)
    timed = 1 + Progress.ESTIMATE_SECONDS  # iterations of 1 s, the first untimed: the estimate follows this one
    for done in range(1, timed + 1):
        clock.now += 1
        progress.iteration(done, 2.3, 0.01)
    [estimate] = [line for line in stream.getvalue().splitlines() if "per iteration" in line]
    said = rf"1 s per iteration: the remaining {total - timed} iterations take about [\d,]+ years"
    assert re.fullmatch(said, estimate)
    near = Progress(1000, 0, bar=False, quiet=False, every=10, stream=io.StringIO())
    for done in range(1, timed + 1):
        clock.now += 1
        near.iteration(done, 2.3, 0.01)
    assert f"take about {round((1000 - timed) / 60)} minutes (until " in near.stream.getvalue()


def test_a_pace_below_one_iteration_a_second_is_said_in_seconds_an_iteration(monkeypatch):
    """The paper's network on a CPU, 26 s an iteration, showed "0.0 it/s"; 2.5 s showed "0.4 it/s"."""
    clock = Clock()
    monkeypatch.setattr(time, "perf_counter", clock)
    for seconds, said in ((26, "26 s/it"), (2.5, "2.5 s/it"), (0.5, "2.0 it/s")):
        stream = io.StringIO()
        progress = Progress(100, 0, bar=False, quiet=False, every=1, stream=stream)
        for done in range(1, 4):
            clock.now += seconds
            progress.iteration(done, 2.3, 0.01)
        assert re.fullmatch(rf"iteration 3/100 loss 2\.3000 lr 0\.01 {said}(, .+ left)?", lines_of(stream)[-1]), \
            lines_of(stream)


def slow_start(monkeypatch, slow, fast=0.005, total=3000, resumed_at=350):
    """The lines of a run resumed at ``resumed_at``: its first iteration, then four of ``slow`` seconds
    each (the loader's workers starting, an evaluation), then ``fast`` seconds each."""
    clock = Clock()
    monkeypatch.setattr(time, "perf_counter", clock)
    stream = io.StringIO()
    progress = Progress(total, resumed_at, bar=False, quiet=False, every=100, stream=stream)
    for done in range(resumed_at + 1, total + 1):
        clock.now += slow if done <= resumed_at + 5 else fast
        progress.iteration(done, 1.0, 0.01)
    estimates = [float(line.split()[0]) for line in lines_of(stream) if "per iteration" in line]
    paces = {int(line.split()[1].split("/")[0]): float(line.split()[6]) for line in lines_of(stream)
             if line.startswith("iteration ")}
    return estimates, paces


def test_a_slow_start_after_the_first_iteration_drops_out_of_the_estimate_and_the_pace(monkeypatch):
    """A resumed CPU run of 5 ms an iteration said "0.527 s per iteration: the remaining 2695 iterations
    take about 24 minutes", then "2.1 it/s, 22 minutes left", and ended in about 30 s."""
    fast = 0.005
    estimates, paces = slow_start(monkeypatch, 0.5, fast)
    assert len(estimates) == 1 and abs(estimates[0] - fast) <= fast / 2, estimates  # about right, from the first
    assert abs(paces[2900] - 1 / fast) <= 0.1 / fast  # later lines say the true pace


def test_a_start_slower_than_the_estimate_waits_for_is_estimated_again(monkeypatch):
    """Four iterations of 3 s: the estimate after ESTIMATE_SECONDS sees only them, and is said again."""
    fast = 0.005
    estimates, paces = slow_start(monkeypatch, 3.0, fast)
    assert len(estimates) == 2 and estimates[0] > 100 * fast and abs(estimates[1] - fast) <= fast / 2, estimates
    assert abs(paces[2900] - 1 / fast) <= 0.1 / fast


def test_one_long_pause_says_no_new_end_nor_a_pace_from_the_one_iteration_across_it(monkeypatch):
    """10 ms an iteration, then one pause of 600 s (Ctrl-Z, then fg): before, the window right after it held
    that one iteration, and the run said "600 s per iteration: the remaining 60000 iterations take about
    417 days", which stood (the next revision waits for twice the time timed so far)."""
    clock = Clock()
    monkeypatch.setattr(time, "perf_counter", clock)
    stream = io.StringIO()
    step, pause, paused_at, total = 0.01, 600.0, 2500, 62_500
    progress = Progress(total, 0, bar=False, quiet=False, every=1000, stream=stream)
    for done in range(1, total + 1):
        clock.now += pause if done == paused_at + 1 else step
        progress.iteration(done, 1.0, 0.01)
    estimates = [float(line.split()[0]) for line in lines_of(stream) if "per iteration" in line]
    assert estimates and all(abs(estimate - step) <= step / 2 for estimate in estimates), lines_of(stream)
    [across] = [line for line in lines_of(stream) if line.startswith(f"iteration {paused_at + 1}/")]  # 30 s passed
    seconds = float(re.search(r" ([\d.]+) s/it", across)[1])
    assert seconds <= pause / Progress.WINDOW_SAMPLES, across  # over as many iterations at least
