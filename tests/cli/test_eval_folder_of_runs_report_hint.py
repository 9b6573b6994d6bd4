"""`eval GRID` (a grid's folder) was refused with "give one of them (...), or summarize them with `minitransfer
report GRID`", but `eval GRID/random0` (one of its split folders, a folder of runs) without the hint: it was given
only where the folder holds experiment.json, though report sums up the runs under any folder. Both say it now, and
the command said works."""

import shlex
import shutil

import pytest
from click.testing import CliRunner

from minitransfer.cli import main


@pytest.fixture(scope="module")
def grid(micro_data, tmp_path_factory):
    """A grid's folder (its experiment.json) whose split folder random0 holds two finished runs, the bases."""
    grid = tmp_path_factory.mktemp("eval-hint") / "grid"
    for half in ("A", "B"):
        trained = CliRunner().invoke(main, ["train", "--data", micro_data, "--split", "random", "--half", half,
                                            "-o", str(grid / "random0" / f"base{half}.h5"), "--max-iter", "2",
                                            "--device", "cpu", "--quiet"])
        assert trained.exit_code == 0, trained.output
    (grid / "experiment.json").write_text("{}")
    return grid


@pytest.mark.parametrize("folder", ["grid", "grid/random0", "loose"])
def test_eval_of_a_folder_of_runs_names_report_for_them(grid, folder, tmp_path, monkeypatch, placeholder_figures):
    monkeypatch.chdir(grid.parent)
    if folder == "loose":  # runs train wrote into a folder of one's own, no grid's
        shutil.copytree(grid / "random0", tmp_path / "loose")
        monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["eval", folder])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"{folder} is no network but holds 2 runs" in said, said
    hint = f"or summarize them with `minitransfer report {folder}`"
    assert hint in said, said
    reported = CliRunner().invoke(main, shlex.split(hint.split("`")[1])[1:] + ["-o", str(tmp_path / "report")])
    assert reported.exit_code == 0, reported.output  # the command said sums them up
    assert (tmp_path / "report" / "results.csv").read_text().count("\n") >= 3  # a header and both runs
