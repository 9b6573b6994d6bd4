"""``minitransfer train -o L.h5`` where L.h5 is a symbolic link to another run's file: train follows
the link, and refuses to write into another run; the refusal named the file the link leads to
(``/abs/base.run/checkpoint.h5``), not L.h5 as typed."""

import hashlib
import os

import pytest
from click.testing import CliRunner

from minitransfer import train as training
from minitransfer.cli import main

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "device": "cpu",
        "quiet": True}


@pytest.fixture
def finished_base(micro_data, tmp_path):
    cwd = os.getcwd()
    os.chdir(tmp_path)
    training.train(training.TrainConfig(out="base.h5", data=micro_data, **FAST))
    yield tmp_path
    os.chdir(cwd)


def train_into(micro_data, out):
    return CliRunner().invoke(main, ["train", "-o", out, "--data", micro_data, "--preset", "micro", "--batch-size",
                                     "8", "--max-iter", "2", "--device", "cpu", "--quiet"])


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_a_link_into_another_runs_folder_is_named_as_typed(micro_data, finished_base):
    os.symlink("base.run/checkpoint.h5", "L.h5")
    before = digest("base.run/checkpoint.h5")
    result = train_into(micro_data, "L.h5")
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    leads_to = finished_base.resolve() / "base.run" / "checkpoint.h5"
    assert (f"--out L.h5 (a link to {leads_to}) lies inside {leads_to.parent}, the run directory of another run; "
            f"give another --out, a file of this run's own") in result.output
    assert os.path.islink("L.h5") and digest("base.run/checkpoint.h5") == before


def test_a_link_to_another_runs_weights_is_named_as_typed(micro_data, finished_base):
    os.symlink("base.h5", "L.h5")
    result = train_into(micro_data, "L.h5")  # another max_iter than base.h5's: another network
    assert result.exit_code == 2, result.output
    assert (f"error: L.h5 (a link to {finished_base.resolve() / 'base.h5'}) holds another network than this run "
            f"trains (--max-iter 4 -> 2") in result.output


def test_a_path_into_another_runs_folder_is_named_as_typed(micro_data, finished_base):
    result = train_into(micro_data, "base.run/x.h5")
    assert result.exit_code == 2, result.output
    assert (f"--out base.run/x.h5 lies inside {finished_base.resolve() / 'base.run'}, the run directory of another "
            f"run; write the weights beside it instead, e.g. {finished_base.resolve() / 'x.h5'}") in result.output
