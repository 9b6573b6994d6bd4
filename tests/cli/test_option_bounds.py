"""Numbers a researcher mistypes (an extra zero or ten, 10**30) refused before anything is planned or
trained (exit code 2, the option and the value named with what it takes), where they were taken: to
train for ever, to plan until the machine ran out of memory, a --dry-run that never ended."""

import types

import pytest
from click.testing import CliRunner

from minitransfer import config, config_checks, grid_caveats
from minitransfer import experiment as grid
from minitransfer import train as training
from minitransfer.cli import main

HUGE = str(10**30)


@pytest.fixture
def nothing_runs(monkeypatch):
    """Training and planning fail the test at once: a value taken would otherwise train, or plan, for ever."""

    def taken(*args, **kwargs):
        raise AssertionError("the value was taken: training or planning started")

    monkeypatch.setattr(training, "train", taken)
    monkeypatch.setattr(grid, "plan_grid", taken)


def _refused(args, option, value, accepted):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert option in result.output and value in result.output and accepted in result.output, result.output
    return result


@pytest.mark.parametrize("value", [HUGE, "2147483648"])
def test_train_refuses_more_iterations_than_it_counts(tmp_path, tiny_data, nothing_runs, value):
    """--max-iter 10**30 passed every check and trained for ever (the step size scaled to 2.2e29)."""
    _refused(["train", "--data", str(tiny_data), "-o", str(tmp_path / "baseA.h5"), "--device", "cpu", "--max-iter",
              value], "--max-iter", value, "1<=x<=2147483647")
    assert not list(tmp_path.iterdir())  # refused before anything was written


def test_grid_refuses_more_iterations_than_it_counts(tmp_path, tiny_data, nothing_runs):
    """experiment --dry-run --max-iter 10**30 counted the evaluations one iteration at a time: it never ended."""
    _refused(["experiment", "--data", str(tiny_data), "-o", str(tmp_path / "grid"), "--device", "cpu", "--dry-run",
              "--max-iter", HUGE], "--max-iter", HUGE, "1<=x<=2147483647")


def test_library_refuses_more_iterations_than_it_counts():
    with pytest.raises(config.ConfigError, match=r"`max_iter` must be an integer 1\.\.2147483647, got 2147483648"):
        config_checks.check_fields(config.TrainConfig(max_iter=2**31))
    config_checks.check_fields(config.TrainConfig(max_iter=2**31 - 1))  # the largest, taken


@pytest.mark.parametrize("value", ["1001", HUGE])
def test_experiment_refuses_replicates_beyond_a_study(tmp_path, tiny_data, nothing_runs, value):
    """--replicates 10**30 planned networks until the memory ran out (the kernel killed it at 23 GB)."""
    _refused(["experiment", "--data", str(tiny_data), "-o", str(tmp_path / "grid"), "--device", "cpu", "--dry-run",
              "--split", "natural", "--replicates", value], "--replicates", value, "1<=x<=1000")
    assert not (tmp_path / "grid").exists()


@pytest.mark.parametrize("max_iter", range(1, 26))
@pytest.mark.parametrize("eval_every", [1, 2, 3, 7, 25, 40])
def test_evaluations_counted_as_train_evaluates(max_iter, eval_every):
    """The count of evaluations agrees with train's rule, iteration by iteration (the oracle)."""
    plan = types.SimpleNamespace(max_iter=max_iter, eval_every=eval_every)
    expected = sum(config.evaluates_after(plan, done) for done in range(1, max_iter + 1))
    assert grid_caveats.evaluations(plan) == expected


def test_evaluations_of_the_longest_run_counted_at_once():
    """Every iteration of the largest --max-iter evaluated: a loop over 2**31 iterations took hours."""
    largest = config_checks.MAX_COUNT
    assert grid_caveats.evaluations(types.SimpleNamespace(max_iter=largest, eval_every=1)) == 2**31 - 1
    # at 2**30 and at the end
    assert grid_caveats.evaluations(types.SimpleNamespace(max_iter=largest, eval_every=2**30)) == 2
