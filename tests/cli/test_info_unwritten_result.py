"""What ``info`` says of a run whose training reached its last iteration but ended before it wrote
its result.json (a full disk at the very end of ``train``): it said "iteration 2 (finished)" while
``report`` counted the run not finished, and ``--resume auto`` finished it. Now it says what is
true, as report counts it, and how to finish the run."""

import json
import shutil

import pytest
from click.testing import CliRunner
from cli.test_info_paths import FAST, network  # noqa: F401 (a fixture: a finished micro run, shared/net.h5, net.run)

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.results import collect

UNWRITTEN = ("iteration 2 (trained to its last iteration, but its result net.run/result.json was not written: the run "
             "is not finished; ")
RESUME = "finish it with `minitransfer train --resume net.run` (or its train command again with --resume auto))"


@pytest.fixture
def unwritten(network, tmp_path, monkeypatch):  # noqa: F811 (the fixture imported above)
    """A copy of ``network``'s run in the working folder, its result.json gone: net.h5 and net.run."""
    shutil.copy(network, tmp_path / "net.h5")
    shutil.copytree(network.with_suffix(".run"), tmp_path / "net.run")
    (tmp_path / "net.run" / "result.json").unlink()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _info(*args):
    result = CliRunner().invoke(main, ["info", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("given", ["net.run", "net.h5", "net.run/checkpoint.h5"])
def test_a_run_without_its_result_is_not_said_finished(unwritten, given):
    assert collect(unwritten)[1] == ["net"]  # the oracle: report counts it not finished
    said = _info(given).splitlines()[1]
    assert said.endswith(UNWRITTEN + RESUME), said
    summary = json.loads(_info(given, "--json"))
    assert summary["finished"] is False
    assert summary["unwritten_result"] == {"result": "net.run/result.json", "resumable": True, "resume_refused": None}


def test_the_command_info_gives_finishes_the_run(unwritten):
    command = _info("net.run").splitlines()[1].split("`")[1].split()
    assert command[:3] == ["minitransfer", "train", "--resume"]
    done = CliRunner().invoke(main, [*command[1:], "--device", "cpu"])
    assert done.exit_code == 0, done.output
    results, unfinished, _ = collect(unwritten)
    assert [r.run.name for r in results] == ["net"] and unfinished == []
    assert "iteration 2 (finished: the last checkpoint of its run" in _info("net.run/checkpoint.h5")
    assert json.loads(_info("net.run", "--json"))["finished"] is True


def test_a_run_without_its_result_nor_its_checkpoint_is_said_to_need_training_again(unwritten):
    (unwritten / "net.run" / "checkpoint.h5").unlink()
    said = _info("net.h5").splitlines()[1]
    assert said.endswith(UNWRITTEN + "its checkpoint net.run/checkpoint.h5 is gone too, so nothing resumes it: keep "
                                      "net.h5 (`minitransfer eval net.h5` scores it again), or, as the last resort, "
                                      "train it again (its train command with --overwrite), which replaces that "
                                      "network)"), said  # the network kept first, as train says it
    refused = CliRunner().invoke(main, ["train", "--resume", "net.run", "--device", "cpu"])  # the weights kept
    assert refused.exit_code == 65 and "net.run/result.json is not there" in refused.output, refused.output
    assert "nothing to resume from" not in refused.output, refused.output


def test_a_run_without_its_result_whose_resume_refuses_its_logs_is_said_to_need_training_again(micro_data, tmp_path,
                                                                                               monkeypatch):
    """Its logs deleted (its evaluation at 1 with them): info said "finish it with train --resume ...", which
    the resume refused (exit 65)."""
    monkeypatch.chdir(tmp_path)
    training.train(config.TrainConfig(out="net.h5", data=micro_data, split="all", **{**FAST, "eval_every": 1}))
    for name in ("result.json", "eval.csv", "metrics.jsonl"):
        (tmp_path / "net.run" / name).unlink()
    refused = CliRunner().invoke(main, ["train", "--resume", "net.run", "--device", "cpu"])
    assert refused.exit_code == 65 and "lacks the evaluations at iteration" in refused.output, refused.output
    summary = json.loads(_info("net.h5", "--json"))["unwritten_result"]
    assert not summary["resumable"] and "lacks the evaluations at iteration" in summary["resume_refused"], summary
    said = _info("net.h5").splitlines()[1]
    assert said.endswith(f"{UNWRITTEN}its checkpoint net.run/checkpoint.h5 is not resumable "
                         f"({summary['resume_refused'].replace('`overwrite=True`', '--overwrite')}): keep net.h5 (`minitransfer eval net.h5` scores it "
                         f"again), or, as the last resort, train it again (its train command with --overwrite), "
                         f"which replaces that network)"), said
