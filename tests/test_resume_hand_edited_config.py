"""A run's config.json edited by hand (`max_iter` raised, `base_lr` changed) before ``--resume
RUN``: the run goes on with the options its checkpoint recorded, and rewrote config.json with them,
without a word. It now says which fields were edited, what the run goes on with and how to have
them, and keeps the edited file as config.json.edited."""

import json

import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True}
EDITS = {"max_iter": 6, "base_lr": 0.02, "log_every": 1}


def _interrupted(out, data):
    interrupted_after(training.TrainConfig(out=str(out), data=data, **FAST), 2)


def _edit(config, **fields):
    """config.json with ``fields`` set as an editor saves it (its own indentation); its text."""
    edited = {**json.loads(config.read_text()), **fields}
    text = json.dumps(edited, indent=4)
    config.write_text(text)
    return text


def test_a_hand_edit_is_said_and_kept_as_the_run_resumes(micro_data, tmp_path, capsys):
    _interrupted(tmp_path / "net.h5", micro_data)
    config = tmp_path / "net.run" / "config.json"
    text = _edit(config, **EDITS)
    training.train(training.TrainConfig(resume=str(tmp_path / "net.run")))
    err = capsys.readouterr().err
    warning = next(line for line in err.splitlines() if line.startswith("warning:"))
    assert f"{config} was edited by hand" in warning
    assert "max_iter 6 there, the run goes on with 4" in warning
    assert "base_lr 0.02 there, the run goes on with 0.01" in warning
    assert "log_every 1 there, the run goes on with 10" in warning
    assert "to go on with `log_every=1`, give it as the run resumes" in warning
    assert ("base_lr and max_iter are the run's own: to train with `base_lr=0.02` `max_iter=6`, start over" in warning
            or "max_iter and base_lr are the run's own: to train with `max_iter=6` `base_lr=0.02`, start over"
            in warning), warning
    assert f"kept as {config}.edited" in warning
    assert (tmp_path / "net.run" / "config.json.edited").read_text() == text
    assert json.loads(config.read_text())["max_iter"] == 4  # the run's own options, as it trained them
    assert checkpoints.load(tmp_path / "net.h5").iteration == 4


@pytest.mark.parametrize("given", [{}, {"log_every": 1, "workers": 1}], ids=["as-recorded", "free-options-given"])
def test_a_resume_of_an_unedited_config_says_nothing_of_it(micro_data, tmp_path, capsys, given):
    """The options a resumption may change, given, differ from config.json: no hand edited those."""
    _interrupted(tmp_path / "net.h5", micro_data)
    capsys.readouterr()
    training.train(training.TrainConfig(resume=str(tmp_path / "net.run"), **given))
    assert "warning:" not in capsys.readouterr().err
    assert not (tmp_path / "net.run" / "config.json.edited").exists()


def test_a_config_json_that_is_no_json_any_more_is_kept(micro_data, tmp_path, capsys):
    _interrupted(tmp_path / "net.h5", micro_data)
    config = tmp_path / "net.run" / "config.json"
    text = config.read_text().replace('"max_iter": 4', '"max_iter": 6,,')
    config.write_text(text)
    training.train(training.TrainConfig(resume=str(tmp_path / "net.run")))
    assert f"{config} is no JSON object any more" in capsys.readouterr().err
    assert (tmp_path / "net.run" / "config.json.edited").read_text() == text
    assert json.loads(config.read_text())["max_iter"] == 4


def test_a_finished_runs_raised_max_iter_is_said_to_train_nothing(micro_data, tmp_path, capsys):
    """A finished run, resumed, trains nothing and writes nothing: its config.json stays as edited."""
    training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, **FAST))
    config = tmp_path / "net.run" / "config.json"
    text = _edit(config, max_iter=6, workers=1)
    training.train(training.TrainConfig(resume=str(tmp_path / "net.run")))
    err = capsys.readouterr().err
    assert "max_iter 6 there, the run trained with 4; but the run is finished" in err
    assert "workers" not in err  # nothing trains: how it would load its data does not matter
    assert "already finished" in err
    assert config.read_text() == text


def test_the_command_line_says_the_options_to_give(micro_data, tmp_path):
    _interrupted(tmp_path / "net.h5", micro_data)
    _edit(tmp_path / "net.run" / "config.json", **EDITS)
    result = CliRunner().invoke(main, ["train", "--resume", str(tmp_path / "net.run")])
    assert result.exit_code == 0, result.output
    assert "to go on with --log-every 1, give it as the run resumes" in result.stderr
    assert "--max-iter 6" in result.stderr and "--base-lr 0.02" in result.stderr
    assert "(--overwrite, without --resume)" in result.stderr


def test_a_run_started_over_drops_the_edited_copy_of_the_run_it_replaces(micro_data, tmp_path):
    _interrupted(tmp_path / "net.h5", micro_data)
    _edit(tmp_path / "net.run" / "config.json", **EDITS)
    training.train(training.TrainConfig(resume=str(tmp_path / "net.run"), quiet=True))
    assert (tmp_path / "net.run" / "config.json.edited").exists()
    training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, overwrite=True, **FAST))
    assert not (tmp_path / "net.run" / "config.json.edited").exists()
