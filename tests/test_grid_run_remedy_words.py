"""A grid's run that stopped before its first checkpoint is trained by rerunning the experiment command that planned
it, named with its grid's folder as a grid's run whose checkpoint is refused names it (bad_checkpoint's words, one
wording): info said "rerun the experiment command that planned it" and left the user to find which."""

import json
import pathlib
import shlex

from minitransfer.bad_checkpoint import grid_run_again
from minitransfer.experiment import PLAN_FILE, TREATMENT_FILE
from minitransfer.run_remedies import run_without_network


def _planned_run(grid, plan=True):
    folder = grid / "random0" / "A1B.run"
    folder.mkdir(parents=True)
    (folder / TREATMENT_FILE).write_text(json.dumps({"name": "A1B"}))
    (folder / "train.log").write_text("")  # the grid started it; it stopped in its start-up
    if plan:
        (grid / PLAN_FILE).write_text("{}")
    return folder


def test_a_grid_run_stopped_before_its_first_checkpoint_names_its_grid(tmp_path):
    grid = tmp_path / "my grid"
    folder = _planned_run(grid)
    said = run_without_network(folder, pathlib.Path("A1B.h5"))
    command = f"rerun the experiment command that planned it (minitransfer experiment -o {shlex.quote(str(grid))} " \
              f"with the grid's options) to train it"
    assert command in said, said
    assert command.removesuffix(" to train it") in grid_run_again(folder)  # the same words


def test_without_its_plan_the_grid_is_not_named(tmp_path):
    said = run_without_network(_planned_run(tmp_path / "grid", plan=False), pathlib.Path("A1B.h5"))
    assert "(minitransfer experiment with the grid's options) to train it" in said, said
