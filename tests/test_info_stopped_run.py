"""What ``info`` says of the checkpoint of a run that stopped before its end (interrupted, killed,
crashed) and that nobody trains now: it said "(resumable)" and not how; now it names the command
that goes on from it, run folder as the user named it, and that command finishes the run."""

import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import config
from minitransfer.cli import main
from minitransfer.results import collect

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "quiet": True,
        "device": "cpu"}


@pytest.fixture
def stopped(micro_data, tmp_path, monkeypatch):
    """A run stopped after iteration 2 of 4, its checkpoint written: net.run in the working folder."""
    monkeypatch.chdir(tmp_path)
    interrupted_after(config.TrainConfig(out="net.h5", data=str(micro_data), split="all", **FAST), 2)
    return tmp_path


@pytest.mark.parametrize("given, named", [("net.run", "net.run"), ("net.run/checkpoint.h5", "net.run"),
                                          ("./net.run/checkpoint.h5", "net.run")])
def test_a_stopped_run_says_the_command_that_goes_on_and_it_does(stopped, given, named):
    assert collect(".")[1] == ["net"]  # the oracle: report counts it not finished
    shown = CliRunner().invoke(main, ["info", given])
    assert shown.exit_code == 0, shown.output
    said = shown.output.splitlines()[1]
    assert said.endswith(f"iteration 2 (resumable: `minitransfer train --resume {named}` (or its train command again "
                         f"with --resume auto) goes on from it)"), said
    command = said.split("`")[1].split()
    done = CliRunner().invoke(main, [*command[1:], "--device", "cpu"])
    assert done.exit_code == 0 and "resuming" in done.output, done.output
    assert [r.run.name for r in collect(".")[0]] == ["net"]
