"""``minitransfer eval`` of a network on a dataset of other classes advises a transfer of its layers: for the
checkpoint.h5 of an unfinished run it said "train --copy-from mid.run/checkpoint.h5", layers halfway through
their training. It now names the run's finished weights, and the resume that finishes them first; for a finished
run's checkpoint, its weights file."""

import pytest
from click.testing import CliRunner

from interrupting import interrupted_after
from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "quiet": True, "device": "cpu",
        "preset": "micro", "split": "all"}


@pytest.fixture(scope="module")
def other_classes(tmp_path_factory):
    """A synthetic set of 6 classes: the micro set's 4 are not its classes 0..3 as trained (another size)."""
    path = tmp_path_factory.mktemp("other") / "six"
    synthetic.build_synthetic(path, classes=6, train_per_class=4, val_per_class=2, size=14, seed=6)
    return str(path)


def _refusal(network, data):
    refused = CliRunner().invoke(main, ["eval", str(network), "--data", data, "--device", "cpu"])
    assert refused.exit_code == 65 and "Traceback" not in refused.output, refused.output
    return refused.output.replace("\n", " ")


def test_an_unfinished_runs_checkpoint_is_told_to_finish_and_copy_its_weights(micro_data, other_classes, tmp_path):
    out = tmp_path / "mid.h5"
    interrupted_after(config.TrainConfig(out=str(out), data=micro_data, **FAST), 2)
    said = _refusal(tmp_path / "mid.run" / "checkpoint.h5", other_classes)
    assert f"--copy-from {tmp_path / 'mid.run' / 'checkpoint.h5'}" not in said, said
    assert "unfinished, at iteration 2 of 4" in said, said
    assert f"minitransfer train --resume {tmp_path / 'mid.run'}" in said, said
    assert f"minitransfer train --copy-from {out} --n N --data {other_classes}" in said, said


def test_a_finished_runs_checkpoint_is_told_to_copy_its_weights_file(micro_data, other_classes, tmp_path):
    out = tmp_path / "net.h5"
    training.train(config.TrainConfig(out=str(out), data=micro_data, **FAST))
    said = _refusal(tmp_path / "net.run" / "checkpoint.h5", other_classes)
    assert f"minitransfer train --copy-from {out} --n N --data {other_classes}" in said, said
    assert "unfinished" not in said, said
