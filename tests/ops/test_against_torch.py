"""The NumPy reference against an independent implementation of the same conventions: PyTorch on
the CPU in float64 (``max_pool2d(ceil_mode=True)`` and ``local_response_norm`` follow Caffe, as
DESIGN.md §1 notes). Skipped where PyTorch is not installed (it is no dependency of minitransfer).

The PyTorch twin of a whole net that benchmarks/iteration.py races against is checked here too.

LRN is compared for odd sizes only: for even sizes PyTorch centres its window one channel lower
than Caffe's ``[c − ⌊(size−1)/2⌋, c + ⌊size/2⌋]``, which minitransfer follows.
"""

import pathlib
import sys

import numpy as np
import pytest

from minitransfer import models, optim
from minitransfer.ops import conv2d, linear, lrn, max_pool2d, relu, softmax_cross_entropy

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _both(rng, shape):
    a = rng.standard_normal(shape)
    return a, torch.tensor(a, requires_grad=True)


def _check(ours, theirs):
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "n,c,h,w,k,r,stride,pad,groups",
    [(2, 3, 19, 19, 8, 11, 4, 0, 1), (3, 4, 9, 7, 6, 5, 1, 2, 2), (1, 6, 7, 8, 9, 3, 2, 1, 3),
     (2, 2, 1, 1, 3, 1, 1, 0, 1)],
    ids=["k11s4", "k5p2g2", "k3s2p1g3", "1x1"],
)
def test_conv2d_matches_torch(n, c, h, w, k, r, stride, pad, groups):
    rng = np.random.default_rng(1)
    x, tx = _both(rng, (n, c, h, w))
    wt, tw = _both(rng, (k, c // groups, r, r))
    b, tb = _both(rng, (k,))
    y, cache = conv2d.forward(x, wt, b, stride=stride, pad=pad, groups=groups)
    ty = F.conv2d(tx, tw, tb, stride=stride, padding=pad, groups=groups)
    _check(y, ty)
    dy = rng.standard_normal(y.shape)
    ty.backward(torch.tensor(dy))
    for ours, theirs in zip(conv2d.backward(dy, cache), (tx, tw, tb)):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "shape,size,stride,pad",
    [((2, 3, 13, 13), 3, 2, 0), ((1, 2, 8, 8), 3, 2, 0), ((2, 2, 7, 10), 3, 3, 1), ((1, 1, 6, 6), 2, 2, 1),
     ((3, 2, 55, 55), 3, 2, 0)],
    ids=["caffenet13", "overhang", "s3p1", "k2p1", "caffenet55"],
)
def test_max_pool2d_matches_torch_ceil_mode(shape, size, stride, pad):
    rng = np.random.default_rng(2)
    x = rng.permutation(np.prod(shape)).reshape(shape).astype(np.float64) / 7.0
    tx = torch.tensor(x, requires_grad=True)
    y, cache = max_pool2d.forward(x, size=size, stride=stride, pad=pad)
    ty = F.max_pool2d(tx, size, stride, pad, ceil_mode=True)
    _check(y, ty)
    dy = rng.standard_normal(y.shape)
    ty.backward(torch.tensor(dy))
    np.testing.assert_allclose(max_pool2d.backward(dy, cache)[0], tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "channels,size,alpha,beta,k",
    [(16, 5, 1e-4, 0.75, 1.0), (3, 5, 1.0, 0.75, 1.0), (7, 1, 1.0, 0.5, 2.0), (9, 3, 0.5, 1.5, 1.0)],
    ids=["caffenet", "fewer-channels-than-size", "size1", "size3-beta1.5"],
)
def test_lrn_matches_torch(channels, size, alpha, beta, k):
    rng = np.random.default_rng(3)
    x, tx = _both(rng, (2, channels, 3, 4))
    y, cache = lrn.forward(x, size=size, alpha=alpha, beta=beta, k=k)
    ty = F.local_response_norm(tx, size, alpha=alpha, beta=beta, k=k)
    _check(y, ty)
    dy = rng.standard_normal(y.shape)
    ty.backward(torch.tensor(dy))
    np.testing.assert_allclose(lrn.backward(dy, cache)[0], tx.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_relu_linear_and_softmax_cross_entropy_match_torch():
    rng = np.random.default_rng(4)
    x, tx = _both(rng, (5, 7))
    w, tw = _both(rng, (3, 7))
    b, tb = _both(rng, (3,))
    labels = np.array([0, 2, 1, 2, 0])
    hidden, relu_cache = relu.forward(x)
    logits, linear_cache = linear.forward(hidden, w, b)
    loss, loss_cache = softmax_cross_entropy.forward(logits, labels)
    tloss = F.cross_entropy(F.linear(F.relu(tx), tw, tb), torch.tensor(labels))
    np.testing.assert_allclose(float(loss), tloss.item(), rtol=1e-12)
    tloss.backward()
    (dlogits,) = softmax_cross_entropy.backward(np.float64(1.0), loss_cache)
    dhidden, dw, db = linear.backward(dlogits, linear_cache)
    (dx,) = relu.backward(dhidden, relu_cache)
    for ours, theirs in ((dx, tx), (dw, tw), (db, tb)):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


# The PyTorch twin of a whole net (benchmarks/torch_caffenet.py), the reference of the head-to-head
# in benchmarks/iteration.py: same outputs, same gradients, same Caffe SGD steps, in float64.

BENCHMARKS = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"


def _float64_net(net, seed, n_frozen=0, dropout=None):
    net.initialize(seed)
    net.freeze(n_frozen)
    for param in net.params:
        param.data, param.velocity = param.data.astype(np.float64), param.velocity.astype(np.float64)
    for layer in net.layers:
        if dropout is not None and hasattr(layer, "ratio"):
            layer.ratio = dropout
    return net


def _twin(net, solver):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import torch_caffenet
    finally:
        sys.path.remove(str(BENCHMARKS))
    return torch_caffenet.build(net, solver, torch, dtype=torch.float64), torch_caffenet


def test_torch_twin_of_caffenet_computes_the_same_forward():
    net = _float64_net(models.caffenet(10), seed=1)
    (model, _), _ = _twin(net, optim.Solver())
    x = np.random.default_rng(5).standard_normal((2, 3, 227, 227)) * 40
    labels = np.array([3, 7], dtype=np.int32)
    loss, logits = net.forward(x, labels, train=False)
    model.eval()
    theirs = model(torch.from_numpy(x))
    np.testing.assert_allclose(logits, theirs.detach().numpy(), rtol=1e-9, atol=1e-9 * np.abs(logits).max())
    np.testing.assert_allclose(float(loss), F.cross_entropy(theirs, torch.from_numpy(labels).long()).item(), rtol=1e-10)


@pytest.mark.parametrize("n_frozen", [0, 3])
def test_torch_twin_trains_like_ours(n_frozen):
    """Three SGD steps (momentum, weight decay, bias multipliers, frozen layers), dropout off so
    both sides see the same function: every weight and bias agrees after each step."""
    solver = optim.Solver(base_lr=0.05)
    net = _float64_net(models.mini(6), seed=2, n_frozen=n_frozen, dropout=0.0)
    (model, optimizer), torch_caffenet = _twin(net, solver)
    step = torch_caffenet.train_step(model, optimizer, torch)
    rng = np.random.default_rng(6)
    frozen_before = [w.copy() for w, _ in list(net.weights().values())[:n_frozen]]
    for iteration in range(3):
        x = rng.standard_normal((4, 3, 32, 32)) * 30
        labels = rng.integers(0, 6, 4).astype(np.int32)
        net.forward(x, labels, train=True, iteration=iteration)
        net.backward()
        optim.step(net.params, solver, iteration)
        step(torch.from_numpy(x), torch.from_numpy(labels).long())
        twins = [m for m in model if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
        for (name, (w, b)), module in zip(net.weights().items(), twins):
            np.testing.assert_allclose(w, module.weight.detach().numpy(), rtol=1e-9, atol=1e-12, err_msg=name)
            np.testing.assert_allclose(b, module.bias.detach().numpy(), rtol=1e-9, atol=1e-12, err_msg=name)
    for before, (w, _) in zip(frozen_before, net.weights().values()):
        np.testing.assert_array_equal(before, w)
