"""What a notebook is told of its slips calling measure, train and plan_grid: the argument at
fault by its library name (`runs_dir`, `out`, `resume`), the path as text, and bounds that fit
what is checked, never a TypeError from pathlib or the command line's options."""

import pathlib

import pytest

from minitransfer import config, experiment, report
from minitransfer import train as training

GIVE = "give the folder a grid was trained into (its `out`), or the one that holds train's `out`"


@pytest.mark.parametrize("given, got", [(None, "None"), (3, "int")], ids=["none", "int"])
def test_measure_refuses_a_runs_dir_that_is_no_path_naming_it(given, got):
    """Before, pathlib's TypeError (expected str, bytes or os.PathLike object); write_report checked it."""
    with pytest.raises(config.ConfigError) as refused:
        report.measure(given)
    assert str(refused.value) == f"`runs_dir` must be a path (a str or pathlib.Path), got {got}"


def notes_file(tmp_path):
    (tmp_path / "notes.txt").write_text("notes")
    return tmp_path / "notes.txt"


NOTHING_THERE = {
    "missing": (lambda tmp_path: tmp_path / "no-such-grid", "it does not exist"),
    "file": (notes_file, "it is a file, not a folder"),
    "empty": (lambda tmp_path: tmp_path, "no run folder (<name>.run/, which experiment and train write) is in it or "
                                         "in a folder below it"),
}


@pytest.mark.parametrize("kind", [str, pathlib.Path], ids=["str", "path"])
@pytest.mark.parametrize("folder, why", NOTHING_THERE.values(), ids=NOTHING_THERE.keys())
def test_measure_of_a_folder_without_runs_says_what_it_is_in_the_library_words(tmp_path, folder, why, kind):
    """Before, a str was an AttributeError ('str' object has no attribute 'suffix'), and a Path that
    does not exist was "no run folder is in it", naming experiment --out and train's --out."""
    runs = folder(tmp_path)
    with pytest.raises(report.NoRuns) as refused:
        report.measure(kind(runs))
    assert str(refused.value) == f"no finished runs (*.run/result.json) under {runs}: {why}: {GIVE}"


def test_a_resume_that_names_nothing_is_refused_with_the_path_as_text(tmp_path):
    """Before: "got PosixPath('/.../no-such.run')"."""
    missing = tmp_path / "no-such.run"
    with pytest.raises(config.ConfigError) as refused:
        training.train(training.TrainConfig(resume=missing, device="cpu"))
    assert str(refused.value) == (f"`resume` {missing}: no such file or run folder; give a run folder, a checkpoint "
                                  f"file or 'auto'")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["layers", "reverse_layers", "random_frozen"])
def test_plan_grid_refuses_layer_0_with_a_layer_bound_not_the_seeds(name):
    """Before: "integers in 1..4294967295", the bound of a split seed; run_grid checks the top
    against the preset's layers."""
    with pytest.raises(ValueError) as refused:
        experiment.plan_grid(**{name: (0,)})
    assert str(refused.value) == f"plan_grid: {name} must be a sequence of integers, each 1 or more, got (0,)"
