"""``minitransfer eval``'s top-1, top-5 and loss against an independent computation: the checkpoint's
weights read with plain h5py, the half's validation images picked from the dataset by the classes
the checkpoint records, Caffe's centre crop minus the mean image, and a float64 NumPy forward of the
``micro`` graph written out here (convolution with groups, max pooling with Caffe's ceil rule,
cross-channel LRN, ReLU, linear, softmax cross-entropy), at batch sizes that split the images
unevenly, one image a batch, and more than there are images."""

import json

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import dataset as datasets
from minitransfer.data import synthetic

# micro's graph, written out from its docstring and DESIGN.md §1: (kind, layer, hyper-parameters)
MICRO = [("conv", "conv1", {"pad": 1, "groups": 1}), ("relu",), ("pool",), ("lrn",),
         ("conv", "conv2", {"pad": 1, "groups": 2}), ("relu",), ("pool",), ("lrn",),
         ("conv", "conv3", {"pad": 1, "groups": 1}), ("relu",),
         ("conv", "conv4", {"pad": 1, "groups": 2}), ("relu",),
         ("conv", "conv5", {"pad": 1, "groups": 2}), ("relu",), ("pool",), ("flatten",),
         ("linear", "fc6"), ("relu",), ("linear", "fc7"), ("relu",), ("linear", "fc8")]


def conv(x, w, b, pad, groups):
    """Stride-1 convolution, ``w`` (K, C/g, R, S), by explicit shifts; float64."""
    n, c, h, width = x.shape
    k, per_group, r, s = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out_h, out_w = h + 2 * pad - r + 1, width + 2 * pad - s + 1
    y = np.zeros((n, k, out_h, out_w))
    outputs = k // groups
    for g in range(groups):
        xg = x[:, g * per_group:(g + 1) * per_group]
        for i in range(r):
            for j in range(s):
                patch = xg[:, :, i:i + out_h, j:j + out_w]  # N,C/g,P,Q
                y[:, g * outputs:(g + 1) * outputs] += np.einsum("ncpq,kc->nkpq", patch,
                                                                 w[g * outputs:(g + 1) * outputs, :, i, j])
    return y + b[None, :, None, None]


def max_pool(x, size=3, stride=2):
    """Caffe's max pooling: ceil((H - size) / stride) + 1 outputs a side, the last window clipped."""
    h, width = x.shape[2:]
    out_h, out_w = -(-(h - size) // stride) + 1, -(-(width - size) // stride) + 1
    y = np.empty(x.shape[:2] + (out_h, out_w))
    for p in range(out_h):
        for q in range(out_w):
            y[:, :, p, q] = x[:, :, p * stride:p * stride + size, q * stride:q * stride + size].max(axis=(2, 3))
    return y


def lrn(x, size=5, alpha=1e-4, beta=0.75, k=1.0):
    """Across channels: x * (k + alpha/size * sum of x^2 over channels c-2..c+2)^-beta."""
    squares = np.pad(x * x, ((0, 0), (size // 2, size // 2), (0, 0), (0, 0)))
    window = sum(squares[:, i:i + x.shape[1]] for i in range(size))
    return x * (k + alpha / size * window) ** -beta


def reference_scores(weights, x, labels):
    """Top-1, top-5 and mean loss of the micro network ``weights`` on NCHW images ``x``."""
    for step in MICRO:
        if step[0] == "conv":
            x = conv(x, *weights[step[1]], **step[2])
        elif step[0] == "linear":
            w, b = weights[step[1]]
            x = x @ w.T + b
        elif step[0] == "flatten":
            x = x.reshape(x.shape[0], -1)
        else:
            x = {"relu": lambda v: np.maximum(v, 0), "pool": max_pool, "lrn": lrn}[step[0]](x)
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    true = x[np.arange(len(labels)), labels]
    at_least = (x >= true[:, None]).sum(axis=1) - 1  # other classes >= the true one: Caffe's ties count against
    return {"top1": float(np.mean(at_least < 1)), "top5": float(np.mean(at_least < 5)),
            "loss": float(-log_probs[np.arange(len(labels)), labels].mean()), "margin": _margin(x, labels)}


def _margin(logits, labels):
    """The smallest gap between an image's true logit and its best other one (a near tie would make
    top-1 depend on float32 rounding)."""
    others = logits.copy()
    others[np.arange(len(labels)), labels] = -np.inf
    return float(np.abs(logits[np.arange(len(labels)), labels] - others.max(axis=1)).min())


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A micro network trained on half A of a random split of 8 classes of 15 px images (their centre
    crop starts at pixel 1, (15 - 12) // 2), 5 validation images a class: 20 in the half."""
    folder = tmp_path_factory.mktemp("oracle")
    data = folder / "synthetic-8"
    synthetic.build_synthetic(data, classes=8, train_per_class=12, val_per_class=5, size=15, seed=4)
    net = folder / "baseA.h5"
    training.train(config.TrainConfig(out=str(net), data=str(data), preset="micro", split="random", half="A",
                                      batch_size=8, max_iter=24, eval_every=24, seed=2, quiet=True, device="cpu"))
    return net, data


def independent_scores(net, data):
    """The half's validation images and labels, chosen by the classes ``net`` records, scored by
    :func:`reference_scores` with the weights and mean image read by h5py."""
    with h5py.File(net, "r") as f:
        weights = {name: (f["weights"][name]["W"][...].astype(np.float64), f["weights"][name]["b"][...])
                   for name in f["weights"]}
        mean = f["mean"][...].astype(np.float64)
        classes = [entry["index"] for entry in json.loads(f.attrs["classes"])]
    dataset = datasets.open_dataset(data)
    stored = dataset.labels("val")
    chosen = np.flatnonzero(np.isin(stored, classes))
    labels = np.array([classes.index(label) for label in stored[chosen]])
    crops = (dataset.images("val", chosen).astype(np.float64) - mean)[:, 1:13, 1:13]  # N,12,12,3
    return reference_scores(weights, crops.transpose(0, 3, 1, 2), labels) | {"images": len(chosen)}


@pytest.mark.parametrize("batch_size", [1, 7, 1000], ids=["batch1", "batch7-uneven", "batch1000-beyond"])
def test_eval_scores_as_an_independent_forward_of_the_half(trained, batch_size):
    net, data = trained
    expected = independent_scores(net, data)
    assert expected["images"] == 20 and expected["margin"] > 1e-3  # no near tie: top-1 is unambiguous
    assert 0 < expected["top1"] < 1  # a score that can be wrong both ways
    result = CliRunner().invoke(main, ["eval", str(net), "--json", "--device", "cpu", "--batch-size",
                                       str(batch_size)])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert scores["images"] == expected["images"]
    assert scores["top1"] == pytest.approx(expected["top1"], abs=1e-12)
    assert scores["top5"] == pytest.approx(expected["top5"], abs=1e-12)
    assert scores["loss"] == pytest.approx(expected["loss"], rel=1e-5)
