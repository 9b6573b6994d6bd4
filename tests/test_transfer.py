"""minitransfer.transfer from a notebook: a net built from a checkpoint in memory holds arrays of its
own, so training it leaves the checkpoint (a base, or a network loaded for evaluation) as it was.
A base, run or dataset named by an empty path (a variable left empty) is refused as such, not looked
for in the folder train runs in."""

import re

import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import models, optim, transfer
from minitransfer import train as training
from minitransfer.cli import main

SOLVER = optim.Solver(base_lr=0.05, momentum=0.9, weight_decay=0.0005)


@pytest.fixture
def base():
    """A micro network of 4 classes (seed 1) as a checkpoint in memory, as checkpoint.load gives one."""
    net = models.micro(4)
    net.initialize(1)
    return checkpoints.Checkpoint(preset="micro", weights=net.weights(), frozen=dict.fromkeys(net.weight_layer_names,
                                  False), meta={"config": {}})


def _trained(net, steps=3):
    """``net`` after ``steps`` momentum-SGD steps on a seeded random batch."""
    rng = np.random.default_rng(3)
    x = (40 * rng.standard_normal((4, *net.input_shape))).astype(np.float32)
    labels = rng.integers(0, net.num_outputs, 4).astype(np.int32)
    for iteration in range(steps):
        net.forward(x, labels, train=True, iteration=iteration)
        net.backward()
        optim.step(net.params, SOLVER, iteration)
    return net


def _unchanged(weights, kept):
    return all(np.array_equal(weights[name][0], kept[name][0]) and np.array_equal(weights[name][1], kept[name][1])
               for name in kept)


def test_fine_tuning_a_copy_leaves_its_base_as_it_was(base):
    kept = {name: (w.copy(), b.copy()) for name, (w, b) in base.weights.items()}
    tuned = models.micro(4)
    tuned.initialize(2)
    transfer.copy_layers(tuned, base, 4)
    _trained(tuned)
    assert not _unchanged(tuned.weights(), {name: kept[name] for name in ("conv1", "conv4")}), "the copy trained"
    assert _unchanged(base.weights, kept), "training the copy changed its base"
    second = models.micro(4)
    second.initialize(2)
    transfer.copy_layers(second, base, 4)
    assert _unchanged(second.weights(), {name: kept[name] for name in tuned.weight_layer_names[:4]})


def test_two_nets_loaded_from_one_checkpoint_train_apart(base):
    kept = {name: (w.copy(), b.copy()) for name, (w, b) in base.weights.items()}
    trained, other = transfer.load_net(base), transfer.load_net(base)
    _trained(trained)
    assert not _unchanged(trained.weights(), {"fc8": kept["fc8"]})
    assert _unchanged(other.weights(), kept) and _unchanged(base.weights, kept)


@pytest.mark.parametrize("field, what", [
    ("copy_from", "name the base's weights file (e.g. baseA.h5), or give none to copy no layers"),
    ("resume", "give 'auto', a run folder or a checkpoint file (or none to train from the start)"),
    ("data", "name a prepared dataset folder (or give none: the base's dataset when copying, else the built-in "
             "synthetic set)")], ids=["copy_from", "resume", "data"])
def test_an_empty_path_is_refused_naming_its_field(tmp_path, monkeypatch, field, what):
    """Before, "" named the working folder: `copy_from` was a bad checkpoint there ("checkpoint /home/me: not
    a file", exit 65), `resume` a ValueError traceback, `data` a dataset looked for there."""
    monkeypatch.chdir(tmp_path)
    fields = {"copy_from": {"copy_from": "", "n": 2}, "resume": {"resume": ""}, "data": {"data": ""}}[field]
    with pytest.raises(training.ConfigError, match=f"^`{field}` is empty: {re.escape(what)}$"):
        training.train(training.TrainConfig(out="net.h5", preset="micro", max_iter=2, quiet=True, device="cpu",
                                            **fields))
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_names_an_empty_copy_from_as_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["train", "--copy-from", "", "--n", "2", "-o", "net.h5", "--device", "cpu"])
    assert result.exit_code == 2 and result.output == (
        "error: --copy-from is empty: name the base's weights file (e.g. baseA.h5), or give none to copy no "
        "layers\n"), result.output
    assert list(tmp_path.iterdir()) == []
