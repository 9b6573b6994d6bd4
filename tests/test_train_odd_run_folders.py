"""train on run folders in odd states: a stop during a fresh run's start-up, before anything is written,
says that the same command run again is all it takes (it said to rerun with --resume auto); a run's
result.json that is a folder, met by a resumption, is named with what to do (it was a bare "[Errno 21] Is
a directory", exit 74)."""

import shutil
import signal

import pytest
from click.testing import CliRunner
from test_stop_during_start_up import _command, _stopped_in

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.results import collect


def test_a_stop_in_a_fresh_runs_start_up_says_to_rerun_the_same_command(micro_data, tmp_path, monkeypatch):
    out = tmp_path / "net.h5"
    _stopped_in(training, "resolve", signal.SIGINT, monkeypatch)
    result = CliRunner().invoke(main, _command(micro_data, out))
    assert result.exit_code == 75, result.output
    assert "rerun the same command" in result.output and "--resume" not in result.output, result.output
    assert not (tmp_path / "net.run").exists() and not out.exists()
    monkeypatch.undo()
    again = CliRunner().invoke(main, _command(micro_data, out))  # the same command, as said
    assert again.exit_code == 0, again.output
    assert checkpoints.load(out).meta["iteration"] == 6


@pytest.fixture
def finished(micro_data, tmp_path, monkeypatch):
    """A finished run, net.h5 and net.run, in the working folder."""
    monkeypatch.chdir(tmp_path)
    CliRunner().invoke(main, _command(micro_data, "net.h5"))
    return tmp_path


def test_a_result_that_is_a_folder_is_named_with_what_to_do_and_that_does_it(finished):
    result_file = finished / "net.run" / "result.json"
    result_file.unlink()
    result_file.mkdir()
    resumed = CliRunner().invoke(main, ["train", "--resume", "net.run", "--device", "cpu", "--quiet"])
    assert resumed.exit_code == 65, resumed.output
    assert "Errno" not in resumed.output, resumed.output
    said = resumed.output.strip()
    assert said.startswith("error: bad data: net.run/result.json: not a file (a folder)"), said
    assert "move it away" in said, said
    shutil.move(result_file, finished / "moved")  # what it says to do, then the same command again
    again = CliRunner().invoke(main, ["train", "--resume", "net.run", "--device", "cpu", "--quiet"])
    assert again.exit_code == 0, again.output
    assert [r.run.name for r in collect(".")[0]] == ["net"]  # the oracle: report reads the run again
