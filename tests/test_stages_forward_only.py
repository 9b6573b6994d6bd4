"""A pass that no backward follows (an evaluation; the frozen stages below the lowest trainable one)
pools without an argmax on NumPy (``max_pool2d.output``, minitransfer/stages.py), and changes no bit:
the logits, loss, gradients and updated weights of the full forward everywhere."""

import numpy as np
import pytest

from minitransfer import models, optim
from minitransfer.ops import max_pool2d

N_CLASSES = 5
POOLS = ("pool1+norm1", "pool2+norm2", "pool5")  # the micro net's pooling stages, in order


def _batch(seed, n=7):
    rng = np.random.default_rng(seed)
    x = (60 * rng.standard_normal((n, 3, 12, 12))).astype(np.float32)
    return x, rng.integers(0, N_CLASSES, n).astype(np.int32)


def _micro(n_frozen):
    net = models.micro(N_CLASSES)
    net.initialize(3)
    net.freeze(n_frozen)
    return net


def _count_pools(monkeypatch, fast=True):
    """Record which pooling op each pass calls ("output" or "forward", max_pool2d_lrn's inner one
    included); with ``fast`` False, ``output`` is the full forward's output (the path before it)."""
    calls = []
    forward, output = max_pool2d.forward, max_pool2d.output

    def spy_forward(*args, **kwargs):
        calls.append("forward")
        return forward(*args, **kwargs)

    def spy_output(*args, **kwargs):
        calls.append("output")
        return output(*args, **kwargs) if fast else forward(*args, **kwargs)[0]

    monkeypatch.setattr(max_pool2d, "forward", spy_forward)
    monkeypatch.setattr(max_pool2d, "output", spy_output)
    return calls


@pytest.mark.parametrize("n_frozen, argmax_from", [(0, 0), (1, 1), (2, 2), (4, 2), (5, 3), (7, 3)])
def test_pools_below_the_lowest_trainable_stage_find_no_argmax(n_frozen, argmax_from, monkeypatch):
    """Training: the pools under the lowest trainable weight layer take the forward-only op, those above
    it the full forward (their argmax is backward's); evaluation: every pool forward-only."""
    net = _micro(n_frozen)
    calls = _count_pools(monkeypatch)
    x, labels = _batch(1)
    net.forward(x, labels, train=True)
    assert calls == ["output"] * argmax_from + ["forward"] * (len(POOLS) - argmax_from)
    net.backward()
    calls.clear()
    net.forward(x, labels, train=False)
    assert calls == ["output"] * len(POOLS)


def _train(n_frozen, monkeypatch, fast):
    """Three iterations with an evaluation after each; every logit, loss, gradient and weight seen."""
    with monkeypatch.context() as patch:
        _count_pools(patch, fast)
        net = _micro(n_frozen)
        solver = optim.Solver(base_lr=0.05)
        seen = []
        for iteration in range(3):
            x, labels = _batch(10 + iteration)
            loss, logits = net.forward(x, labels, train=True, iteration=iteration, seed=1)
            net.backward()
            seen += [loss, logits] + [param.grad.copy() for param in net.params if param.grad is not None]
            optim.step(net.params, solver, iteration)
            seen += [param.data.copy() for param in net.params]  # as of this iteration: updated in place
            seen += list(net.forward(*_batch(20), train=False))
        return [np.asarray(a).tobytes() for a in seen]


@pytest.mark.parametrize("n_frozen", [0, 2, 5])
def test_forward_only_pools_change_no_bit(n_frozen, monkeypatch):
    assert _train(n_frozen, monkeypatch, fast=True) == _train(n_frozen, monkeypatch, fast=False)
