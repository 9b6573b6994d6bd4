"""``minitransfer train`` used as a researcher uses it, oddly: weights left without their run, run
files edited between runs, destinations that collide, schedules longer than the run, signals at
awkward moments. Each either works or is refused with one line naming what is at fault."""

import json
import shutil

import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import scheduler
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "quiet": True, "device": "cpu"}
FAST_OPTIONS = ["--batch-size", "8", "--max-iter", "4", "--eval-every", "2", "--quiet", "--device", "cpu"]


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    """A 4-class synthetic dataset of 14 x 14 images (8 train + 4 val per class; the micro preset): its path."""
    from minitransfer.data import synthetic

    data = tmp_path_factory.mktemp("data") / "tiny"
    synthetic.build_synthetic(data, classes=4, train_per_class=8, val_per_class=4, size=14, seed=1)
    return str(data)


def _train(out, data, **fields):
    return training.train(training.TrainConfig(out=str(out), data=data, **{**FAST, **fields}))


def test_weights_without_their_run_say_how_to_train_again_without_overwrite(tiny_data, tmp_path):
    """An experiment's grid has no --overwrite: its train.log must also name the other way, removing
    the weights file (the message used to offer --overwrite alone)."""
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)[:1]
    options = {"data": tiny_data, "max_iter": 4, "seed": 0, "device": "cpu"}
    out = tmp_path / "grid"
    assert scheduler.run_grid(runs, out, options, log=lambda line: None, poll_seconds=0.01).exit_code == 0
    weights = out / "random0" / "baseA.h5"
    shutil.rmtree(out / "random0" / "baseA.run")
    outcome = scheduler.run_grid(runs, out, options, log=lambda line: None, poll_seconds=0.01)
    assert outcome.failed == ["random0/baseA"]
    log = (out / "random0" / "baseA.run" / "train.log").read_text()
    assert f"to train it again, delete or move away {weights}, or start over with --overwrite" in log, log
