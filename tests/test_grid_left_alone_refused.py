"""A run an earlier plan lists that this grid leaves alone, whose train would refuse it (its weights file left
without its checkpoint: exit 2), is told what to do first: "to train it, first move OUT/random0/B1B.h5 away, then
rerun with the --layers, --split-seed and other options that planned it". Before, the rerun alone, whose train of
it failed with exit 2. The advice, followed, must make its train take the run."""

import re
import shutil

from click.testing import CliRunner
from test_experiment import trained_grid  # noqa: F401 (a fixture)

from minitransfer import experiment as grid
from minitransfer import grid_check
from minitransfer.cli import main


def test_a_run_left_alone_whose_train_would_refuse_it_is_told_what_to_do_first(trained_grid, tmp_path):  # noqa: F811
    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    selffer = next(run for run in runs if run.name == "random0/B1B")  # planned, finished: left alone below
    folder = grid.run_dir(place, selffer)
    shutil.rmtree(folder)  # its run folder gone (its result.json and checkpoint alone: lost, test_grid_result_missing)
    command = ["train", *grid.train_arguments(selffer, place, options)]  # what the rerun that plans it runs
    refused = CliRunner().invoke(main, command)
    assert refused.exit_code == 2, refused.output  # the oracle: its train refuses the run as it stands

    said = grid_check.left_alone([run for run in runs if run is not selffer], place)
    advice = re.search(r"; to train it, first move (\S+) away, then rerun with the --layers, --split-seed and other "
                       r"options that planned it$", said)
    assert advice, said
    moved = place / "kept.h5"
    shutil.move(advice.group(1), moved)  # as it says
    taken = CliRunner().invoke(main, command)
    assert taken.exit_code == 0, taken.output
    assert moved.exists() and grid.weights_path(place, selffer.name).exists()  # the old weights kept, new ones made
