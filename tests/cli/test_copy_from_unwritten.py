"""``minitransfer train --copy-from baseA.h5`` before the base's run wrote it: while it trains,
after it was stopped, or once the finished network was moved away. train said only "--copy-from
'baseA.h5' does not exist", where eval and info say what happened to it; a transfer is told to wait
for its base to finish (a base still training is no base to copy), or where its finished network is."""

import os
import shutil

import pytest
from click.testing import CliRunner
from cli.test_eval_unwritten import FAST, in_tmp  # noqa: F401
from interrupting import interrupted_after

from minitransfer import run_lock
from minitransfer import train as training
from minitransfer.cli import main


def transfer(micro_data, base, *options):
    return CliRunner().invoke(main, ["train", "--copy-from", base, "--n", "1", "-o", "t.h5", "--data", micro_data,
                                     "--preset", "micro", "--batch-size", "8", "--max-iter", "2", "--device", "cpu",
                                     "--quiet", *options])


@pytest.mark.parametrize("options", [(), ("--resume", "auto")], ids=["fresh", "resume-auto"])
def test_a_stopped_base_is_to_be_trained_to_its_end_first(micro_data, in_tmp, options):
    """With --resume auto too (a grid's, a script's): it said "... has no run to continue from it"."""
    interrupted_after(training.TrainConfig(out="base.h5", data=micro_data, **FAST), 2)
    result = transfer(micro_data, "base.h5", *options)
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert ("--copy-from base.h5 is not written yet: its run base.run stopped before its end, where it writes it; a "
            "transfer copies a finished base: train it to its end first (train with --resume base.run), then "
            "rerun") in result.output
    assert not os.path.exists("t.run")


def test_a_base_training_now_is_to_be_waited_for(micro_data, in_tmp):
    interrupted_after(training.TrainConfig(out="base.h5", data=micro_data, **FAST), 2)
    with run_lock.RunLock("base.run"):  # as its training, resumed, holds it
        result = transfer(micro_data, "base.h5")
    assert result.exit_code == 2, result.output
    assert (f"--copy-from base.h5 is not written yet: its run base.run is training now (PID {os.getpid()}) and writes "
            f"it at its end; a transfer copies a finished base: wait for its training to end, then "
            f"rerun") in result.output


def test_a_finished_base_moved_away_is_copied_from_its_last_checkpoint(micro_data, in_tmp):
    training.train(training.TrainConfig(out="base.h5", data=micro_data, **FAST))
    shutil.move("base.h5", "kept.h5")
    result = transfer(micro_data, "base.h5")
    assert result.exit_code == 2, result.output
    assert ("--copy-from base.h5 is not there: its run base.run finished, and the file was moved or deleted since; "
            "give the file where it went, or base.run/checkpoint.h5, its last checkpoint: the network as it "
            "finished") in result.output
    advised = transfer(micro_data, "base.run/checkpoint.h5")
    assert advised.exit_code == 0 and os.path.isfile("t.h5"), advised.output


def test_a_base_without_a_run_beside_it_does_not_exist(micro_data, in_tmp):
    (in_tmp / "other.run").mkdir()  # the run of another weights file: it holds no checkpoint
    for missing in ("base.h5", "other.h5"):
        result = transfer(micro_data, missing)
        assert result.exit_code == 2 and f"Invalid value for '--copy-from': Path '{missing}' does not exist." in \
            result.output, result.output
