"""The NumPy reference against an independent implementation of the same conventions: PyTorch on
the CPU in float64 (``max_pool2d(ceil_mode=True)`` and ``local_response_norm`` follow Caffe, as
DESIGN.md §1 notes). Skipped where PyTorch is not installed (it is no dependency of minitransfer).

LRN is compared for odd sizes only: for even sizes PyTorch centres its window one channel lower
than Caffe's ``[c − ⌊(size−1)/2⌋, c + ⌊size/2⌋]``, which minitransfer follows.
"""

import numpy as np
import pytest

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
    [(2, 3, 19, 19, 8, 11, 4, 0, 1), (3, 4, 9, 7, 6, 5, 1, 2, 2), (1, 6, 7, 8, 9, 3, 2, 1, 3), (2, 2, 1, 1, 3, 1, 1, 0, 1)],
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
    [((2, 3, 13, 13), 3, 2, 0), ((1, 2, 8, 8), 3, 2, 0), ((2, 2, 7, 10), 3, 3, 1), ((1, 1, 6, 6), 2, 2, 1), ((3, 2, 55, 55), 3, 2, 0)],
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
