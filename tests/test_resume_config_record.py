"""config.json records the run's options in one form, the one its checkpoint records, whatever
folder a resumption runs in: a resumption wrote the options as typed there (`out` relative to
another working folder, `device` 'auto', another `log_every`) at its start, and, ended before its
next checkpoint (killed), left config.json unlike its checkpoint, so that the next resumption said
it was "edited by hand" and moved it aside to config.json.edited."""

import json

import h5py
import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"batch_size": 8, "max_iter": 6, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True}


class Killed(Exception):
    """A resumption ended before its next checkpoint, as a SIGKILL ends it."""


def _killed_after_one_iteration(done):
    raise Killed(done)


@pytest.fixture
def resumed_elsewhere(micro_data, tmp_path, monkeypatch):
    """The run f/d.h5 started in ``tmp_path``, interrupted at iteration 2, resumed from inside f
    (`--resume d.run`, `device` left 'auto', `log_every` 1) and killed after iteration 3; then the
    working folder is ``tmp_path`` again. Returns the run folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f").mkdir()
    interrupted_after(training.TrainConfig(out="f/d.h5", data=micro_data, **FAST), 2)
    monkeypatch.chdir(tmp_path / "f")
    with pytest.raises(Killed):
        training.train(training.TrainConfig(resume="d.run", log_every=1, quiet=True),
                       on_iteration=_killed_after_one_iteration)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "f" / "d.run"


def _resumed(*options):
    result = CliRunner().invoke(main, ["train", "--resume", "f/d.run", *options])
    assert result.exit_code == 0, result.output
    return result.stderr


@pytest.mark.parametrize("options", [("--device", "cpu"), ("--log-every", "5")], ids=["device-cpu", "log-every"])
def test_a_resumption_from_another_folder_finds_config_json_unedited(resumed_elsewhere, options):
    run = resumed_elsewhere
    err = _resumed(*options)
    assert "edited by hand" not in err
    assert not (run / "config.json.edited").exists()
    record = json.loads((run / "config.json").read_text())
    assert record == checkpoints.read_meta(run / "checkpoint.h5")["config"]
    assert record["out"] == str((run.parent / "d.h5").resolve()) and record["device"] == "cpu"
    assert checkpoints.load(run.parent / "d.h5").iteration == FAST["max_iter"]


def test_a_hand_edit_after_a_killed_resumption_is_still_said(resumed_elsewhere):
    run = resumed_elsewhere
    config = run / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "base_lr": 0.02}, indent=4))
    err = _resumed("--device", "cpu")
    assert f"{config.relative_to(run.parent.parent)} was edited by hand: base_lr 0.02 there" in err
    assert "out" not in err.split("edited by hand")[1].split(";")[0]  # the only field said is base_lr
    assert json.loads((run / "config.json.edited").read_text())["base_lr"] == 0.02
    assert json.loads(config.read_text())["base_lr"] == 0.01


def test_a_finished_checkpoint_resumed_from_its_moved_folder_records_the_weights_options(micro_data, tmp_path):
    """A run whose checkpoint is at max_iter but whose weights were never written (a full disk), its
    folder moved since: resumed, it writes only the weights, the bytes train wrote at the end of the run
    (the checkpoint without its momentum; their record keeps the old place, as a folder moved whole records
    it), and config.json records what they record: config.json kept another record than the weights, so
    that the grid's check took the weights for another run's network, and with the checkpoint deleted
    train said config.json was edited by hand."""
    (tmp_path / "a").mkdir()
    training.train(training.TrainConfig(out=str(tmp_path / "a" / "d.h5"), data=micro_data, **FAST))
    written = (tmp_path / "a" / "d.h5").read_bytes()
    (tmp_path / "a" / "d.h5").unlink()
    (tmp_path / "a").rename(tmp_path / "b")
    run = tmp_path / "b" / "d.run"
    assert json.loads((run / "config.json").read_text())["out"] == str(tmp_path.resolve() / "a" / "d.h5")
    result = CliRunner().invoke(main, ["train", "--resume", str(run)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b" / "d.h5").read_bytes() == written != (run / "checkpoint.h5").read_bytes()
    with h5py.File(tmp_path / "b" / "d.h5", "r") as f:
        assert "solver" not in f  # the momentum is the checkpoint's alone
    weights = checkpoints.read_meta(tmp_path / "b" / "d.h5")["config"]
    assert json.loads((run / "config.json").read_text()) == weights
    (run / "checkpoint.h5").unlink()
    again = CliRunner().invoke(main, ["train", "--resume", str(run)])
    assert again.exit_code == 0 and "already finished" in again.stderr, again.output
    assert "edited by hand" not in again.stderr
