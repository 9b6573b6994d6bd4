"""Numbers at the edges of what training computes with: solver settings that float32, the precision
of every update, turns into nonsense (a rate that changes no weight, a momentum of exactly 1), a
classifier wider than a checkpoint holds, and a base whose weights blew up. Each is refused before
anything is written, naming the option or the layer, rather than training silently or failing later
with the wrong advice."""

import os
import re

import h5py
import numpy as np
import pytest
import toy_preset  # noqa: F401  (registers the toy preset)
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import checkpoint_check
from minitransfer import config, optim
from minitransfer import train as training
from minitransfer.cli import main

TOY = {"preset": "toy", "quiet": True, "device": "cpu"}


def _train(out, data, **fields):
    return training.train(config.TrainConfig(out=str(out), data=data, **{**TOY, **fields}))


@pytest.mark.parametrize("option, value, said", [
    ("--momentum", "0.99999999", r"--momentum must lie in \[0, 1\), got 0.99999999 \(1 in float32, which the update "
                                 r"computes in: at most 0.99999994"),
    ("--base-lr", "1e-50", r"--base-lr must be >= 1.175e-38 \(float32's smallest normal number"),
], ids=["momentum-1-in-float32", "lr-0-in-float32"])
def test_solver_settings_float32_turns_into_nonsense_exit_2_naming_the_option(micro_data, tmp_path, option, value,
                                                                              said):
    """A momentum of 0.99999999 passed the [0, 1) check, and is 1 in float32: no past gradient ever
    faded. A rate of 1e-50 passed `> 0`, and is 0 in float32: the run trained to the end with the
    weights it started with, its evaluations all the same."""
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "--preset", "toy", "-o", str(tmp_path / "n.h5"),
                                       "--device", "cpu", "--quiet", option, value])
    assert result.exit_code == 2, result.output
    assert re.search(said, result.output), result.output
    assert os.listdir(tmp_path) == []


def test_the_edges_float32_keeps_are_accepted_as_the_update_computes_them():
    """The largest float32 momentum below 1 and the smallest normal rate are valid solvers; the update
    (float32, as training computes it) moves a weight with them, which one step rounded to 0 or 1 would not."""
    solver = optim.Solver(base_lr=optim.FLOAT32_TINY, momentum=optim.MAX_MOMENTUM)
    assert np.float32(solver.momentum) < 1 and np.float32(solver.base_lr) > 0
    w, velocity = np.full(4, 1e-6, np.float32), np.zeros(4, np.float32)
    optim.sgd.update(w, np.full(4, 2**100, np.float32), velocity, solver.base_lr, solver.momentum, 0.0)
    assert (w < np.float32(1e-6)).all() and (velocity > 0).all()


def test_fc8_wider_than_a_checkpoint_holds_is_refused_before_training(micro_data, tmp_path):
    """fc8_outputs went up to 2**31 - 1; a run wider than the 100,000 outputs a checkpoint may declare
    trained to the end and wrote weights that eval, info, resume and every transfer refused. The widest
    a checkpoint holds trains and reads back."""
    widest = checkpoint_check.MAX_OUTPUTS
    _train(tmp_path / "widest.h5", micro_data, fc8_outputs=widest, max_iter=1)
    assert checkpoints.load(tmp_path / "widest.h5").weights["fc2"][0].shape == (widest, 8)
    before = sorted(os.listdir(tmp_path))
    refused = rf"^`fc8_outputs` must be an integer 1\.\.{widest}, got {widest + 1}$"
    with pytest.raises(config.ConfigError, match=refused):
        _train(tmp_path / "wider.h5", micro_data, fc8_outputs=widest + 1, max_iter=1)
    assert sorted(os.listdir(tmp_path)) == before


def test_a_half_with_more_classes_than_a_checkpoint_holds_is_refused(micro_data, tmp_path, monkeypatch):
    """fc8's width defaults to the half's classes: as many as a checkpoint holds pass, one more is
    refused (the limit lowered to the 4 classes of the test set, which no dataset reaches otherwise)."""
    monkeypatch.setattr(checkpoint_check, "MAX_OUTPUTS", 4)
    _train(tmp_path / "four.h5", micro_data, split="all", max_iter=1)
    monkeypatch.setattr(checkpoint_check, "MAX_OUTPUTS", 3)
    with pytest.raises(config.ConfigError, match=r"^the 4 classes of the half need more outputs than the 3 a "
                                                 r"checkpoint holds"):
        _train(tmp_path / "more.h5", micro_data, split="all", max_iter=1)
    assert not (tmp_path / "more.run").exists()


@pytest.mark.parametrize("frozen", [True, False], ids=["frozen", "fine-tuned"])
def test_a_base_whose_weights_blew_up_is_refused_naming_the_layer(micro_data, tmp_path, frozen):
    """A finite weight beyond 1e6, which no run writes, was copied: the transfer trained until its
    first checkpoint, then stopped as diverged and told to lower its own learning rate (frozen, the
    blown-up layer never changes, whatever the rate). Copying, evaluating and resuming from it are
    refused up front, naming the file and the array."""
    base = tmp_path / "baseA.h5"
    _train(base, micro_data, max_iter=2)
    with h5py.File(base, "a") as f:
        weights = f["weights/fc1/W"][...]
        weights.flat[5] = -3e7
        f["weights/fc1/W"][...] = weights
    with pytest.raises(checkpoints.CheckpointError, match=rf"^checkpoint {base}: /weights/fc1/W holds a value of size "
                                                          r"3e\+07, beyond the 1e\+06 a run writes"):
        _train(tmp_path / "A2B.h5", micro_data, copy_from=str(base), n=2, frozen=frozen, max_iter=4)
    assert not (tmp_path / "A2B.run").exists()
    with h5py.File(base, "a") as f:  # at the limit, as a run may write it: read
        weights.flat[5] = -checkpoint_check.MAX_ABS_WEIGHT
        f["weights/fc1/W"][...] = weights
    assert checkpoints.load(base).weights["fc1"][0].flat[5] == -1e6
