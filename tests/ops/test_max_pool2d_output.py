"""minitransfer.ops.max_pool2d.output (the forward without an argmax, for passes no backward follows):
the bytes of ``forward(...)[0]`` and of the documented scan written out, on inputs mixing NaN, ±inf,
±0, padding, strides and leftovers."""

import numpy as np
import pytest

import max_pool_scan
from minitransfer.ops import max_pool2d

# (N, C, H, W, size, stride, pad)
CONFIGS = [
    (1, 2, 1, 1, 2, 1, 1),    # 1×1 image, both windows see the same pixel
    (2, 3, 8, 10, 3, 2, 0),   # stride 2 with leftover pixels: the last window is clipped
    (3, 2, 5, 6, 3, 2, 1),    # odd batch, padding
    (1, 2, 6, 6, 3, 3, 2),    # the "last window starts in the padding" rule drops an output
    (2, 1, 5, 7, 1, 3, 0),    # stride > size: pixels skipped
    (2, 2, 4, 4, 3, 1, 1),    # overlapping windows
    (2, 3, 55, 55, 3, 2, 0),  # CaffeNet pool1
    (3, 5, 13, 13, 3, 2, 0),  # CaffeNet pool5: odd leftovers
    (4, 24, 12, 12, 3, 2, 0),  # micro pool1: the last window clipped
    (3, 2, 3, 3, 3, 2, 0),    # micro pool5
    (2, 3, 9, 8, 2, 3, 1),    # stride > size with padding
    (1, 2, 7, 5, 4, 2, 3),    # pad = size − 1: windows reaching far into the padding
]
CONFIG_IDS = ["k{4}s{5}p{6}-n{0}c{1}h{2}w{3}".format(*config) for config in CONFIGS]
SPECIALS = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0])


def documented_scan(x, size, stride, pad):
    """The module docstring's rule written out (:func:`max_pool_scan.scan`): its y."""
    return max_pool_scan.scan(x, size, stride, pad)[0]


def mixed(rng, shape, dtype, negative_zeros=True, share=0.4):
    """Gaussian values, ``share`` of them replaced by NaN, ±inf and ±0 (−0 only if ``negative_zeros``)."""
    x = rng.standard_normal(shape).astype(dtype)
    specials = SPECIALS if negative_zeros else SPECIALS[:4]
    where = rng.random(shape) < share
    x[where] = rng.choice(specials, size=int(where.sum())).astype(dtype)
    return x


@pytest.mark.parametrize("negative_zeros", [False, True], ids=["plus-zeros", "both-zeros"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_output_is_the_forwards_bytes(config, dtype, negative_zeros):
    n, c, h, w, size, stride, pad = config
    rng = np.random.default_rng([size, stride, pad, h, w])
    for share in (0.0, 0.2, 0.6, 0.95):
        x = mixed(rng, (n, c, h, w), dtype, negative_zeros, share)
        y = max_pool2d.output(x, size, stride, pad)
        full, _ = max_pool2d.forward(x, size, stride, pad)
        assert y.dtype == full.dtype and y.shape == full.shape and y.flags.c_contiguous
        assert y.tobytes() == full.tobytes(), (config, share)
        if x.size <= 2000:
            assert y.tobytes() == documented_scan(x, size, stride, pad).tobytes(), (config, share)


@pytest.mark.parametrize("pad", [0, 1, 2])
def test_windows_of_specials_only(pad):
    """Every window drawn from NaN, ±inf and +0 alone (ReLU-like zeros): all-NaN, all −inf, NaN first
    or later, +inf ties, windows half in the padding."""
    rng = np.random.default_rng(pad)
    for _ in range(30):
        x = rng.choice(SPECIALS[:4], size=(3, 4, 7, 6)).astype(np.float32)
        y = max_pool2d.output(x, 3, 2, pad)
        assert y.tobytes() == max_pool2d.forward(x, 3, 2, pad)[0].tobytes()
        assert y.tobytes() == documented_scan(x, 3, 2, pad).tobytes()


def test_a_negative_zero_tied_with_a_positive_one_keeps_the_scans_zero():
    """−0.0 before +0.0 in a window: the scan keeps the first (−0.0), which fmax alone might not."""
    x = np.array([[[[-0.0, 0.0], [0.0, -0.0]]], [[[0.0, -0.0], [-0.0, 0.0]]]], dtype=np.float32)
    y = max_pool2d.output(x, 2, 1, 0)
    assert np.signbit(y.ravel()).tolist() == [True, False]


def test_bad_input_is_refused_as_forward_refuses_it():
    x = np.zeros((1, 1, 2, 2), dtype=np.float32)
    with pytest.raises(ValueError, match="max_pool2d: window 3x3 is larger"):
        max_pool2d.output(x, 3, 2, 0)
    with pytest.raises(ValueError, match="max_pool2d: x must have dtype"):
        max_pool2d.output(x.astype(np.int32), 1, 1, 0)
