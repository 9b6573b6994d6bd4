"""A copy of a grid (a transfer, a selffer) trained again by hand into the grid's folder with another
option than the grid gives it (a lower --base-lr after it diverged, as the report's advice once said):
the grid judges it on every field, defaults included, as it judges a base, and refuses to count it as
its own; the fields a copy inherits of its base are compared as the grid's plan resolves them."""

import shutil

import pytest
from click.testing import CliRunner

from minitransfer import config_wording, grid_check, grid_options, grid_plan_file
from minitransfer import experiment as grid
from minitransfer.cli import main
from minitransfer.data import synthetic

RUNS = grid.plan_grid(random_seeds=(0,), layers=(1,), fine_tuned=False, selffer=True)
GRID = ["--layers", "1", "--no-fine-tuned", "--preset", "micro", "--max-iter", "4", "--device", "cpu"]


def _options(data):
    """The options ``experiment --data DATA`` + :data:`GRID` plans its runs with."""
    return {"data": data, "preset": "micro", "max_iter": 4, "device": "cpu"}


def trained_grid(data, tmp_path_factory, options):
    """The folder of ``experiment --data DATA OPTIONS``, trained in a new temporary folder."""
    out = tmp_path_factory.mktemp("grid") / "grid"
    result = CliRunner().invoke(main, ["experiment", "--data", data, "-o", str(out), *options])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def trained(micro_data, tmp_path_factory):
    """A grid of random split 0 (its bases, A1B and B1B) trained on ``micro_data``: its folder."""
    return trained_grid(micro_data, tmp_path_factory, GRID)


def _copy_of(name):
    return next(run for run in RUNS if run.name == name)


@pytest.mark.parametrize("option, value, told", [
    ("base_lr", 0.005, "--base-lr 0.005 -> 0.01"),  # a default that is a fixed value, left unset by the grid
    ("momentum", 0.5, "--momentum 0.5 -> 0.9"),  # a field whose default TrainConfig holds
    ("eval_every", 2, "--eval-every 2 -> 30"),  # the preset's, which the copy takes of its base
])
def test_a_copy_retrained_by_hand_with_another_option_stops_the_grid(micro_data, trained, tmp_path, option, value,
                                                                       told):
    """random0/B1B retrained by hand (``train ... --base-lr 0.005 --overwrite -o GRID/random0/B1B.h5``,
    the grid's other options): the grid counted it as done ("4 of 4 runs already finished"), its
    report pooling two schedules, since a copy was compared only on the options the grid gave."""
    out = tmp_path / "grid"
    _copy_tree(trained, out)
    run = _copy_of("random0/B1B")
    by_hand = dict(grid.run_fields(run, out, _options(micro_data)), overwrite=True, quiet=True, **{option: value})
    retrained = CliRunner().invoke(main, ["train", *config_wording.command_line(by_hand)])
    assert retrained.exit_code == 0, retrained.output
    refused = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), *GRID])
    assert refused.exit_code == 2, refused.output
    assert (f"error: {out / 'random0' / 'B1B.run'} was trained with other options than this grid asks for ({told})"
            in refused.output), refused.output
    assert "already finished" not in refused.output


def test_every_run_of_a_cross_dataset_grid_trained_as_planned_is_its_own(micro_data, tmp_path):
    """No field a copy inherits of its base is told as changed where the grid trained it: across
    datasets the copy takes its base's preset and mean, not its classes (fc8 is the target's 6, the
    base's the source's 4), nor its dataset."""
    target = tmp_path / "synthetic-6"
    synthetic.build_synthetic(target, classes=6, train_per_class=8, val_per_class=4, size=14, seed=2)
    out = tmp_path / "grid"
    options = dict(_options(str(target)), **{grid_options.SOURCE_DATA: micro_data})
    command = ["experiment", "--data", str(target), "--source-data", micro_data, "-o", str(out), *GRID]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    runs = [grid.Run.from_json(record) for record in grid_plan_file.planned_records(out)]
    planned = {run.name: grid_check.planned_config(run, out, options) for run in runs}
    assert {name: fields["fc8_outputs"] for name, fields in planned.items()} == \
        {"cross/baseS": 4, "cross/baseT": 6, "cross/S1T": 6, "cross/T1T": 6}
    assert planned["cross/S1T"]["data"] == str(target) and planned["cross/S1T"]["split"] == "all"
    assert all(grid_check.trained_otherwise(out, run, options) == [] for run in runs)
    again = CliRunner().invoke(main, command)
    assert again.exit_code == 0 and "4 of 4 runs already finished" in again.output, again.output


def _copy_tree(source, target):
    """A copy of the trained grid ``source`` at ``target`` (a grid's checks hold wherever it is copied)."""
    shutil.copytree(source, target, symlinks=True)
