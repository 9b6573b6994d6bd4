"""A grid refused for the runs of another grid in its folder trained otherwise (another dataset, another
--max-iter: :func:`minitransfer.grid_check.check_others`) names how many there are and which. Before, it named the
first alone and advised "delete that run first": deleted, the next run was refused, one rerun per run."""

import pytest

from minitransfer import experiment as grid
from minitransfer import grid_check, scheduler


def test_every_run_of_another_grid_trained_otherwise_is_counted(tmp_path, micro_data):
    out = tmp_path / "grid"
    options = {"data": micro_data, "max_iter": 2, "seed": 0, "device": "cpu"}
    bases = [run for run in grid.plan_grid(random_seeds=(0,), layers=(1,), fine_tuned=False) if not run.parent]
    assert scheduler.run_grid(bases, out, options, log=lambda line: None, poll_seconds=0.01).exit_code == 0
    trained = sorted(path.name for path in (out / "random0").glob("*.run") if (path / "result.json").is_file())
    assert trained == ["baseA.run", "baseB.run"]  # the first grid's runs, both trained with --max-iter 2
    second = grid.plan_grid(random_seeds=(1,), layers=(1,), fine_tuned=False)
    with pytest.raises(grid_check.GridMismatch) as refused:
        grid_check.check_others(second, out, dict(options, max_iter=3))
    message = str(refused.value)
    assert "`max_iter` 2 -> 3" in message
    for name in trained:  # each named, the first as the one refused and the other among those trained otherwise
        assert f"random0/{name.removesuffix('.run')}" in message, message
    assert "delete those 2 runs first (what they trained is lost)" in message, message
    assert "delete that run first" not in message, message


def test_every_run_of_this_grid_trained_otherwise_is_counted(tmp_path, micro_data):
    """The grid's own runs trained with another --max-iter: the refusal named the first and said "delete the runs
    trained otherwise first", not which nor how many."""
    out = tmp_path / "grid"
    options = {"data": micro_data, "max_iter": 2, "seed": 0, "device": "cpu"}
    runs = grid.plan_grid(random_seeds=(0,), layers=(1,), fine_tuned=False)
    bases = [run for run in runs if not run.parent]
    assert scheduler.run_grid(bases, out, options, log=lambda line: None, poll_seconds=0.01).exit_code == 0
    trained = sorted(path.name for path in (out / "random0").glob("*.run") if (path / "result.json").is_file())
    assert trained == ["baseA.run", "baseB.run"]
    with pytest.raises(grid_check.GridMismatch) as refused:
        grid_check.check_finished(runs, out, dict(options, max_iter=3))
    message = str(refused.value)
    assert message.startswith(f"{out / 'random0' / 'baseA.run'} was trained with other options"), message
    assert "(`max_iter` 2 -> 3), as was 1 more run of this grid there (random0/baseB); " in message, message
