"""train on run folders in odd states: a stop during a fresh run's start-up, before anything is written,
says that the same command run again is all it takes (it said to rerun with --resume auto); a run's
result.json that is a folder, met by a resumption, is named with what to do (it was a bare "[Errno 21] Is
a directory", exit 74), as is any run file not a file (a folder, a named pipe) met by a fresh, started-over
or resumed run, before it trains."""

import os
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


def _in_the_way(path, kind):
    path.unlink(missing_ok=True)
    path.mkdir() if kind == "folder" else os.mkfifo(path)


@pytest.mark.parametrize("kind", ["folder", "named pipe"])
@pytest.mark.parametrize("name", ["result.json", "eval.csv", "metrics.jsonl", "config.json", "checkpoint.h5",
                                  "config.json.edited"])
@pytest.mark.parametrize("way", ["fresh", "overwrite"])
def test_a_fresh_run_refuses_a_run_file_that_is_no_file_before_it_trains(micro_data, tmp_path, monkeypatch, kind,
                                                                         name, way):
    """A fresh run (or one started over) into a folder where something not a file stands in a run file's place
    ended in a bare "[Errno 21] Is a directory" (exit 74; a result.json only once trained), or waited for ever
    (a named pipe as config.json or metrics.jsonl). Now it is refused (65) before anything trains, naming it,
    and rerun once it is moved away, as said, the run trains."""
    monkeypatch.chdir(tmp_path)
    if way == "overwrite":
        assert CliRunner().invoke(main, _command(micro_data, "net.h5")).exit_code == 0
    else:
        (tmp_path / "net.run").mkdir()
    _in_the_way(tmp_path / "net.run" / name, kind)
    trained = []
    monkeypatch.setattr(training, "_iterations", lambda *args: trained.append(args))  # none may begin
    command = _command(micro_data, "net.h5") + (["--overwrite"] if way == "overwrite" else [])
    refused = CliRunner().invoke(main, command)
    assert refused.exit_code == 65, refused.output
    assert refused.output.startswith(f"error: bad data: net.run/{name}: not a file ({'a ' + kind})"), refused.output
    assert "move it away, then rerun this command" in refused.output and "Errno" not in refused.output
    assert not trained
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    shutil.move(tmp_path / "net.run" / name, tmp_path / "moved")
    again = CliRunner().invoke(main, command)
    assert again.exit_code == 0, again.output
    assert [r.run.name for r in collect(".")[0]] == ["net"]  # the oracle: report reads the run


@pytest.mark.parametrize("name", ["result.json", "eval.csv", "metrics.jsonl", "config.json"])
def test_a_resumed_run_refuses_a_run_file_that_is_no_file_before_it_trains(micro_data, tmp_path, monkeypatch, name):
    """Resumed, a run with a folder as result.json trained to its end, then failed ("Is a directory", 74); a
    named pipe as config.json waited for ever. Now both are refused before it trains, as a fresh run's are."""
    monkeypatch.chdir(tmp_path)
    stops = iter([None] * 3 + [KeyboardInterrupt])

    def stop_at_4(done):
        if next(stops):
            raise KeyboardInterrupt

    with pytest.raises(training.Interrupted):
        training.train(training.TrainConfig(out="net.h5", data=str(micro_data), max_iter=6, checkpoint_every=2,
                                            quiet=True, device="cpu"), on_iteration=stop_at_4)
    _in_the_way(tmp_path / "net.run" / name, "named pipe" if name == "config.json" else "folder")
    trained = []
    monkeypatch.setattr(training, "_iterations", lambda *args: trained.append(args))
    refused = CliRunner().invoke(main, ["train", "--resume", "net.run", "--device", "cpu", "--quiet"])
    assert refused.exit_code == 65, refused.output
    assert refused.output.startswith(f"error: bad data: net.run/{name}: not a file"), refused.output
    assert "move it away, then rerun this command" in refused.output and not trained


def test_a_result_that_is_a_link_leading_nowhere_is_replaced_by_the_finished_runs(finished):
    """Unlike a folder or a named pipe, a link to nothing holds nothing: a resumption of the finished run
    writes its result.json in the link's place, which report then reads."""
    result = finished / "net.run" / "result.json"
    result.unlink()
    result.symlink_to(finished / "nowhere.json")
    again = CliRunner().invoke(main, ["train", "--resume", "net.run", "--device", "cpu"])
    assert again.exit_code == 0, again.output
    assert result.is_file() and not result.is_symlink()
    assert [r.run.name for r in collect(".")[0]] == ["net"]
