"""A transfer given no --data takes its base's dataset: a file of that dataset damaged since (a shard cut
short, meta.json garbled) is bad data named as such (exit 65, the file and what to do), not "not a prepared
dataset now; give --data", which sent the user looking for another dataset while the one there needs
preparing again."""

import shutil

import pytest
from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu"}


@pytest.fixture
def base(micro_data, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(micro_data, data)
    out = tmp_path / "base.h5"
    training.train(config.TrainConfig(out=str(out), data=str(data), split="all", **FAST))
    return out


@pytest.mark.parametrize("damaged, length", [("train-00000.h5", 0), ("train-00000.h5", 100), ("meta.json", 10)],
                         ids=["shard-empty", "shard-cut", "meta-cut"])
def test_a_transfer_from_a_base_whose_dataset_is_damaged_names_the_file(base, tmp_path, damaged, length):
    with open(tmp_path / "data" / damaged, "r+b") as f:
        f.truncate(length)
    done = CliRunner().invoke(main, ["train", "--copy-from", str(base), "--n", "2", "--max-iter", "2",
                                     "--batch-size", "8", "--device", "cpu", "-o", str(tmp_path / "n.h5")])
    assert done.exit_code == 65, done.output
    assert "not a prepared dataset now" not in done.output
    assert f"data/{damaged}" in done.output and "Traceback" not in done.output
    assert not (tmp_path / "n.h5").exists()
