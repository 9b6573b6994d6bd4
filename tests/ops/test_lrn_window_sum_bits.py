"""LRN's NumPy forward, its window sums started from the first window's square rather than from zeros,
gives the bits of the plain rule: scale[c] = k + α/size · (0 + x[c−before]² + ... + x[c+after]²), summed
channel by channel in window order (out-of-range channels adding +0), then y = x · scale^−β; on NaN, ±inf,
±0 and values whose squares overflow or underflow."""

import numpy as np
import pytest

from minitransfer.ops import lrn


def lrn_by_channel(x, size, alpha, beta, k):
    """(scale, y) by the rule above, one channel at a time."""
    dtype = x.dtype.type
    N, C, H, W = x.shape
    before = (size - 1) // 2
    scale = np.empty_like(x)
    for c in range(C):
        total = np.zeros((N, H, W), x.dtype)
        for channel in range(c - before, c - before + size):
            total = total + (x[:, channel] * x[:, channel] if 0 <= channel < C else dtype(0))
        scale[:, c] = dtype(k) + dtype(alpha / size) * total
    return scale, x * scale ** dtype(-beta)


@pytest.mark.parametrize("shape", [(2, 7, 3, 4), (1, 1, 2, 2), (3, 4, 1, 5)])
@pytest.mark.parametrize("size", [1, 3, 5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lrn_forward_keeps_the_plain_sums_bits(shape, size, dtype):
    rng = np.random.default_rng(sum(shape) * size)
    values = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, -3e20, 1e25, 2.5, -7.0], dtype)
    x = np.where(rng.random(shape) < 0.5, rng.choice(values, size=shape), rng.standard_normal(shape) * 100)
    x = x.astype(dtype)
    with np.errstate(all="ignore"):
        y, cache = lrn.forward(x, size, 1e-4, 0.75, 1.0)
        scale, want = lrn_by_channel(x, size, 1e-4, 0.75, 1.0)
    assert cache.scale.tobytes() == scale.tobytes()
    assert y.dtype == want.dtype and y.tobytes() == want.tobytes()
