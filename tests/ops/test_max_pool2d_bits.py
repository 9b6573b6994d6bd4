"""The NumPy max pooling bit for bit against the kernel's scan written out, on inputs full of what the
reference's shortcuts must get right: ties of +0.0 and −0.0 (equal, other bits), NaNs first and later
in a window, ±inf, windows of −inf and padding; and backward's gradient for a cache whose argmax leaves
its plane (a cache made elsewhere: that output sends nothing)."""

import numpy as np
import pytest

from max_pool_scan import scan
from minitransfer.ops import max_pool2d

# (N, C, H, W, size, stride, pad)
CONFIGS = [(2, 3, 7, 6, 3, 2, 0), (2, 2, 6, 7, 3, 2, 1), (1, 3, 5, 5, 2, 1, 1), (2, 2, 9, 8, 4, 3, 2),
           (1, 2, 3, 3, 3, 2, 0), (3, 1, 4, 5, 1, 2, 0)]
SPECIALS = [0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, -1.0]


def tricky(rng, shape, dtype):
    """Values drawn mostly from SPECIALS (so windows tie, hold NaNs, or hold only −inf), the rest normal."""
    x = rng.choice(np.array(SPECIALS), size=shape).astype(dtype)
    normal = rng.random(shape) < 0.3
    x[normal] = rng.standard_normal(int(normal.sum())).astype(dtype)
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("config", CONFIGS)
def test_forward_is_the_scans_bits(config, dtype):
    N, C, H, W, size, stride, pad = config
    rng = np.random.default_rng(sum(config))
    for _ in range(4):
        x = tricky(rng, (N, C, H, W), dtype)
        y, cache = max_pool2d.forward(x, size, stride, pad)
        expected_y, expected_argmax = scan(x, size, stride, pad)
        assert y.tobytes() == expected_y.tobytes()  # bits: −0.0 against +0.0, the NaN that was first
        np.testing.assert_array_equal(cache.argmax, expected_argmax)


def test_backward_sends_nothing_from_an_argmax_outside_its_plane():
    rng = np.random.default_rng(5)
    N, C, H, W = 2, 3, 4, 4
    argmax = rng.integers(0, H * W, size=(N, C, 2, 2)).astype(np.int32)
    argmax[0, 1, 0, 0], argmax[1, 2, 1, 1], argmax[1, 0, 0, 1] = -1, H * W, H * W + 3
    dy = rng.standard_normal((N, C, 2, 2)).astype(np.float32)
    cache = max_pool2d.PoolCache(argmax, (N, C, H, W), np.dtype(np.float32), 3, 2, 0)
    expected = np.zeros((N, C, H * W), dtype=np.float32)
    for n, c, p, q in np.ndindex(dy.shape):  # output order, one float32 addition at a time
        if 0 <= argmax[n, c, p, q] < H * W:
            expected[n, c, argmax[n, c, p, q]] += dy[n, c, p, q]
    (dx,) = max_pool2d.backward(dy, cache)
    assert dx.tobytes() == expected.reshape(N, C, H, W).tobytes()
