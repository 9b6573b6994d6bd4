"""conv2d's NumPy im2col copies every kernel offset's windows in one call, from one strided view of the padded
images, instead of one copy per offset: the columns, and the forward's and backward's results computed from
them, bit for bit what the formulation it replaced gave (the oracle below, that code as it was), on odd shapes,
batch 1, strides above and below the kernel, padding, groups, 1×1 kernels, both dtypes and every precision."""

import numpy as np
import pytest

from minitransfer.ops import conv2d
from minitransfer.ops.conv2d import _windows, output_size


def old_im2col(x, R, S, stride, pad, groups):
    N, C, H, W = x.shape
    P, Q = output_size(H, R, stride, pad), output_size(W, S, stride, pad)
    images_last = np.zeros((C, H + 2 * pad, W + 2 * pad, N), dtype=x.dtype)
    images_last[:, pad : pad + H, pad : pad + W] = x.transpose(1, 2, 3, 0)
    cols = np.empty((C, R, S, P, Q, N), dtype=x.dtype)
    for r in range(R):
        for s in range(S):
            cols[:, r, s] = _windows(images_last, r, s, P, Q, stride)
    return cols.reshape(groups, (C // groups) * R * S, P * Q * N)


# (N, C, H, W, K, R, S, stride, pad, groups): micro's conv1 and conv2, mini's conv1 (5×5 stride 2 pad 2), odd
# sizes, batch 1, stride above the kernel, a non-square kernel, 1×1 kernels (with and without padding), groups
CONFIGS = [(32, 3, 12, 12, 24, 3, 3, 1, 1, 1), (32, 24, 6, 6, 24, 3, 3, 1, 1, 2), (8, 3, 32, 32, 16, 5, 5, 2, 2, 1),
           (1, 5, 7, 9, 4, 3, 3, 2, 1, 1), (3, 4, 11, 6, 6, 2, 3, 3, 0, 2), (2, 6, 5, 5, 6, 1, 1, 1, 0, 3),
           (1, 2, 4, 3, 2, 1, 1, 2, 1, 1), (2, 3, 6, 7, 5, 4, 2, 1, 3, 1), (1, 1, 1, 1, 1, 1, 1, 1, 0, 1)]


@pytest.mark.parametrize("config", CONFIGS)
def test_im2col_is_the_old_formulations_bits(config):
    N, C, H, W, K, R, S, stride, pad, groups = config
    x = np.random.default_rng(sum(config)).standard_normal((N, C, H, W)).astype(np.float32)
    x.flat[::7] = -0.0  # zero padding is +0.0; the image's own −0.0 stays
    new, old = conv2d._im2col(x, R, S, stride, pad, groups), old_im2col(x, R, S, stride, pad, groups)
    assert new.shape == old.shape and new.dtype == old.dtype and new.strides == old.strides
    assert new.flags.c_contiguous and new.flags.writeable and not np.shares_memory(new, x)
    assert new.tobytes() == old.tobytes()


@pytest.mark.parametrize("dtype, precision", [(np.float32, "ieee"), (np.float64, "ieee"), (np.float32, "tf32x3"),
                                              (np.float32, "tf32")])  # the tensor-core modes take float32 only
@pytest.mark.parametrize("config", CONFIGS)
def test_forward_and_backward_are_the_old_formulations_bits(config, dtype, precision, monkeypatch):
    N, C, H, W, K, R, S, stride, pad, groups = config
    rng = np.random.default_rng(sum(config) + 1)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((K, C // groups, R, S)).astype(dtype)
    b = rng.standard_normal(K).astype(dtype)
    y, cache = conv2d.forward(x, w, b, stride, pad, groups, precision=precision, relu=True)
    dy = rng.standard_normal(y.shape).astype(dtype)
    mask = np.maximum(rng.standard_normal(x.shape).astype(dtype), 0)
    new = (y,) + conv2d.backward(dy, cache, mask=mask)
    monkeypatch.setattr(conv2d, "_im2col", old_im2col)
    y, cache = conv2d.forward(x, w, b, stride, pad, groups, precision=precision, relu=True)
    old = (y,) + conv2d.backward(dy, cache, mask=mask)
    for a, b in zip(new, old):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
