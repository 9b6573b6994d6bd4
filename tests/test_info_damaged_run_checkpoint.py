"""What ``info`` says of a run's own checkpoint.h5 cut short: it said to copy it again from where it came
from, advice for a file copied from elsewhere, not for the checkpoint train wrote in its run folder. Train
keeps no earlier checkpoint of a run, so it now says the run's state is lost with it (unless the run
folder was copied), and what the researcher can do: give the weights of a finished run, or train it
again; each done, it works."""

import json
import shlex

import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer.cli import main

TRAIN = "train --split all --preset micro --batch-size 8 --max-iter 4 --eval-every 2 --device cpu --quiet -o net.h5"


@pytest.fixture
def command(micro_data, tmp_path, monkeypatch):
    """The train command of a run net.h5 / net.run, run once in a working folder of its own; its
    checkpoint.h5 then cut to its first 3,000 bytes."""
    monkeypatch.chdir(tmp_path)
    words = [*shlex.split(TRAIN), "--data", micro_data]
    trained = CliRunner().invoke(main, words)
    assert trained.exit_code == 0, trained.output
    own = tmp_path / "net.run" / "checkpoint.h5"
    own.write_bytes(own.read_bytes()[:3000])
    return words


def _said(given):
    shown = CliRunner().invoke(main, ["info", given])
    assert shown.exit_code == 65, shown.output
    assert "copy it again from where it came from" not in shown.output, shown.output
    assert "the run's state at it is lost (train keeps no earlier checkpoint of a run)" in shown.output, shown.output
    return shown.output


def test_a_finished_runs_damaged_checkpoint_points_to_its_weights(command):
    said = _said("net.run/checkpoint.h5")
    assert said.rstrip().endswith("the run finished: its network is in net.h5, give that"), said
    shown = CliRunner().invoke(main, ["info", "--json", "net.h5"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["iteration"] == 4  # the oracle: the network as the run finished


def test_an_unfinished_runs_damaged_checkpoint_is_to_be_trained_again(command, tmp_path):
    (tmp_path / "net.h5").unlink()
    (tmp_path / "net.run" / "result.json").unlink()
    said = _said("net.run")
    assert said.rstrip().endswith("train it again (its train command with --overwrite)"), said
    again = CliRunner().invoke(main, [*command, "--overwrite"])
    assert again.exit_code == 0, again.output
    assert checkpoints.load(tmp_path / "net.run" / "checkpoint.h5").meta["iteration"] == 4
