"""prepare's OUT given a folder train, experiment or report wrote: `prepare synthetic one/baseA.run` was refused
as "files that are not a dataset's"; it is said to be a run's (a grid's, a report's) folder, nothing written."""

import json

import pytest
from click.testing import CliRunner

from minitransfer.cli import main


def _run_folder(folder):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"seed": 0}))
    return folder


def _report_folder(folder):
    from minitransfer import report_folder
    folder.mkdir()
    for name in report_folder.REPORT_FILES:
        (folder / name).write_text("run\n")
    return folder


@pytest.mark.parametrize("made, out, said", [
    (lambda tmp: _run_folder(tmp / "one" / "baseA.run"), "one/baseA.run",
     "one/baseA.run is a run folder (a network's, which train wrote), not a dataset's folder"),
    (lambda tmp: _run_folder(tmp / "one" / "baseA.run").parent, "one", "one is a folder of runs (baseA.run), not a "
                                                                       "dataset's folder"),
    (lambda tmp: _report_folder(tmp / "report"), "report", "report is a report's folder (the tables minitransfer "
                                                          "report wrote), not a dataset's folder"),
], ids=["run", "runs", "report"])
@pytest.mark.parametrize("command", [["synthetic"], ["folder", "photos"]], ids=["synthetic", "folder"])
def test_an_out_that_holds_results_is_said_to_be_their_folder(tmp_path, monkeypatch, made, out, said, command):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "photos" / "cat").mkdir(parents=True)
    before = sorted(path.relative_to(tmp_path) for path in made(tmp_path).rglob("*"))
    result = CliRunner().invoke(main, ["prepare", *command, out])
    assert result.exit_code == 2, result.output
    shown = " ".join(result.output.split())
    assert f"Error: Invalid value for 'OUT': {said}: choose a new or empty folder for the dataset" in shown, shown
    assert sorted(path.relative_to(tmp_path) for path in (tmp_path / out).rglob("*")) == before


def test_an_out_of_other_files_is_still_refused_naming_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("x")
    result = CliRunner().invoke(main, ["prepare", "synthetic", "notes"])
    assert result.exit_code == 2 and "holds files that are not a dataset's ('todo.txt')" in result.output, result.output
