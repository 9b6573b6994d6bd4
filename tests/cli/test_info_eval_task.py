"""What ``info`` says of a transfer's base: the weights file its layers were copied from and what
that base was trained on, not its sha256 alone (which told a researcher nothing of baseA or baseB);
and what ``eval`` says its scores are of: the half's images (12 of a dataset's 24 validation images,
which nothing said), and that top-5 is 1 whatever the network where it has 5 classes or fewer."""

import pytest
from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu"}


@pytest.fixture(scope="module")
def grid(micro_data, synthetic_8, tmp_path_factory):
    """baseA (random split seed 1, half A), A1B and A3B copied from it, frozen, and a network of every
    class of an 8-class set, in one folder."""
    folder = tmp_path_factory.mktemp("grid")
    base = folder / "baseA.h5"
    training.train(config.TrainConfig(out=str(base), data=micro_data, split="random", split_seed=1, half="A",
                                      **FAST))
    for n in (1, 3):
        training.train(config.TrainConfig(out=str(folder / f"A{n}B.h5"), copy_from=str(base), n=n, frozen=True,
                                          **FAST))
    training.train(config.TrainConfig(out=str(folder / "all.h5"), data=synthetic_8, split="all", **FAST))
    return folder


@pytest.mark.parametrize("n, copied", [(1, "copied layer 1 from sha256 "), (3, "copied layers 1..3 from sha256 ")])
def test_info_names_the_base_file_and_the_half_it_was_trained_on(grid, n, copied):
    result = CliRunner().invoke(main, ["info", str(grid / f"A{n}B.h5")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[3] == "split random seed 1 half B"  # after the network's line (lines[2])
    assert lines[5].startswith(copied), lines
    assert lines[6] == f"base {grid / 'baseA.h5'}, trained on half A of random split seed 1", lines


@pytest.mark.parametrize("network, task", [
    ("A3B.h5", "  (half B of random split seed 1: 2 classes, so top-5 is 1 whatever the network)"),
    ("baseA.run", "  (half A of random split seed 1: 2 classes, so top-5 is 1 whatever the network)"),
    ("all.h5", "  (every class: 8 classes)")])
def test_eval_says_which_half_it_scored(grid, network, task):
    result = CliRunner().invoke(main, ["eval", str(grid / network), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    [line] = result.output.splitlines()
    images = 8 * 10 if network == "all.h5" else 2 * 4  # synthetic_8's and micro_data's val images, of the task
    assert f"({images} images): top-1 " in line and line.endswith(task), line
