"""Layers and Net (minitransfer/layers.py): gradients of the whole net, freezing, pruned backward,
replayable dropout, fillers."""

import numpy as np
import pytest

from minitransfer import gradcheck, models, optim
from minitransfer.layers import LRN, Conv2d, Dropout, Flatten, Linear, MaxPool2d, Pass, ReLU
from minitransfer.net import Net
from minitransfer.ops import softmax_cross_entropy

N_CLASSES = 6


def _batch(seed, n=3, dtype=np.float32):
    rng = np.random.default_rng(seed)
    x = (30 * rng.standard_normal((n, 3, 32, 32))).astype(dtype)
    labels = rng.integers(0, N_CLASSES, n).astype(np.int32)
    return x, labels


def _float64_net(seed):
    net = models.mini(N_CLASSES)
    net.initialize(seed)
    for param in net.params:
        param.data = param.data.astype(np.float64)
        param.velocity = param.velocity.astype(np.float64)
    return net


@pytest.mark.parametrize("layer_name", ["conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"])
def test_net_parameter_gradients_match_central_differences(layer_name):
    """∂loss/∂W and ∂loss/∂b of every weight layer of the mini net (training mode: dropout on), float64."""
    net = _float64_net(seed=2)
    x, labels = _batch(4, dtype=np.float64)
    layer = net.layer(layer_name)

    for param in layer.params:
        def forward(value, param=param):
            param.data = value
            loss, _ = net.forward(x, labels, train=True, iteration=3, seed=9)
            return loss, None

        def backward(dy, cache, param=param):
            net.backward()
            return (param.grad * dy,)

        start = param.data.copy()
        errors = gradcheck.gradient_errors(forward, backward, [start], wrt=[0], seed=1)
        param.data = start
        assert max(errors) <= 1e-6, (param.name, errors)


def _spy_backward(net, monkeypatch):
    calls = []
    for stage in net.stages:
        original = stage.backward

        def spy(dy, need_input_grad=True, original=original, name=stage.name):
            calls.append((name, need_input_grad))
            return original(dy, need_input_grad)

        monkeypatch.setattr(stage, "backward", spy)
    return calls


@pytest.mark.parametrize("n_frozen", [0, 1, 3, 5, 7])
def test_backward_stops_below_the_lowest_trainable_layer(n_frozen, monkeypatch):
    net = models.mini(N_CLASSES)
    net.initialize(0)
    net.freeze(n_frozen)
    calls = _spy_backward(net, monkeypatch)
    x, labels = _batch(1)

    net.forward(x, labels, train=True, iteration=0)
    net.backward()

    bottom = next(stage.name for stage in net.stages if net.weight_layers[n_frozen] in stage.layers)
    names = [name for name, _ in calls]
    assert calls[-1] == (bottom, False), "the lowest trainable layer must not compute an input gradient"
    assert all(need for _, need in calls[:-1])
    positions = [stage.name for stage in net.stages]
    assert names == positions[positions.index(bottom):][::-1]
    for layer in net.weight_layers:
        for param in layer.params:
            assert (param.grad is None) == layer.frozen, param.name


def test_caffenet_runs_as_twelve_stages_each_activation_undone_by_the_next():
    net = models.caffenet(10)
    assert [stage.name for stage in net.stages] == [
        "conv1+relu1", "pool1+norm1", "conv2+relu2", "pool2+norm2", "conv3+relu3", "conv4+relu4", "conv5+relu5",
        "pool5", "flatten", "fc6+relu6+drop6", "fc7+relu7+drop7", "fc8"]
    activations = [stage.activation for stage in net.stages]
    assert activations == ["relu", None, "relu", None, "relu", "relu", "relu", None, None, "relu_dropout",
                           "relu_dropout", None]
    assert all(before.masked_by_next and after.masks_input for before, after in zip(net.stages, net.stages[1:])
               if before.activation is not None)
    assert sum(len(stage.layers) for stage in net.stages) == len(net.layers)


def _layer_by_layer(net, x, labels, iteration, seed):
    """The unfused twin on NumPy: every layer's own forward and backward, in order, as before stages."""
    run = Pass(train=True, seed=seed, iteration=iteration, precision=net.precision, fused=False)
    for layer in net.layers:
        x = layer.forward(x, run)
    loss, cache = softmax_cross_entropy.forward(x, labels)
    (dy,) = softmax_cross_entropy.backward(1.0, cache)
    bottom = next(i for i, layer in enumerate(net.layers) if getattr(layer, "frozen", True) is False)
    for position in range(len(net.layers) - 1, bottom - 1, -1):
        dy = net.layers[position].backward(dy, need_input_grad=position > bottom)
    return loss, x


def _odd_hyper_net():
    """A small net whose LRN (k 2, α 0.01, size 3) and dropout (ratio 0.2) are not CaffeNet's: a stage
    that dropped a hyper-parameter for CaffeNet's value would still give the mini net's bits."""
    layers = [Conv2d("conv1", 3, 4, 3, pad=1, weight_std=0.1), ReLU("relu1"), MaxPool2d("pool1", 3, 2),
              LRN("norm1", 3, 0.01, 0.75, k=2.0), Flatten("flatten"), Linear("fc6", 1024, 16, weight_std=0.1),
              ReLU("relu6"), Dropout("drop6", 0.2, layer_seed=6), Linear("fc7", 16, N_CLASSES, weight_std=0.1)]
    return Net("odd", layers, (3, 32, 32))


def _mini_net():
    return models.mini(N_CLASSES)


@pytest.mark.parametrize("build", [_mini_net, _odd_hyper_net], ids=["mini", "odd-hyper"])
@pytest.mark.parametrize("precision", ["ieee", "tf32"])
@pytest.mark.parametrize("n_frozen", [0, 2])
def test_stages_compute_the_layers_bits_on_numpy(n_frozen, precision, build):
    """The fused structure changes nothing numerically: the ReLU and dropout masks taken from the next
    stage's input give the bits of each layer's own backward."""
    grads = {}
    for way in ("stages", "layers"):
        net = build()
        net.initialize(4)
        net.freeze(n_frozen)
        net.to("cpu", precision=precision)
        x, labels = _batch(6, n=5)
        if way == "stages":
            loss, logits = net.forward(x, labels, train=True, iteration=5, seed=2)
            net.backward()
        else:
            loss, logits = _layer_by_layer(net, x, labels, iteration=5, seed=2)
        grads[way] = [loss, logits] + [p.grad for p in net.params if not p.frozen]
    assert len(grads["stages"]) == len(grads["layers"]) > 2
    for a, b in zip(grads["stages"], grads["layers"]):
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes()


def test_frozen_flags_and_freeze_bounds():
    net = models.mini(N_CLASSES)
    net.freeze(4)
    assert net.frozen == (True,) * 4 + (False,) * 4
    assert all(p.frozen for layer in net.weight_layers[:4] for p in layer.params)
    with pytest.raises(ValueError, match="0..7"):
        net.freeze(8)
    with pytest.raises(ValueError, match=r"can freeze 0..7 layers, got 2.5"):
        net.freeze(2.5)  # a notebook's n: not silently three layers


def test_all_frozen_net_refuses_to_train():
    net = models.mini(N_CLASSES)
    net.initialize(0)
    for layer in net.weight_layers:
        layer.frozen = True
    x, labels = _batch(2)
    with pytest.raises(ValueError, match="every weight layer is frozen"):
        net.forward(x, labels, train=True)


def test_dropout_masks_replay_from_seed_and_iteration():
    net = models.mini(N_CLASSES)
    net.initialize(1)
    x, labels = _batch(5, n=8)
    logits = lambda **kw: net.forward(x, labels, **kw)[1].copy()  # noqa: E731
    first = logits(train=True, iteration=12, seed=3)
    assert np.array_equal(first, logits(train=True, iteration=12, seed=3))
    assert not np.allclose(first, logits(train=True, iteration=13, seed=3))
    assert not np.allclose(first, logits(train=True, iteration=12, seed=4))
    evaluation = logits(train=False)
    assert np.array_equal(evaluation, logits(train=False, iteration=99, seed=7))
    assert not np.allclose(first, evaluation)


def test_initialize_draws_each_layer_from_its_own_stream():
    fresh = models.mini(N_CLASSES)
    fresh.initialize(8)
    net = models.mini(N_CLASSES)
    net.initialize(2)
    net.initialize(8, layers=["conv3", "fc7"])
    for name in fresh.weight_layer_names:
        same = np.array_equal(net.layer(name).weight.data, fresh.layer(name).weight.data)
        assert same == (name in ("conv3", "fc7")), name



def test_no_two_layers_start_from_the_same_draws():
    """Each layer's gaussian filler is its own stream: no layer's standardized weights repeat another's
    first draws (one generator restarted per layer would make fc7 a prefix of fc6, conv4 of conv3)."""
    net = models.mini(N_CLASSES)
    net.initialize(8)
    draws = [layer.weight.data.ravel() / np.float32(layer.weight_std) for layer in net.weight_layers]
    for i, first in enumerate(draws):
        for j, second in enumerate(draws[i + 1:], start=i + 1):
            count = min(first.size, second.size)
            assert not np.allclose(first[:count], second[:count], rtol=1e-4), \
                (net.weight_layer_names[i], net.weight_layer_names[j])


def test_a_dropout_layer_in_evaluation_is_the_identity():
    x = np.arange(1.0, 13.0, dtype=np.float32).reshape(3, 4)
    layer = Dropout("drop", 0.5, layer_seed=6)
    np.testing.assert_array_equal(layer.forward(x, Pass(train=False, seed=3, iteration=7)), x)
    trained = layer.forward(x, Pass(train=True, seed=3, iteration=7))
    assert 0 < np.count_nonzero(trained) < x.size, "the training pass drops some elements"


def test_a_frozen_layer_between_trainable_ones_gets_no_gradient_and_no_update():
    """Caffe's lr_mult 0 on one middle layer: backward runs through it (layers below train) but it
    takes no parameter gradient, and a solver step leaves it and its momentum as they were."""
    net = models.mini(N_CLASSES)
    net.initialize(3)
    net.layer("conv3").frozen = True
    before = {p.name: (p.data.copy(), p.velocity.copy()) for p in net.params}
    x, labels = _batch(7)
    net.forward(x, labels, train=True, iteration=0)
    net.backward()
    optim.step(net.params, optim.Solver(base_lr=0.05), iteration=0)
    for layer in net.weight_layers:
        for param in layer.params:
            unchanged = all(np.array_equal(a, b) for a, b in zip(before[param.name], (param.data, param.velocity)))
            assert (param.grad is None) == unchanged == (layer.name == "conv3"), param.name

def test_set_weights_names_layer_and_shapes():
    net = models.mini(N_CLASSES)
    with pytest.raises(ValueError, match=r"conv2/W: expected shape \(32, 8, 5, 5\), got \(32, 16, 5, 5\)"):
        net.layer("conv2").set_weights(np.zeros((32, 16, 5, 5), np.float32), np.zeros(32, np.float32))


def test_input_shape_is_checked():
    net = models.mini(N_CLASSES)
    net.initialize(0)
    with pytest.raises(ValueError, match=r"\(N, 3, 32, 32\)"):
        net.forward(np.ones((2, 3, 31, 31), np.float32), np.zeros(2, np.int32), train=False)


def test_duplicate_layer_names_are_rejected():
    with pytest.raises(ValueError, match="unique"):
        Net("bad", [Conv2d("conv1", 3, 4, 3), ReLU("conv1"), Linear("fc", 4, 2)], (3, 3, 3))


def test_precision_reaches_every_product_of_forward_and_backward(monkeypatch):
    """Net.to(..., precision=...) sets how conv and fc layers multiply: each op is called with it,
    the loss moves by about TF32's rounding, and a bad name is refused by to()."""
    from minitransfer.ops import conv2d, linear

    seen = []
    for op in (conv2d, linear):
        real = op.forward
        monkeypatch.setattr(op, "forward", lambda *args, real=real, **kwargs: seen.append(kwargs["precision"])
                            or real(*args, **kwargs))
    x, labels = _batch(5)
    losses = {}
    for mode in ("ieee", "tf32x3", "tf32"):
        net = models.mini(N_CLASSES)
        net.initialize(3)
        net.to("cpu", precision=mode)
        seen.clear()
        losses[mode], _ = net.forward(x, labels, train=True, iteration=1, seed=2)
        assert seen == [mode] * 8
        net.backward()
        assert all(layer.weight.grad is not None for layer in net.weight_layers)
    assert losses["tf32x3"] != losses["tf32"]
    assert abs(float(losses["tf32x3"]) - float(losses["ieee"])) < 1e-5 * abs(float(losses["ieee"]))
    assert 0 < abs(float(losses["tf32"]) - float(losses["ieee"])) < 1e-2 * abs(float(losses["ieee"]))
    with pytest.raises(ValueError, match=r"net mini: precision must be one of ieee, tf32x3, tf32, got 'bf16'"):
        models.mini(N_CLASSES).to("cpu", precision="bf16")
