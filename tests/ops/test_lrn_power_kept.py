"""The NumPy LRN keeps scale^−β from its forward for its backward (one power fewer a step): the kept
power is the one the backward computed before, so the gradient keeps its bits; a cache without it (a
CUDA cache, one made elsewhere) still gets it computed."""

import numpy as np
import pytest

from minitransfer.ops import lrn


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_with_the_kept_power_has_the_bits_of_one_recomputing_it(dtype):
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((3, 7, 4, 5)) * 30).astype(dtype)
    dy = rng.standard_normal(x.shape).astype(dtype)
    y, cache = lrn.forward(x, 5, 1e-4, 0.75, 2.0)
    assert cache.power.tobytes() == (cache.scale ** dtype(-0.75)).tobytes()
    assert y.tobytes() == (x * cache.scale ** dtype(-0.75)).tobytes()
    (kept,) = lrn.backward(dy, cache)
    (recomputed,) = lrn.backward(dy, cache._replace(power=None))
    assert kept.tobytes() == recomputed.tobytes()
    size, alpha, beta, scale = 5, 1e-4, 0.75, cache.scale  # the module docstring's dx, in the reference's order
    ratio = np.zeros((3, 7 + size - 1, 4, 5), dtype=dtype)
    ratio[:, size // 2:size // 2 + 7] = dy * y / scale
    ratio_sum = np.zeros_like(x)
    for offset in range(size):
        ratio_sum += ratio[:, offset:offset + 7]
    expected = dy * scale ** dtype(-beta) - dtype(2 * alpha * beta / size) * x * ratio_sum
    assert kept.tobytes() == expected.tobytes()
