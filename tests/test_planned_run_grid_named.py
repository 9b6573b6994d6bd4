"""A run a grid planned and never started (its folder holding its treatment.json alone), given to ``info`` by a
relative path from inside the grid: the grid named, and the experiment command to paste, are the grid's folder (two
above the run folder), whatever the path given. Before, "A1B.h5" in OUT/random0 said "a grid" and
"minitransfer experiment -o ." (random0, where that command plans a new grid), and "../A1B.h5" from inside the run
folder the same: the grid's folder was taken as the path's own parent's parent, "." for a path of one folder."""

import os
import shlex

import pytest
from click.testing import CliRunner

from minitransfer.cli import main


@pytest.fixture
def planned(tmp_path):
    """OUT (its plan there) with random0/A1B.run holding its treatment.json alone, as a grid leaves a run planned."""
    out = tmp_path / "out"
    (out / "random0" / "A1B.run").mkdir(parents=True)
    (out / "experiment.json").write_text("{}")
    (out / "random0" / "A1B.run" / "treatment.json").write_text("{}")
    return out


@pytest.mark.parametrize("where, given", [("random0", "A1B.h5"), ("random0", "A1B.run"),
                                          ("random0/A1B.run", "../A1B.h5"), ("random0", "./A1B.h5")])
def test_a_planned_run_given_from_inside_its_grid_names_the_grids_folder(planned, monkeypatch, where, given):
    monkeypatch.chdir(planned / where)
    shown = CliRunner().invoke(main, ["info", given])
    said = " ".join(shown.output.split())
    assert shown.exit_code == 2 and "planned, not started yet" in said, said
    named = said.split("a run the grid in ", 1)[1].split(" planned,", 1)[0] if "a run the grid in " in said else None
    assert named is not None and os.path.samefile(named, planned), said  # the oracle: the folder made above
    command = said.split("(minitransfer experiment -o ", 1)[1].split(" with the grid's options", 1)[0]
    assert os.path.samefile(shlex.split(command)[0], planned), said


def test_a_planned_run_given_by_its_path_from_the_grids_parent_keeps_the_words_given(planned, monkeypatch):
    """The path given names the grid's folder itself: said as given (relative), as before."""
    monkeypatch.chdir(planned.parent)
    said = " ".join(CliRunner().invoke(main, ["info", "out/random0/A1B.h5"]).output.split())
    assert "a run the grid in out planned" in said and "(minitransfer experiment -o out with" in said, said
