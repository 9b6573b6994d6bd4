"""A grid's run is told to be trained by rerunning the experiment command that planned it in one wording, the grid's
folder found one way (:func:`minitransfer.bad_checkpoint.planning_grid`): info's words of a run planned and never
started (grid_status) found it on their own and named the folder two above the run folder whether the grid's plan
was there or not ("-o" a folder where that command plans a new grid), while a refused checkpoint's named the grid only
where its plan is there, and always as an absolute path where info kept the path the user typed."""

import json
import os
import shlex

import pytest

from minitransfer.bad_checkpoint import rerun_its_grid
from minitransfer.experiment import PLAN_FILE, TREATMENT_FILE
from minitransfer.grid_status import planned_not_started


def _planned(out, plan=True):
    """OUT/random0/A1B.run holding its treatment.json alone (a run the grid planned), OUT's plan there or not."""
    folder = out / "random0" / "A1B.run"
    folder.mkdir(parents=True)
    (folder / TREATMENT_FILE).write_text(json.dumps({"name": "A1B"}))
    if plan:
        (out / PLAN_FILE).write_text("{}")
    return folder


def _command_folder(said):
    """The folder after "experiment -o" in ``said``, or None where it names none."""
    if "minitransfer experiment -o " not in said:
        return None
    return shlex.split(said.split("minitransfer experiment -o ", 1)[1].split(" with the grid's options", 1)[0])[0]


def test_a_planned_run_whose_grid_plan_is_gone_names_no_folder_to_plan_anew(tmp_path):
    folder = _planned(tmp_path / "moved", plan=False)  # the grid's experiment.json gone (or the folder moved)
    said = planned_not_started(folder, folder.with_suffix(".h5"))
    assert said is not None and "a run a grid planned, not started yet" in said, said
    assert _command_folder(said) is None, said  # tmp_path/moved holds no plan: "-o" there plans a new grid
    assert "(minitransfer experiment with the grid's options; a grid for SLURM" in said, said


@pytest.mark.parametrize("given", ["out/random0/A1B.run", "./out/random0/A1B.run"])
def test_info_and_a_refused_checkpoint_name_the_grid_as_the_path_typed(tmp_path, monkeypatch, given):
    """From the grid's parent, the path given names the grid's folder ("out"): said so by both, pasted here."""
    _planned(tmp_path / "out")
    monkeypatch.chdir(tmp_path)
    planned = planned_not_started(given, "A1B.h5")
    again = rerun_its_grid(given)
    assert _command_folder(planned) == _command_folder(again) == "out", (planned, again)
    assert again.removesuffix(")") in planned, (planned, again)  # the same words


@pytest.mark.parametrize("where, given", [("random0", "A1B.run"), ("random0/A1B.run", "."),
                                          ("random0/A1B.run", "../A1B.run")])
def test_a_path_that_names_no_grid_folder_is_made_absolute_by_both(tmp_path, monkeypatch, where, given):
    out = tmp_path / "out"
    _planned(out)
    monkeypatch.chdir(out / where)
    for said in (planned_not_started(given, "A1B.h5"), rerun_its_grid(given)):
        named = _command_folder(said)
        assert named is not None and os.path.isabs(named) and os.path.samefile(named, out), said
