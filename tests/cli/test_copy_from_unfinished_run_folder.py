"""``train --copy-from int.run`` where int.run stopped before its end: the refusal leads with finishing it
(train --resume int.run), as --copy-from int.h5 does, and offers its latest checkpoint only second, saying
that report leaves a transfer from a base before the end of its run out; it said only "to copy from its
latest checkpoint, give int.run/checkpoint.h5", a base report then leaves out of the transfers."""

import os

import pytest
from click.testing import CliRunner
from cli.test_eval_unwritten import FAST
from interrupting import interrupted_after

from minitransfer import run_lock
from minitransfer import train as training
from minitransfer.cli import main


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _transfer(micro_data, base):
    return CliRunner().invoke(main, ["train", "--copy-from", base, "--n", "1", "--frozen", "-o", "t.h5", "--data",
                                     micro_data, "--preset", "micro", "--batch-size", "8", "--max-iter", "2",
                                     "--device", "cpu", "--quiet"])


@pytest.mark.parametrize("training_now", [False, True], ids=["stopped", "training-now"])
def test_an_unfinished_run_folder_is_to_be_finished_first(micro_data, in_tmp, training_now):
    interrupted_after(training.TrainConfig(out="int.h5", data=micro_data, **FAST), 2)
    if training_now:
        with run_lock.RunLock("int.run"):  # as its training, resumed, holds it
            result = _transfer(micro_data, "int.run")
        finish = "wait for its training to end, then rerun"
    else:
        result = _transfer(micro_data, "int.run")
        finish = "train it to its end first (train with --resume int.run), then rerun"
    said = " ".join(result.output.split())
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    checkpoint = os.path.join("int.run", "checkpoint.h5")
    assert f"a transfer copies a finished base: {finish}; or," in said, said
    assert said.index(finish) < said.index(checkpoint), said  # finishing it first, its checkpoint second
    assert f"give {checkpoint}: report leaves such a transfer out" in said, said
    assert not os.path.exists("t.run")
