"""``minitransfer report RUNS`` where RUNS is no folder of runs: a run's own file (its result.json,
its weights) or a named pipe. Click said "Directory '.../result.json' is a file" (a file called a
directory, and no word of what to give), and a named pipe was exit code 1, as if no run had finished."""

import os

import pytest
from click.testing import CliRunner

from minitransfer import report
from minitransfer.cli import main
from test_report import write_runs


@pytest.mark.parametrize("given", ["random0/A1B.run/result.json", "random0/A1B.h5", "a-pipe"])
def test_a_file_given_as_runs_is_a_usage_error_naming_the_folder_to_give(tmp_path, given):
    runs_dir = write_runs(tmp_path / "grid")
    if given == "a-pipe":
        os.mkfifo(runs_dir / given)
    path = runs_dir / given
    result = CliRunner().invoke(main, ["report", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    folder = runs_dir / ("random0" if given.startswith("random0") else "")
    kind = "a named pipe" if given == "a-pipe" else "a file"  # a pipe was "a file"
    assert f"Invalid value for 'RUNS': {path} is {kind}, not a folder of runs: give the folder that holds the " \
           f"runs, {str(folder).rstrip('/')}" in said, said
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("given", ["A1B.run/result.json", "A1B.h5"], ids=["result-json", "weights"])
def test_a_file_given_from_the_folder_of_runs_names_the_current_folder(tmp_path, monkeypatch, given):
    """Given from the folder that holds the runs, the folder to give is the current one: the message
    ended "give the folder that holds the runs, ." as if it named none."""
    monkeypatch.chdir(write_runs(tmp_path / "grid") / "random0")
    result = CliRunner().invoke(main, ["report", given, "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"{given} is a file, not a folder of runs: give the folder that holds the runs, the current folder (.)" \
        in said, said


def test_a_named_pipe_given_to_the_library_as_runs_is_said_to_be_one(tmp_path):
    """write_report(a named pipe) said "it is a file, not a folder"."""
    os.mkfifo(tmp_path / "a-pipe")
    with pytest.raises(report.NoRuns, match=r"a-pipe: it is a named pipe, not a folder: give the folder"):
        report.write_report(tmp_path / "a-pipe", tmp_path / "out", figures=False)
    assert not (tmp_path / "out").exists()


def test_a_run_folder_given_from_its_parent_names_the_current_folder(tmp_path, monkeypatch):
    """``report A1B.run`` from the folder that holds it: the folder to give is the current one; the
    message ended "give the folder that holds it, ." as if it named none."""
    monkeypatch.chdir(write_runs(tmp_path / "grid") / "random0")
    result = CliRunner().invoke(main, ["report", "A1B.run", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "it is a run folder itself: give the folder that holds it, the current folder (.)" in said, said
