"""Inverted dropout with a counter-based mask (Hinton et al. 2012; Caffe's DropoutLayer).

Training keeps each element independently with probability ``1 − ratio`` and rescales it, so the
expected output equals the input and evaluation needs no rescaling::

    kept_i = random_bits(seed, counter, i) >= threshold,  threshold = min(round(ratio·2^32), 2^32 − 1)
    y_i    = x_i · scale if kept_i else 0,                 scale = 1 / (1 − ratio) rounded to x's dtype
    dx_i   = dy_i · scale if kept_i else 0

``i`` is the flat (C-order) index and ``random_bits`` is :func:`minitransfer.counter_rng.random_bits`,
which the kernels reproduce bit for bit, so the CPU and the GPU drop the same elements for the same
``(seed, counter)``. Evaluation (``train=False``) is the identity: ``y`` is ``x`` itself, ``dx`` is
``dy`` itself (no copies).

The mask is never stored: the cache holds the seed, counter, threshold and scale, and ``backward``
draws the same bits again (inside the backward kernel on the GPU). One hash per element is cheaper
than keeping a mask alive between forward and backward.
"""

from typing import NamedTuple

import numpy as np

from minitransfer import counter_rng, cuda
from minitransfer.ops import _check
from minitransfer.ops.gemm import Epilogue

KERNEL_FILE = "dropout"
KERNELS = ("dropout_forward", "dropout_backward")
THREADS = 256
MAX_BLOCKS = 65536


class DropoutCache(NamedTuple):
    train: bool
    shape: tuple
    seed: int
    counter: int
    threshold: int
    scale: np.generic  # in x's dtype; None in evaluation


class Draw(NamedTuple):
    """Which mask a training dropout draws: ``ratio``, the stream ``seed`` and the ``counter``
    (the iteration). ``device_counter``: a CuPy uint32 array whose [0] holds the same counter, which
    fused kernels read on the device instead (a CUDA graph replays the same arguments every
    iteration); None where nothing fused needs it."""

    ratio: float
    seed: int
    counter: int
    device_counter: object = None


def epilogue(draw, dtype):
    """The ``gemm.Epilogue`` of a ReLU followed by this dropout (the fused fully connected layers)."""
    if draw.device_counter is None:
        raise ValueError("dropout: a fused dropout reads its counter on the device; Draw.device_counter is missing")
    seed = _check.positive_int("dropout", "seed", draw.seed, minimum=0)
    _check_ratio(draw.ratio, "a fused dropout after a ReLU")
    return Epilogue.relu_dropout(seed & counter_rng.MASK32, draw.device_counter, keep_threshold(draw.ratio),
                                 scale(draw.ratio, dtype))


def _check_ratio(ratio, where):
    if isinstance(ratio, bool) or not 0 <= float(ratio) < 1:
        raise ValueError(f"dropout: ratio must lie in [0, 1), got {ratio!r} ({where})")


def scale(ratio, dtype):
    """The inverted dropout's scale 1 / (1 − ratio), rounded to ``dtype``."""
    return np.dtype(dtype).type(1.0 / (1.0 - float(ratio)))


def keep_threshold(ratio):
    """The uint32 threshold ``min(round(ratio·2^32), 2^32 − 1)``: an element is kept iff its bits are >= it."""
    return min(int(round(float(ratio) * 2**32)), counter_rng.MASK32)


def forward(x, ratio=0.5, train=True, seed=0, counter=0):
    """Inverted dropout of ``x`` (any shape, float32/float64, NumPy or CuPy) → ``(y, cache)``.

    >>> y, cache = forward(np.ones((2, 3), np.float32), ratio=0.5, seed=1, counter=7)
    """
    _check.array("dropout", "x", x)
    seed = _check.positive_int("dropout", "seed", seed, minimum=0)
    counter = _check.positive_int("dropout", "counter", counter, minimum=0)
    _check_ratio(ratio, f"x shape {tuple(x.shape)}")
    if x.size > counter_rng.MASK32:
        raise ValueError(f"dropout: x must have fewer than 2**32 elements, got shape {tuple(x.shape)}")
    if not train:
        return x, DropoutCache(False, tuple(x.shape), 0, 0, 0, None)
    cache = DropoutCache(True, tuple(x.shape), seed, counter, keep_threshold(ratio), scale(ratio, x.dtype))
    if cuda.is_cuda_array(x):
        return _apply_cuda("dropout_forward", x, cache), cache
    return _apply_numpy(x, cache), cache


def backward(dy, cache):
    """Gradient of :func:`forward`: ``(dx,)`` with ``dx = dy·scale`` where kept, else 0."""
    if not cache.train:
        return (dy,)
    _check.array("dropout", "dy", dy)
    _check.shape("dropout", "dy", dy, cache.shape)
    if np.dtype(dy.dtype) != cache.scale.dtype:
        raise ValueError(f"dropout: dy must have the forward input's dtype {cache.scale.dtype}, "
                         f"got {dy.dtype} (shape {tuple(dy.shape)})")
    if cuda.is_cuda_array(dy):
        return (_apply_cuda("dropout_backward", dy, cache),)
    return (_apply_numpy(dy, cache),)


def kept_mask(cache):
    """Boolean NumPy mask of the elements a training forward kept: ``random_bits(...) >= threshold``."""
    size = int(np.prod(cache.shape, dtype=np.int64))
    bits = counter_rng.random_bits(cache.seed, cache.counter, np.arange(size, dtype=np.int64))  # size
    return (bits >= np.uint32(cache.threshold)).reshape(cache.shape)


def _apply_numpy(a, cache):
    return np.where(kept_mask(cache), a * cache.scale, a.dtype.type(0))


def _apply_cuda(kernel, a, cache):
    cp = cuda.cupy()
    out = cp.empty_like(a)
    key = counter_rng.stream_key(cache.seed, cache.counter)
    cuda.launch(KERNEL_FILE, cuda.entry(kernel, a.dtype), min(cuda.blocks(a.size, THREADS), MAX_BLOCKS), THREADS,
                (a, out, np.int64(a.size), np.uint32(key), np.uint32(cache.threshold), cache.scale))
    return out
