"""What ``info`` says of a transfer's base: the weights file its layers were copied from and what
that base was trained on, not its sha256 alone (which told a researcher nothing of baseA or baseB)."""

import pytest
from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu"}


@pytest.fixture(scope="module")
def grid(micro_data, tmp_path_factory):
    """baseA (random split seed 1, half A), and A1B and A3B copied from it, frozen, in one folder."""
    folder = tmp_path_factory.mktemp("grid")
    base = folder / "baseA.h5"
    training.train(config.TrainConfig(out=str(base), data=micro_data, split="random", split_seed=1, half="A",
                                      **FAST))
    for n in (1, 3):
        training.train(config.TrainConfig(out=str(folder / f"A{n}B.h5"), copy_from=str(base), n=n, frozen=True,
                                          **FAST))
    return folder


@pytest.mark.parametrize("n, copied", [(1, "copied layer 1 from sha256 "), (3, "copied layers 1..3 from sha256 ")])
def test_info_names_the_base_file_and_the_half_it_was_trained_on(grid, n, copied):
    result = CliRunner().invoke(main, ["info", str(grid / f"A{n}B.h5")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[2] == "split random seed 1 half B"
    assert lines[4].startswith(copied), lines
    assert lines[5] == f"base {grid / 'baseA.h5'}, trained on half A of random split seed 1", lines
