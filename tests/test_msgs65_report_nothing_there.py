"""``report`` of a folder that holds no run folder at all (an empty folder, a mistyped one, a home folder):
a wrong argument, exit code 2 (usage), as a file or a run's own folder given is. It exited 1, which this
project's commands say of a run that failed, though no run was ever there; a grid none of whose runs
finished keeps exit code 1."""

import pytest
from click.testing import CliRunner

from minitransfer import report
from minitransfer.cli import main

GIVE = "give the folder a grid was trained into (its --out), or the one that holds train's --out"
NONE_IN_IT = "no run folder (<name>.run/, which experiment and train write) is in it or in a folder below it"


def _empty(tmp_path):
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty"


def _notes(tmp_path):
    (tmp_path / "notes" / "2024").mkdir(parents=True)
    (tmp_path / "notes" / "2024" / "ideas.txt").write_text("try n=4")
    return tmp_path / "notes"


@pytest.mark.parametrize("folder", [_empty, _notes], ids=["empty", "no-runs-below"])
def test_report_of_a_folder_without_run_folders_is_a_usage_error(tmp_path, folder):
    runs = folder(tmp_path)
    result = CliRunner().invoke(main, ["report", str(runs)])
    assert result.exit_code == 2, result.output
    assert result.output == f"error: no finished runs (*.run/result.json) under {runs}: {NONE_IN_IT}: {GIVE}\n"
    assert not (runs / "report").exists()


@pytest.mark.parametrize("given", ["missing", "file", "empty"])
def test_the_library_raises_the_usage_error_of_a_runs_dir_without_runs(tmp_path, given):
    """The class the command line maps to exit code 2 (a NoRuns still, for callers that catch that)."""
    runs = {"missing": tmp_path / "nowhere", "file": tmp_path / "notes.txt", "empty": tmp_path}[given]
    if given == "file":
        runs.write_text("notes")
    with pytest.raises(report.RunFolderGiven) as refused:
        report.measure(runs)
    assert isinstance(refused.value, report.NoRuns)
