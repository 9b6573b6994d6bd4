"""``minitransfer eval baseA.h5`` (and ``info``) before its run wrote it: while it trains, after it
was stopped, or once the finished network was moved away. Click said "Path 'baseA.h5' does not
exist" (exit 2), naming neither the run folder beside it nor its checkpoint, which eval scores."""

import os
import re
import shutil

import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import run_lock
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "device": "cpu",
        "quiet": True}


@pytest.fixture
def in_tmp(tmp_path):
    cwd = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(cwd)


def scores(output):
    return re.search(r"top-1 (\S+)  top-5 (\S+)  loss (\S+)", output).groups()


@pytest.mark.parametrize("command", ["eval", "info"])
def test_a_stopped_runs_weights_file_names_the_run_to_give(micro_data, in_tmp, command):
    interrupted_after(training.TrainConfig(out="net.h5", data=micro_data, **FAST), 2)
    result = CliRunner().invoke(main, [command, "net.h5"])
    assert result.exit_code == 2, result.output
    assert ("net.h5 is not written yet: its run net.run stopped before its end, where it writes it (`minitransfer "
            "train --resume net.run` goes on); give net.run for its latest checkpoint") in result.output
    advised = CliRunner().invoke(main, [command, "net.run"])
    assert advised.exit_code == 0, advised.output
    if command == "eval":
        assert "net.run/checkpoint.h5 (iteration 2 of 4) on val" in advised.output


def test_the_weights_file_of_a_run_training_now_names_the_process(micro_data, in_tmp):
    interrupted_after(training.TrainConfig(out="net.h5", data=micro_data, **FAST), 2)
    with run_lock.RunLock("net.run"):  # as its training, resumed, holds it
        result = CliRunner().invoke(main, ["eval", "net.h5"])
    assert result.exit_code == 2, result.output
    assert (f"net.h5 is not written yet: its run net.run is training now (PID {os.getpid()}) and writes it at its "
            f"end; give net.run for its latest checkpoint") in result.output


def test_a_finished_network_moved_away_is_scored_as_it_was_by_its_run_folder(micro_data, in_tmp):
    training.train(training.TrainConfig(out="net.h5", data=micro_data, **FAST))
    before = CliRunner().invoke(main, ["eval", "net.h5"])
    assert before.exit_code == 0, before.output
    shutil.move("net.h5", "kept.h5")
    result = CliRunner().invoke(main, ["eval", "net.h5"])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert ("net.h5 is not there: its run net.run finished, and the file was moved or deleted since; give net.run for "
            "its last checkpoint, the network as it finished") in result.output
    advised = CliRunner().invoke(main, ["eval", "net.run"])
    assert advised.exit_code == 0 and scores(advised.output) == scores(before.output), advised.output


def test_a_missing_file_without_a_run_beside_it_is_still_clicks_words(in_tmp):
    (in_tmp / "other.run").mkdir()  # the run of another weights file: other.run holds no checkpoint
    for missing in ("net.h5", "other.h5"):
        result = CliRunner().invoke(main, ["eval", missing])
        assert result.exit_code == 2 and f"Path '{missing}' does not exist" in result.output, result.output
    result = CliRunner().invoke(main, ["eval", ""])  # since 0.11.5 said as a path left empty (msgs66b)
    assert result.exit_code == 2 and "is empty (an unset shell variable?)" in result.output, result.output
