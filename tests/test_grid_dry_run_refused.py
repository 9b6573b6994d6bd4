"""A dry run's line for a run whose train the grid runs but which refuses it (a damaged checkpoint: exit 65;
weights left without their checkpoint: exit 2) says so, with what to do, as the grid's start line and its train
do. Before, "[bad checkpoint] RUN" alone, counted among the runs to train: the researcher planning the night
learnt it would fail only from the grid's end. The remedy the line gives must make its train take the run."""

import shutil

import pytest
from click.testing import CliRunner
from test_experiment import trained_grid  # noqa: F401 (a fixture)

from minitransfer import experiment as grid
from minitransfer import grid_plan_text
from minitransfer.cli import main

INTERRUPTED, SELFFER = "random0/A1B", "random0/B1B"  # the fixture's transfer at iteration 2; a finished selffer


def _bad_checkpoint(folder, place, run):
    (folder / grid.CHECKPOINT_FILE).write_bytes(b"damaged by hand")
    return f"its train refuses to resume it, exit 65: delete {folder / grid.CHECKPOINT_FILE} to train it from the " \
        f"start", lambda: (folder / grid.CHECKPOINT_FILE).unlink()


def _weights_alone(folder, place, run):
    shutil.rmtree(folder)  # its run folder gone (its result.json and checkpoint alone: lost, test_grid_result_missing)
    weights = grid.weights_path(place, run.name)
    return f"its train refuses to replace them, exit 2: move {weights} away to train it again", \
        lambda: weights.rename(weights.with_name("kept.h5"))


@pytest.mark.parametrize("name, spoil, code", [(INTERRUPTED, _bad_checkpoint, 65), (SELFFER, _weights_alone, 2)],
                         ids=["bad-checkpoint", "weights-alone"])
def test_the_dry_run_says_the_train_refuses_the_run_and_what_to_do(trained_grid, tmp_path, name, spoil,
                                                                   code):  # noqa: F811
    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    run = next(each for each in runs if each.name == name)
    words, remedy = spoil(grid.run_dir(place, run), place, run)
    command = ["train", *grid.train_arguments(run, place, options)]  # the grid's command for it
    refused = CliRunner().invoke(main, command)
    assert refused.exit_code == code, refused.output  # the oracle: what its train does with the run

    plan = grid_plan_text.describe_plan(runs, place, options, ["train"]).splitlines()
    line = next(each for each in plan if f"] {name}" in each)
    assert line.endswith(f"  ({words})"), line

    remedy()  # as the line says
    taken = CliRunner().invoke(main, command)
    assert taken.exit_code == 0, taken.output
