"""max_pool2d's NumPy forward takes its index arrays (each window's first real pixel, its corner, the offsets'
flat steps) from a per-shape cache instead of making them every call: its output and argmax bit for bit what
the formulation it replaced gave (the oracle below, that code as it was), on odd shapes, batch 1, strides above
and below the window, padding, shapes met again after others (the cache's hits), and inputs full of ties of
+0.0 and −0.0, NaNs first and later in a window, ±inf and windows of −inf; the cached arrays stay unwritable."""

import numpy as np
import pytest

from minitransfer.ops import max_pool2d
from minitransfer.ops.max_pool2d import _at_offset, _first_real, _padded


def old_forward_reference(x, size, stride, pad, P, Q):
    N, C, H, W = x.shape
    padded = _padded(x, size, stride, pad, P, Q)
    candidates = np.empty((size * size, P, Q, N, C), dtype=x.dtype)
    for i in range(size):
        for j in range(size):
            candidates[i * size + j] = _at_offset(padded, i, j, stride, P, Q)
    first = (np.maximum(pad - np.arange(P) * stride, 0)[:, None] * size
             + np.maximum(pad - np.arange(Q) * stride, 0)).astype(np.intp)[:, :, None, None]
    best = np.fmax.reduce(candidates, axis=0)
    equal = candidates == best
    offset = np.zeros(best.shape, dtype=np.min_scalar_type(size * size - 1))
    seen = equal[0].copy()
    unseen = np.empty_like(seen)
    for k in range(1, size * size):
        np.logical_not(seen, out=unseen)
        offset += unseen.view(np.uint8)
        seen |= equal[k]
    first_is_nan = np.isnan(_first_real(padded, stride, pad, P, Q))
    if first_is_nan.any():
        offset = np.where(first_is_nan, first, np.maximum(offset, first))
    elif pad:
        offset = np.maximum(offset, first)
    y = best
    differ = np.flatnonzero((best == 0) | first_is_nan)
    y.flat[differ] = candidates.reshape(size * size, -1)[offset.flat[differ], differ]
    corner = (np.arange(P, dtype=np.int32)[:, None] * stride - pad) * W + np.arange(Q, dtype=np.int32) * stride - pad
    step = np.arange(size, dtype=np.int32)
    argmax = corner[:, :, None, None] + np.take((step[:, None] * W + step).ravel(), offset)
    return np.ascontiguousarray(y.transpose(2, 3, 0, 1)), np.ascontiguousarray(argmax.transpose(2, 3, 0, 1))


# (N, C, H, W, size, stride, pad): the presets' pools (micro pool1 and pool5, mini pool1), odd sizes, batch 1,
# stride 1, stride above the window, padding up to size − 1, a 1×1 window, a window of the whole padded image,
# and one shape twice (after others: a cache hit gives the same arrays as the first call)
CONFIGS = [(32, 24, 12, 12, 3, 2, 0), (32, 64, 3, 3, 3, 2, 0), (5, 16, 16, 16, 3, 2, 0), (1, 3, 7, 5, 3, 2, 1),
           (2, 5, 9, 11, 2, 1, 1), (3, 2, 13, 10, 4, 3, 2), (1, 1, 6, 7, 2, 3, 0), (2, 3, 5, 4, 1, 1, 0),
           (1, 4, 5, 5, 5, 1, 4), (4, 2, 8, 8, 3, 3, 1), (2, 2, 9, 11, 2, 1, 1), (1, 3, 7, 5, 3, 2, 1)]
SPECIALS = [0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, -1.0]


def inputs(rng, shape, dtype):
    """Normal values, a ReLU's output (many +0.0), values drawn mostly from SPECIALS, all −inf, and all ≤ 0."""
    normal = rng.standard_normal(shape).astype(dtype)
    special = rng.choice(np.array(SPECIALS), size=shape).astype(dtype)
    some = rng.random(shape) < 0.3
    special[some] = normal[some]
    return [normal, np.maximum(normal, 0), special, np.full(shape, -np.inf, dtype), np.negative(np.abs(special))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_is_the_old_formulations_bits(dtype):
    for config in CONFIGS:
        N, C, H, W, size, stride, pad = config
        P, Q = max_pool2d.output_size(H, size, stride, pad), max_pool2d.output_size(W, size, stride, pad)
        rng = np.random.default_rng(sum(config))
        for x in inputs(rng, (N, C, H, W), dtype):
            y, cache = max_pool2d.forward(x, size, stride, pad)
            old_y, old_argmax = old_forward_reference(x, size, stride, pad, P, Q)
            assert y.dtype == old_y.dtype and y.shape == old_y.shape and y.flags.c_contiguous, config
            assert y.tobytes() == old_y.tobytes(), config  # bits: −0.0 against +0.0, which NaN
            assert cache.argmax.dtype == old_argmax.dtype == np.int32 and cache.argmax.flags.c_contiguous
            assert np.array_equal(cache.argmax, old_argmax), config


def test_the_cached_index_arrays_cannot_be_written():
    for array in max_pool2d._indices(6, 6, 12, 3, 2, 0):
        with pytest.raises(ValueError, match="read-only"):
            array.flat[0] = 1
