"""A grid rerun with a subset of an earlier plan tells, for the runs it leaves alone whose trains would refuse them
(weights left without their checkpoint: exit 2), what to do before the rerun that trains them. With more of them
than it names, it said "first move A away, move B away, move C away and 2 more, then rerun ...": the 2 more steps
named nowhere (the runs left alone are not listed one by one), so the rerun's trains of those failed."""

import re

from minitransfer import experiment as grid
from minitransfer import grid_check, grid_plan_file, grid_plan_text, grid_status

OPTIONS = {"data": "/data/synthetic", "max_iter": 4, "seed": 0, "device": "cpu", "preset": "micro"}


def _left_with_weights_alone(tmp_path, layers):
    """A folder planned with ``layers`` whose transfers above layer 1 have a weights file and no checkpoint; the
    rerun's runs (layer 1), the runs left alone, and the folder."""
    out = tmp_path / "grid"
    full = grid.plan_grid(layers=layers, fine_tuned=False, selffer=False)  # random0/baseA, baseB, A1B, A2B, ...
    grid_plan_file.write_plan(out, full, OPTIONS, ["train"])
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    alone = [run for run in full if run not in runs]
    for run in alone:
        grid.weights_path(out, run.name).parent.mkdir(parents=True, exist_ok=True)
        grid.weights_path(out, run.name).write_bytes(b"weights")
        assert grid_status.run_status(out, run).kind == grid_status.WEIGHTS_ALONE  # the oracle: train refuses it
    return runs, alone, out


def test_every_step_before_the_rerun_is_said_or_where_each_is_said(tmp_path):
    runs, alone, out = _left_with_weights_alone(tmp_path, (1, 2, 3, 4, 5, 6))
    said = grid_check.left_alone(runs, out)
    steps = re.search(r"to train them, first (.*), then rerun with", said)
    assert steps, said
    named = [run for run in alone if str(grid.weights_path(out, run.name)) in steps.group(1)]
    assert len(named) == len(alone) or "the dry run of that rerun says each" in steps.group(1), said
    full = grid.plan_grid(layers=(1, 2, 3, 4, 5, 6), fine_tuned=False, selffer=False)  # that rerun
    plan = grid_plan_text.describe_plan(full, out, OPTIONS, ["train"])
    for run in alone:  # where the steps not named above are said
        assert f"move {grid.weights_path(out, run.name)} away to train it again" in plan, plan


def test_a_few_steps_are_all_said(tmp_path):
    runs, alone, out = _left_with_weights_alone(tmp_path, (1, 2, 3))
    said = grid_check.left_alone(runs, out)
    for run in alone:
        assert f"move {grid.weights_path(out, run.name)} away" in said, said
    assert "says each" not in said, said
