"""Mutation testing of the transfer core: the copy of layers 1..n (minitransfer/transfer.py), the frozen flags
(AnB, AnB+, the random-weights control), Caffe's momentum SGD (minitransfer/optim.py, ops/sgd.py) and the
class halves (minitransfer/data/splits.py). Each test kills a one-line mutant the modules' own tests let
through, named beside it. The oracles are the paper's definitions (§2, §4.3) and Caffe's SGDSolver worked out
by hand for a few numbers, not the code under test."""

import types

import numpy as np
import pytest

from minitransfer import checkpoint as checkpoints
from minitransfer import models, optim, transfer
from minitransfer.data import splits
from minitransfer.layers import Param

LAYERS = ("conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8")


def _base():
    """A micro base of 4 classes whose layer k (1..8) holds W = k and b = -k everywhere: what a copy of it
    holds is read off its values (a base's biases are not its fillers' zeros)."""
    net = models.micro(4)
    weights = {name: (np.full(w.shape, k, np.float32), np.full(b.shape, -k, np.float32))
               for k, (name, (w, b)) in enumerate(net.weights().items(), start=1)}
    return checkpoints.Checkpoint(preset="micro", weights=weights, frozen=dict.fromkeys(weights, False),
                                  meta={"config": {"seed": 1}}, recorded_in="given")  # recorded_in: no seed warning


def _plan(parent=None, n=None, frozen=False, random_frozen=None, seed=7):
    """What :func:`transfer.build_net` reads of a plan (:class:`minitransfer.config.Plan`)."""
    config = types.SimpleNamespace(fc8_outputs=4, seed=seed, n=n, frozen=frozen, random_frozen=random_frozen,
                                   precision=None)
    return types.SimpleNamespace(config=config, preset=models.PRESETS["micro"], parent=parent, resume_from=None,
                                 device="cpu")


def _filler(seed):
    net = models.micro(4)
    net.initialize(seed)
    return net.weights()


@pytest.mark.parametrize("frozen", [True, False], ids=["AnB", "AnB+"])
@pytest.mark.parametrize("n", range(1, 8))
def test_a_copy_holds_the_bases_layers_1_to_n_and_fillers_above_frozen_for_anb_alone(n, frozen):
    """Paper §2: AnB / AnB+ copy the first n layers of baseA (W and b), the layers n+1..8 start from random
    fillers; AnB freezes the copied layers, AnB+ trains all eight. (Mutants: n-1 or n+1 layers copied, the
    top n copied, biases left at their fillers, AnB+ frozen, AnB frozen n-1, the copy re-initialised.)"""
    net = transfer.build_net(_plan(_base(), n=n, frozen=frozen))
    filler = _filler(7)
    for k, layer in enumerate(net.weight_layers, start=1):
        w, b = layer.weight.data, layer.bias.data
        if k <= n:
            assert (w == k).all() and (b == -k).all(), layer.name
        else:
            assert np.array_equal(w, filler[layer.name][0]) and np.array_equal(b, filler[layer.name][1]), layer.name
    assert net.frozen == ((True,) * n + (False,) * (8 - n) if frozen else (False,) * 8)
    # a frozen layer is frozen in W and in b (Caffe's lr_mult 0 on both blobs)
    assert [param.frozen for param in net.params] == [flag for flag in net.frozen for _ in range(2)]


@pytest.mark.parametrize("n", range(1, 8))
def test_the_random_weights_control_freezes_layers_1_to_n_at_their_fillers(n):
    """Paper §4.3: the first n layers random (the seed's fillers) and frozen, n+1..8 trained; nothing copied."""
    net = transfer.build_net(_plan(random_frozen=n))
    filler = _filler(7)
    assert all(np.array_equal(net.weights()[name][0], filler[name][0]) for name in LAYERS)
    assert net.frozen == (True,) * n + (False,) * (8 - n)


def test_a_loaded_network_keeps_its_frozen_flags():
    """load_net gives the network a checkpoint stores, frozen flags included (mutant: every layer loaded
    trainable, which a network loaded to go on training would then fine-tune)."""
    base = _base()
    frozen = dict(zip(LAYERS, [True] * 3 + [False] * 5))
    saved = checkpoints.Checkpoint(preset="micro", weights=base.weights, frozen=frozen, meta={"config": {}})
    net = transfer.load_net(saved)
    assert net.frozen == (True,) * 3 + (False,) * 5
    assert all((layer.weight.data == k).all() for k, layer in enumerate(net.weight_layers, start=1))


def _param(name, value, lr_mult, decay_mult, velocity=0.0):
    param = Param(name, np.full(3, value, np.float32), lr_mult=lr_mult, decay_mult=decay_mult)
    param.velocity[...] = velocity
    return param


@pytest.mark.parametrize("gamma, expected", [
    # weights (lr_mult 1, decay 1) from W = 1, ∇W = 0.5, lr 0.1, momentum 0.9, decay 0.1:
    #   it 0: g = 0.5 + 0.1·1 = 0.6, V = 0.1·0.6 = 0.06, W = 0.94
    #   it 1 (lr 0.1): g = 0.5 + 0.1·0.94 = 0.594, V = 0.9·0.06 + 0.1·0.594 = 0.1134, W = 0.8266
    #   it 1 (lr 0.05, γ 0.5 at stepsize 1): V = 0.054 + 0.05·0.594 = 0.0837, W = 0.8563
    # biases (lr_mult 2, decay 0) from b = 1, ∇b = 0.5:
    #   it 0: V = 0.2·0.5 = 0.1, b = 0.9; it 1 (lr 0.1): V = 0.09 + 0.1 = 0.19, b = 0.71
    #   it 1 (lr 0.05): V = 0.09 + 0.1·0.5 = 0.14, b = 0.76
    (1.0, {"W": (0.8266, 0.1134), "b": (0.71, 0.19)}),
    (0.5, {"W": (0.8563, 0.0837), "b": (0.76, 0.14)}),
], ids=["constant-rate", "stepped-rate"])
def test_two_caffe_steps_worked_by_hand(gamma, expected):
    """Caffe's SGDSolver (supplement A): V = μV + lr·lr_mult·(∇ + wd·decay_mult·W); W -= V, the rate stepped
    by γ every stepsize iterations; a frozen blob keeps W and V (here a V of 0.3: its momentum is not spent).
    (Mutants: no decay, decay on biases, decay outside the rate, lr_mult ignored, no momentum, the rate of the
    next iteration, W += V, decay or momentum applied to frozen blobs.)"""
    weight, bias = _param("fc/W", 1.0, 1.0, 1.0), _param("fc/b", 1.0, 2.0, 0.0)
    frozen = _param("conv/W", 1.0, 1.0, 1.0, velocity=0.3)
    frozen.frozen = True
    solver = optim.Solver(base_lr=0.1, momentum=0.9, weight_decay=0.1, gamma=gamma, stepsize=1, max_iter=2)
    for iteration in range(2):
        for param in (weight, bias):
            param.grad = np.full(3, 0.5, np.float32)
        optim.step([weight, bias, frozen], solver, iteration)
    for name, param in (("W", weight), ("b", bias)):
        data, velocity = expected[name]
        np.testing.assert_allclose(param.data, data, rtol=2e-6, err_msg=name)
        np.testing.assert_allclose(param.velocity, velocity, rtol=2e-6, err_msg=name)
    assert (frozen.data == 1).all() and (frozen.velocity == np.float32(0.3)).all()


def test_the_papers_schedule_in_miniature():
    """100,000 of 450,000 scaled: 780 iterations step every round(173.3) = 173, 1560 every round(346.7) = 347;
    the rate is 0.01 up to 172, 0.001 from 173 (mutants: floor for round, a rate one iteration early)."""
    assert optim.PAPER.scaled(780) == 173 and optim.PAPER.scaled(1560) == 347
    solver = optim.Solver(stepsize=173, max_iter=780)
    assert optim.learning_rate(solver, 172) == 0.01
    assert optim.learning_rate(solver, 173) == pytest.approx(0.001, rel=1e-12)
    assert optim.learning_rate(solver, 779) == pytest.approx(1e-6, rel=1e-12)  # steps at 173, 346, 519, 692


def test_select_per_class_of_classes_of_unequal_sizes():
    """Reduced training sets (supplement B): ``per_class`` images of each class, all of a class that has fewer,
    every one of its own class; unseeded, the first ones in file order (mutants: a class's count taken from
    another class, one image too many)."""
    labels = np.array([1, 0, 1, 2, 1, 1, 2])  # class 0: image 1; class 1: images 0, 2, 4, 5; class 2: 3, 6
    assert splits.select_per_class(labels, 3).tolist() == [0, 1, 2, 3, 4, 6]
    chosen = splits.select_per_class(labels, 3, seed=11)
    assert np.bincount(labels[chosen]).tolist() == [1, 3, 2] and len(set(chosen.tolist())) == len(chosen)


def _four_classes():
    """What :class:`splits.Half` reads of a dataset: 4 classes (2 natural, 2 man-made), 2 images each."""
    classes = [{"index": i, "wnid": f"n{i:08d}", "name": f"class {i}", "family": family}
               for i, family in enumerate(["natural", "man-made", "natural", "man-made"])]
    labels = np.array([0, 1, 2, 3, 3, 2, 1, 0], np.int32)
    return types.SimpleNamespace(classes=classes, num_classes=4, subsets=("train", "val"), meta={}, path="four",
                                 labels=lambda subset: labels)


@pytest.mark.parametrize("kind, half", [("natural", "A"), ("natural", "B"), ("all", None)])
def test_a_split_drawn_without_a_seed_records_none(kind, half):
    """The natural split (by family, §4.2) and all classes draw nothing: their provenance records no seed,
    whatever seed was passed (mutant: the seed recorded for every kind, which reads as a random split's)."""
    chosen = splits.make_half(_four_classes(), kind, seed=3, half=half)
    assert chosen.seed is None and chosen.describe()["seed"] is None
    assert chosen.class_indices.tolist() == {"A": [0, 2], "B": [1, 3], None: [0, 1, 2, 3]}[half]
    assert splits.make_half(_four_classes(), "random", seed=3, half="A").describe()["seed"] == 3


def test_a_run_on_split_seed_2_trains_and_is_scored_on_that_splits_half(micro_data, tmp_path):
    """Half A of the random split of seed 2 of 4 classes is [0, 2] (convnet_transfer's draw:
    ``np.random.seed([2]); sorted(choice(arange(4), 2, replace=False))``; seed 0's is [0, 3]). A run of training
    seed 0 on split seed 2 trains on [0, 2], and eval rebuilds that half from what the checkpoint records
    (mutants: the split drawn from the training seed; eval drawing split seed 0, which refused the run's own
    checkpoint as trained on other classes)."""
    from minitransfer import evaluate
    from minitransfer import train as training

    out = tmp_path / "baseA.h5"
    training.train(training.TrainConfig(out=str(out), data=micro_data, preset="micro", half="A", seed=0,
                                        split_seed=2, batch_size=8, max_iter=2, eval_every=2, quiet=True,
                                        device="cpu"))
    assert [entry["index"] for entry in checkpoints.load(out).classes] == [0, 2]
    scores = evaluate.evaluate_checkpoint(out, device="cpu")
    assert scores["images"] == 8  # 4 validation images of each of the 2 classes
