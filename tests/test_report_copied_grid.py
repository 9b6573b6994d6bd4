"""The report of a grid copied from another machine, its plan (experiment.json) naming a dataset folder that is not
on this one: the command that finishes it says so before it ("run (its --data /x is not on this machine: ...
change it to the dataset's folder here): minitransfer experiment --data /x ..."). Before, the command alone, which
pasted was refused ("Invalid value for '--data': Path '/x' does not exist") with no word of why."""

import shutil

from fake_results import finished_grid

from minitransfer import experiment, grid_plan_file, report
from minitransfer.finish_command import experiment_command


def _copied_grid(out, data):
    """A grid at layer 1 whose plan names the dataset ``data``, its B1B planned without a folder."""
    finished_grid(out, layers=(1,))
    grid_plan_file.write_plan(out, list(experiment.plan_grid(layers=(1,))), {"data": str(data), "max_iter": 4},
                              ["train"])
    shutil.rmtree(out / "random0" / "B1B.run")
    return out


def test_the_finish_command_of_a_grid_whose_dataset_is_elsewhere_says_so(tmp_path):
    data = tmp_path / "on-the-cluster" / "data"
    grid = _copied_grid(tmp_path / "results" / "sweep1", data)
    command = experiment_command(grid.absolute())
    assert f"--data {data} " in command, command
    (note,) = report.measure(tmp_path / "results").finish
    assert note == (f"to finish them, run (its --data {data} is not on this machine: a grid copied from another? "
                    f"change it to the dataset's folder here): {command}")
    data.mkdir(parents=True)  # the dataset where the plan says: the command alone
    assert report.measure(tmp_path / "results").finish == [f"to finish them, run: {command}"]
