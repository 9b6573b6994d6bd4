"""How often a grid's checks resolve a configuration (``config.resolve`` opens the dataset and reads
every shard's labels: about 1000 of ImageNet's): a rerun's check of its folder resolved every
finished copy twice (its base's preset, its own half), and the preflight every base twice (its
options, then the layers its copies take). Each is now resolved once per check."""

import collections

import pytest
from click.testing import CliRunner
from test_grid_retrained_copy import trained_grid

from minitransfer import config, experiment, grid_check, grid_runner, scheduler
from minitransfer.cli import main

RUNS = experiment.plan_grid(random_seeds=(0,), layers=(1, 2), fine_tuned=False, selffer=True)
GRID = ["--layers", "1,2", "--no-fine-tuned", "--preset", "micro", "--max-iter", "2", "--device", "cpu"]


@pytest.fixture
def resolves(monkeypatch):
    """The runs ``config.resolve`` is called for, counted by the weights file their configuration names."""
    counted = collections.Counter()
    resolve = config.resolve

    def counting_resolve(train_config, *args, **kwargs):
        counted[train_config.out] += 1
        return resolve(train_config, *args, **kwargs)

    monkeypatch.setattr(config, "resolve", counting_resolve)
    return counted


@pytest.fixture(scope="module")
def trained(micro_data, tmp_path_factory):
    """The grid of :data:`RUNS` (two bases, four copies) trained on ``micro_data``: its folder."""
    return trained_grid(micro_data, tmp_path_factory, GRID)


def test_a_rerun_checks_its_finished_copies_resolving_each_base_and_each_half_once(micro_data, trained, resolves):
    """Before, 10 resolves for 6 runs (each base, then each copy's base and own half again)."""
    options = {"data": micro_data, "preset": "micro", "max_iter": 2, "device": "cpu"}
    grid_check.check_folder(RUNS, trained, options)
    bases = {run.name for run in RUNS if run.parent is None}
    halves = {(run.split, run.split_seed, run.target) for run in RUNS if run.parent is not None}
    assert len(RUNS) == 6 and sum(resolves.values()) == len(bases) + len(halves) == 3, resolves
    plans = grid_check.PlannedConfigs()
    assert all(grid_check.planned_config(run, trained, options, plans) == grid_check.planned_config(run, trained,
                                                                                                            options)
               for run in RUNS)


def test_a_grid_copying_too_many_layers_resolves_each_base_once_before_refusing(micro_data, tmp_path, resolves):
    """Before, check_layers_copied resolved baseB (B8B's) again right after check_bases had."""
    runs = experiment.plan_grid(layers=(8,), fine_tuned=False, selffer=True)
    options = {"data": micro_data, "device": "cpu", "max_iter": 2, "quiet": True}
    with pytest.raises(config.ConfigError, match="^run random0/B8B: n must be an integer 1..7, got 8 "):
        scheduler.run_grid(runs, tmp_path / "grid", options, log=lambda line: None)
    bases = {str(experiment.weights_path(tmp_path / "grid", run.name)) for run in runs if run.parent is None}
    assert len(bases) == 2 and resolves == dict.fromkeys(bases, 1), resolves


@pytest.mark.parametrize("mode", ["run", "dry-run"])
def test_the_command_line_resolves_each_base_once_before_the_grid_starts(micro_data, tmp_path, resolves,
                                                                       monkeypatch, mode):
    """Before, `experiment` resolved each base three times before its first run started: its own check
    of the bases, its warning of few evaluations, then the grid's (run_grid) check of the bases again."""
    monkeypatch.setattr(grid_runner.GridRunner, "run", lambda self, *_: None)  # no run started
    out = tmp_path / "grid"
    done = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), *GRID]
                              + (["--dry-run"] if mode == "dry-run" else []))
    assert done.exit_code == 0, done.output
    bases = {str(experiment.weights_path(out, run.name)) for run in RUNS if run.parent is None}
    assert len(bases) == 2 and resolves == dict.fromkeys(bases, 1), resolves
