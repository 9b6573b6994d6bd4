"""The grid at the paper's sizes (a thousand classes, ~100 networks a split seed, several seeds): work that grows
with the runs of a grid grows linearly, counted in operations (comparisons of runs), not timed."""

import errno
import json
import sys

import pytest
from fake_results import FINISHED_RESULT
from test_experiment import OPTIONS

from minitransfer import experiment as grid
from minitransfer import scheduler


def _finished_grid(out, seeds):
    """A grid of ``seeds`` random split seeds, the natural split, both directions, the random-weights and
    reduced-data controls, every run finished as train leaves it (142 runs for 2 seeds)."""
    runs = grid.plan_grid(random_seeds=tuple(range(seeds)), natural=True, both_directions=True,
                          random_frozen=tuple(range(1, 8)), per_class=(2, 3))
    for run in runs:
        grid.run_dir(out, run).mkdir(parents=True, exist_ok=True)
        grid.weights_path(out, run.name).write_text("weights")
        (grid.run_dir(out, run) / "result.json").write_text(json.dumps(FINISHED_RESULT))
    return runs


@pytest.fixture
def compared(monkeypatch):
    """The comparisons of two runs (``Run.__eq__``) made, counted."""
    count = [0]
    equal = grid.Run.__eq__

    def counted(self, other):
        count[0] += 1
        return equal(self, other)
    monkeypatch.setattr(grid.Run, "__eq__", counted)
    return count


def test_a_grid_restarted_on_finished_runs_compares_each_run_a_few_times(tmp_path, compared):
    """Restarting a grid looked up each run in the list of its finished runs: 954 finished runs (16 split seeds)
    made 454,581 comparisons of runs, a third of the restart's time, quadratic in the runs. Each run is looked
    up in a set."""
    out = tmp_path / "grid"
    runs = _finished_grid(out, 2)
    lines = []
    outcome = scheduler.run_grid(runs, out, OPTIONS, train_command=[sys.executable, "-c", "raise SystemExit(1)"],
                                 log=lines.append, poll_seconds=0.01)
    assert outcome.exit_code == 0 and sorted(outcome.skipped + outcome.finished) == sorted(r.name for r in runs)
    assert compared[0] <= 2 * len(runs), (compared[0], len(runs))  # 10,011 for its 142 runs before


def test_a_finished_grid_in_a_folder_it_cannot_write_compares_each_run_a_few_times(tmp_path, compared):
    """The same look-ups in a grid whose folder cannot be written (results copied onto a read-only mount)."""
    out = tmp_path / "grid"
    runs = _finished_grid(out, 2)
    lines = []
    outcome = scheduler._finished_unwritable(runs, out, OPTIONS, OSError(errno.EROFS, "read-only"), lines.append,
                                             None)
    assert outcome.exit_code == 0 and len(outcome.skipped) == len(runs), lines
    assert lines[-1].startswith(f"all {len(runs)} runs already finished; nothing to do"), lines
    assert compared[0] <= 2 * len(runs), (compared[0], len(runs))
