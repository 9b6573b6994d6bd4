"""The presets of minitransfer/models.py: CaffeNet exactly as DESIGN.md §1, and the mini net."""

import numpy as np
import pytest
from oracles import WEIGHT_LAYERS, stream_key

from minitransfer import models
from minitransfer.layers import LRN, Conv2d, Dropout, Linear, MaxPool2d, ReLU



def _kinds(net):
    return [type(layer).__name__ for layer in net.layers]


def test_caffenet_has_60965224_parameters_at_1000_outputs():
    assert models.caffenet(1000).parameter_count() == 60_965_224


def test_caffenet_graph_is_the_reference_one():
    net = models.caffenet(1000)
    assert net.weight_layer_names == WEIGHT_LAYERS
    assert [layer.name for layer in net.layers] == [
        "conv1", "relu1", "pool1", "norm1", "conv2", "relu2", "pool2", "norm2", "conv3", "relu3",
        "conv4", "relu4", "conv5", "relu5", "pool5", "flatten", "fc6", "relu6", "drop6",
        "fc7", "relu7", "drop7", "fc8"]
    shapes = dict(net.shapes())
    assert shapes["conv1"] == (96, 55, 55)
    assert shapes["pool1"] == shapes["norm1"] == (96, 27, 27)
    assert shapes["conv2"] == (256, 27, 27)
    assert shapes["norm2"] == (256, 13, 13)
    assert shapes["conv3"] == shapes["conv4"] == (384, 13, 13)
    assert shapes["conv5"] == (256, 13, 13)
    assert shapes["pool5"] == (256, 6, 6) and shapes["flatten"] == (9216,)
    assert shapes["fc6"] == shapes["fc7"] == (4096,) and shapes["fc8"] == (1000,)
    conv = {layer.name: layer for layer in net.weight_layers if isinstance(layer, Conv2d)}
    assert [(c.stride, c.pad, c.groups) for c in conv.values()] == [
        (4, 0, 1), (1, 2, 2), (1, 1, 1), (1, 1, 2), (1, 1, 2)]
    assert [c.weight.data.shape for c in conv.values()] == [
        (96, 3, 11, 11), (256, 48, 5, 5), (384, 256, 3, 3), (384, 192, 3, 3), (256, 192, 3, 3)]
    for layer in net.layers:
        if isinstance(layer, MaxPool2d):
            assert (layer.size, layer.stride, layer.pad) == (3, 2, 0)
        if isinstance(layer, LRN):
            assert (layer.size, layer.alpha, layer.beta, layer.k) == (5, 1e-4, 0.75, 1.0)
        if isinstance(layer, Dropout):
            assert layer.ratio == 0.5
    assert [isinstance(net.layer(name), Linear) for name in ("fc6", "fc7", "fc8")] == [True] * 3



@pytest.mark.parametrize("preset", ["caffenet", "mini"])
def test_each_dropout_layer_draws_its_own_masks(preset):
    """drop6 and drop7 (both over 4096 units in CaffeNet) must not share a stream: one layer seed for
    both would drop the same units of fc6 and fc7 at every iteration."""
    net = models.get(preset).build(10)
    dropouts = [layer for layer in net.layers if isinstance(layer, Dropout)]
    assert len(dropouts) == 2
    keys = {stream_key(seed, layer.layer_seed) for layer in dropouts for seed in (0, 1)}
    assert len(keys) == 4

def test_caffenet_fillers_are_caffes():
    net = models.caffenet(50)
    net.initialize(0)
    expected = {"conv1": (0.01, 0), "conv2": (0.01, 1), "conv3": (0.01, 0), "conv4": (0.01, 1),
                "conv5": (0.01, 1), "fc6": (0.005, 1), "fc7": (0.005, 1), "fc8": (0.01, 0)}
    for name, (std, bias) in expected.items():
        layer = net.layer(name)
        w = layer.weight.data
        assert w.dtype == np.float32
        assert abs(float(w.mean())) < 4 * std / np.sqrt(w.size)
        assert float(w.std()) == pytest.approx(std, rel=0.05), name
        assert np.all(layer.bias.data == bias), name
        assert (layer.weight.lr_mult, layer.weight.decay_mult) == (1.0, 1.0)
        assert (layer.bias.lr_mult, layer.bias.decay_mult) == (2.0, 0.0)


@pytest.mark.parametrize("outputs", [1000, 500, 7])
def test_fc8_outputs(outputs):
    assert models.caffenet(outputs).num_outputs == outputs
    assert models.mini(outputs).num_outputs == outputs


@pytest.mark.parametrize("preset", ["caffenet", "mini", "micro"])
@pytest.mark.parametrize("outputs", [0, -3, 2.0, "5"], ids=["zero", "negative", "float", "text"])
def test_fc8_outputs_must_be_a_positive_integer(preset, outputs):
    with pytest.raises(ValueError, match=rf"fc8: every size of W must be an integer >= 1, got W shape \({outputs!r}, "):
        models.get(preset).build(outputs)


def test_mini_keeps_the_layer_kinds_of_caffenet():
    mini, caffenet = models.mini(10), models.caffenet(10)
    assert _kinds(mini) == _kinds(caffenet)
    assert mini.weight_layer_names == WEIGHT_LAYERS
    assert [layer.groups for layer in mini.weight_layers[:5]] == [1, 2, 1, 2, 2]
    assert mini.input_shape == (3, 32, 32)


def test_mini_forward_gives_logits_per_class():
    net = models.mini(9)
    net.initialize(0)
    rng = np.random.default_rng(0)
    x = (30 * rng.standard_normal((5, 3, 32, 32))).astype(np.float32)
    loss, logits = net.forward(x, rng.integers(0, 9, 5).astype(np.int32), train=False)
    assert logits.shape == (5, 9) and logits.dtype == np.float32
    assert np.isfinite(float(loss))
    assert dict(net.shapes())["fc8"] == (9,)
    assert [type(layer) for layer in net.layers[:4]] == [Conv2d, ReLU, MaxPool2d, LRN]


@pytest.mark.parametrize("size, preset", [((32, 32), "mini"), ((36, 36), "mini"), ((64, 64), "mini"),
                                          ((65, 65), "caffenet"), ((256, 256), "caffenet")],
                         ids=lambda v: str(v))
def test_preset_follows_the_stored_image_size(size, preset):
    assert models.preset_for_image_size(size).name == preset


def test_the_words_for_the_default_presets_agree_with_the_choice():
    """--preset's help says which preset each image size gets; it must be what train chooses."""
    assert models.image_size_defaults() == "micro up to 31 px, mini 32-64 px, caffenet above 64 px"
    assert [models.preset_for_image_size((side, side)).name for side in (14, 31, 32, 64, 65)] == \
        ["micro", "micro", "mini", "mini", "caffenet"]


def test_presets_build_their_network():
    for name, preset in models.PRESETS.items():
        net = preset.build(12)
        assert net.preset == name
        assert net.input_shape == (3, preset.crop, preset.crop)
    assert models.PRESETS["caffenet"].max_iter == 450_000 and models.PRESETS["caffenet"].batch_size == 256
