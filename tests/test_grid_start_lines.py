"""A grid's start line says what the run's train does with it, in its dry run's words: a run whose checkpoint is
damaged ("bad checkpoint": its train refuses to resume it, exit 65), whose weights are there without a checkpoint
or result.json ("weights without a checkpoint": its train refuses to replace them, exit 2), or whose checkpoint
cannot be read now ("checkpoint not readable now": its train looks at it again). Before, each was said "start RUN
on CPU", as a fresh run is."""

import shutil

import pytest
from click.testing import CliRunner
from test_experiment import trained_grid  # noqa: F401 (a fixture)

from minitransfer import checkpoint as checkpoints
from minitransfer import experiment as grid
from minitransfer import grid_counts, grid_launch, grid_status, scheduler
from minitransfer.cli import main

INTERRUPTED, SELFFER = "random0/A1B", "random0/B1B"  # the fixture's transfer at iteration 2; a finished selffer


def _copy(trained_grid, tmp_path, name):  # noqa: F811
    """A copy of the trained grid; (place, runs, options, the run ``name``, its folder)."""
    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    run = next(each for each in runs if each.name == name)
    return place, runs, options, run, grid.run_dir(place, run)


def _bad_checkpoint(folder, run, place):
    (folder / grid.CHECKPOINT_FILE).write_bytes(b"damaged by hand")


def _weights_alone(folder, run, place):
    """Its run folder gone (its finished network without it: not lost, test_grid_result_missing)."""
    shutil.rmtree(folder)
    assert grid.weights_path(place, run.name).exists()


@pytest.mark.parametrize("name, spoil, kind, code, does", [
    (INTERRUPTED, _bad_checkpoint, grid_status.BAD_CHECKPOINT, 65, "its train refuses to resume it"),
    (SELFFER, _weights_alone, grid_status.WEIGHTS_ALONE, 2, "its train refuses to replace them")],
    ids=["bad-checkpoint", "weights-alone"])
def test_the_grid_says_what_the_train_of_a_run_it_cannot_start_afresh_does(
        trained_grid, tmp_path, name, spoil, kind, code, does):  # noqa: F811
    place, runs, options, run, folder = _copy(trained_grid, tmp_path, name)
    spoil(folder, run, place)
    refused = CliRunner().invoke(main, ["train", *grid.train_arguments(run, place, options)])  # the grid's command
    assert refused.exit_code == code, refused.output  # the oracle: what its train does with it
    status = grid_status.run_status(place, run)  # the dry run's words for it
    assert (status.kind, status) == (kind, kind)
    lines = []
    scheduler.run_grid(runs, place, options, log=lines.append, poll_seconds=0.01)
    assert any(line.startswith(f"FAILED {name} (exit {code})") for line in lines), lines  # run, and refused
    tried = [line for line in lines if f"try {name} on CPU ({status}): {does}" in line]
    assert len(tried) == 1 and tried[0].startswith("["), lines
    assert not any(f"start {name} on" in line for line in lines), lines


def test_a_run_whose_checkpoint_cannot_be_read_now_is_said_tried(trained_grid, tmp_path, monkeypatch):  # noqa: F811
    place, runs, _, run, _ = _copy(trained_grid, tmp_path, INTERRUPTED)

    def unreadable(path):
        raise PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(checkpoints, "read_meta", unreadable)  # as a checkpoint this user may not read (not root)
    status = grid_status.run_status(place, run)
    assert (status.kind, status) == (grid_status.CHECKPOINT_UNREADABLE_NOW, grid_status.CHECKPOINT_UNREADABLE_NOW)
    numbers = grid_counts.StartNumbers([run], again=set())
    line = grid_launch.start_line(place, run, None, numbers)
    assert line == f"try {INTERRUPTED} on CPU ({status}): its train looks at it again", line
