"""``train`` at the limits of its options: a --max-iter far beyond what can finish is trained (and
stopped) as any other, its end said in days rather than dated."""

import io
import re

from minitransfer import rundir


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_an_end_beyond_the_calendar_is_said_in_days_not_dated(monkeypatch):
    """--max-iter 99999999999999999999 (a slip of the keyboard): two seconds in, dating its end with
    time.localtime failed (EOVERFLOW), and the run stopped with "error: I/O: [Errno 75] Value too
    large for defined data type"."""
    clock = Clock()
    monkeypatch.setattr(rundir.time, "perf_counter", clock)
    stream = io.StringIO()
    total = 99999999999999999999
    progress = rundir.Progress(total, 0, bar=False, quiet=False, every=10, stream=stream)
    for done in range(1, 4):
        clock.now += 1
        progress.iteration(done, 2.3, 0.01)
    [estimate] = [line for line in stream.getvalue().splitlines() if "per iteration" in line]
    assert re.fullmatch(rf"1 s per iteration: the remaining {total - 3} iterations take about \d+ days", estimate)
    near = rundir.Progress(1000, 0, bar=False, quiet=False, every=10, stream=io.StringIO())
    for done in range(1, 4):
        clock.now += 1
        near.iteration(done, 2.3, 0.01)
    assert "take about 17 minutes (until " in near.stream.getvalue()
