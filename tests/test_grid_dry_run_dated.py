"""A dry run's line for a run whose train failed before dates that failure by its train.log: "its last try
failed (2026-12-07 10:42 +00:00): error: ...". Before, "(failed before: error: OUT/random0/B1B.h5 exists but
there is nothing to resume from ...)", undated, still quoted the error after its cause (that weights file) had
been deleted, and read as the run's state now."""

import datetime
import os

from test_grid_failures import OPTIONS, RUNS, _grid, fake_train  # noqa: F401 (a fixture)

from minitransfer import grid_plan_text


def _local(seconds):
    """``seconds`` since the epoch as the local time with its offset, by datetime (not the code's time.strftime)."""
    text = datetime.datetime.fromtimestamp(seconds).astimezone().strftime("%Y-%m-%d %H:%M %z")
    return f"{text[:-2]}:{text[-2:]}"


def test_the_dry_run_dates_the_failure_of_a_run_to_train_again(tmp_path, fake_train, monkeypatch):  # noqa: F811
    out = tmp_path / "grid"
    outcome, _ = _grid(out, fake_train, monkeypatch, "baseA=1")
    assert outcome.failed == ["random0/baseA"]
    log = out / "random0" / "baseA.run" / "train.log"
    then = datetime.datetime(2026, 3, 4, 5, 6).timestamp()  # a failure of long ago: not the minute of the test
    os.utime(log, (then, then))

    plan = grid_plan_text.describe_plan(RUNS, out, OPTIONS, ["train"]).splitlines()
    assert plan[1] == f"  [todo] random0/baseA  (its last try failed ({_local(then)}): error: it failed)", plan
    assert not [line for line in plan if "last try" in line and "baseA" not in line], plan  # the others: not tried
