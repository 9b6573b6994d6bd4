"""``eval`` of a diverged run's checkpoint on a dataset of other classes advised "finish it first, minitransfer
train --resume RUN", which diverges again where it diverged (train says so of that resumption). It now says so,
and what to do instead; the test follows the advice to a transfer of the run's finished weights."""

import shlex

import pytest
from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic
from minitransfer.run_outcome import Diverged


def test_a_diverged_runs_checkpoint_is_not_told_to_resume(micro_data, tmp_path):
    six = tmp_path / "six"
    synthetic.build_synthetic(six, classes=6, train_per_class=4, val_per_class=2, size=14, seed=6)
    out = tmp_path / "dv.h5"
    with pytest.raises(Diverged):  # a checkpoint at iteration 2, diverged at iteration 4
        training.train(config.TrainConfig(out=str(out), data=micro_data, split="all", preset="micro", base_lr=3.0,
                                          max_iter=12, checkpoint_every=2, eval_every=2, batch_size=4, device="cpu",
                                          quiet=True))
    run = tmp_path / "dv.run"
    refused = CliRunner().invoke(main, ["eval", str(run / "checkpoint.h5"), "--data", str(six), "--device", "cpu"])
    assert refused.exit_code == 65, refused.output
    said = refused.output.replace("\n", " ")
    assert "train --resume" not in said, said
    assert "its training diverged: " in said and "resumed it diverges again: start it over with a lower --base-lr" \
        in said, said
    shown = CliRunner().invoke(main, ["info", str(run)]).output  # the command the advice points to
    words = shlex.split(next(line for line in shown.splitlines() if line.startswith("made again by: minitransfer ")
                             ).removeprefix("made again by: minitransfer "))
    words[words.index("--base-lr") + 1] = "0.01"
    again = CliRunner().invoke(main, words + ["--overwrite"])
    assert again.exit_code == 0, again.output
    copy = said.split("then copy its finished weights: minitransfer ")[1].rstrip(") ").replace(" --n N ", " --n 1 ")
    copied = CliRunner().invoke(main, shlex.split(copy) + ["-o", str(tmp_path / "t.h5"), "--max-iter", "2",
                                                           "--batch-size", "4", "--device", "cpu"])
    assert copied.exit_code == 0, copied.output
