"""A notebook continues a run by its run folder, as the command line does (``train --resume
runs/net.run``): ``TrainConfig(resume="runs/net.run")``."""

import pytest
from click.testing import CliRunner
from interrupting import interrupted_after
from test_info_run_folders_without_network import checkpoint_deleted_after_writing

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True}


def _interrupted(out, data):
    interrupted_after(training.TrainConfig(out=str(out), data=data, **FAST), 2)


def test_a_run_folder_given_as_resume_continues_its_run(micro_data, tmp_path):
    """It was "`resume` must be 'auto' or an existing checkpoint", the folder ls shows refused."""
    _interrupted(tmp_path / "runs" / "net.h5", micro_data)
    result = training.train(training.TrainConfig(data=micro_data, resume=tmp_path / "runs" / "net.run", **FAST))
    assert result.out == str(tmp_path / "runs" / "net.h5")
    assert checkpoints.load(tmp_path / "runs" / "net.h5").iteration == 4


@pytest.mark.parametrize("case", ["no-run-folder", "another-out", "no-checkpoint"])
def test_a_run_folder_that_cannot_continue_is_refused_naming_resume(micro_data, tmp_path, case):
    _interrupted(tmp_path / "net.h5", micro_data)
    (tmp_path / "started.run").mkdir()
    (tmp_path / "started.run" / "config.json").write_text("{}")
    fields, message = {
        "no-run-folder": ({"resume": tmp_path}, f"`resume` {tmp_path} is a folder but no run folder"),
        "another-out": ({"resume": tmp_path / "net.run", "out": str(tmp_path / "other.h5")},
                        f"`resume` {tmp_path / 'net.run'} is the run folder of {tmp_path / 'net.h5'}, which writes "
                        f"{tmp_path / 'net.h5'}, not `out` {tmp_path / 'other.h5'}: to continue that run, leave `out` "
                        f"unset (or give `out` {tmp_path / 'net.h5'})"),
        "no-checkpoint": ({"resume": tmp_path / "started.run"}, f"`resume` {tmp_path / 'started.run'} holds no "
                                                                f"checkpoint to continue from"),
    }[case]
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(training.ConfigError) as refused:
        training.train(training.TrainConfig(data=micro_data, **FAST, **fields))
    assert str(refused.value).startswith(message), refused.value
    assert sorted(tmp_path.rglob("*")) == before


def test_a_run_folder_whose_config_json_names_another_out_continues_its_run(micro_data, tmp_path):
    """config.json's `out` edited by hand to another file of its stem (``net.weights``): the run's
    checkpoint records ``net.h5``; the resumption took config.json's, and was refused as of a folder
    renamed: "rename it back to net.run", the folder's name already."""
    _interrupted(tmp_path / "net.h5", micro_data)
    config = tmp_path / "net.run" / "config.json"
    config.write_text(config.read_text().replace(str(tmp_path / "net.h5"), str(tmp_path / "net.weights")))
    result = training.train(training.TrainConfig(data=micro_data, resume=tmp_path / "net.run", **FAST))
    assert result.out == str(tmp_path / "net.h5")
    assert checkpoints.load(tmp_path / "net.h5").iteration == 4
    assert not (tmp_path / "net.weights").exists()


def test_a_run_folder_whose_checkpoint_was_deleted_after_it_wrote_checkpoints_has_it_missing(micro_data, tmp_path,
                                                                                              monkeypatch):
    """Its logs record iterations past its first checkpoint: it was said to have stopped before writing its
    first one. Refused as a usage error (2), to be trained from the start as it says, which trains it."""
    monkeypatch.chdir(tmp_path)
    run, words = checkpoint_deleted_after_writing(micro_data)
    before = sorted(tmp_path.rglob("*"))
    refused = CliRunner().invoke(main, ["train", "--resume", str(run), "--device", "cpu", "--quiet"])
    said = " ".join(refused.output.split())
    assert refused.exit_code == 2, refused.output
    assert "before writing" not in said and "has not written it yet" not in said, said
    assert (f"--resume {run} holds no checkpoint to continue from: its checkpoint.h5 is missing (moved or deleted "
            f"since): its logs record iteration") in said, said
    assert "past its first checkpoint at iteration 2; to train it from the start, leave --resume unset" in said, said
    assert sorted(tmp_path.rglob("*")) == before
    again = CliRunner().invoke(main, words)  # as it says: without --resume
    assert again.exit_code == 0, again.output
    assert checkpoints.load(tmp_path / "net.h5").iteration == 8
