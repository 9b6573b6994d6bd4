"""The NumPy reference's faster forms give the bits of the plain ones they replaced: augment's crops
gathered in one go against a loop over the images, and max_pool2d's first-real-pixel test (read from
the padded input) against a window-by-window scan, on odd shapes, padding, NaN first pixels, ±0."""

import numpy as np
import pytest

from minitransfer.ops import augment, max_pool2d


def augment_loop(images, mean, crop, train, seed, iteration):
    """Crop, mirror and subtract the mean image by image (the module docstring's rule)."""
    n_images, height, width, _ = images.shape
    oy, ox, flip = augment.offsets(n_images, height, width, crop, train, seed, iteration)
    y = np.empty((n_images, 3, crop, crop), dtype=mean.dtype)
    for n in range(n_images):
        window = (slice(oy[n], oy[n] + crop), slice(ox[n], ox[n] + crop))
        patch = images[n][window].astype(mean.dtype) - mean[window]
        y[n] = (patch[:, ::-1] if flip[n] else patch).transpose(2, 0, 1)
    return y


@pytest.mark.parametrize("shape, crop", [((32, 14, 14, 3), 12), ((7, 9, 5, 3), 4), ((1, 3, 3, 3), 3),
                                         ((0, 6, 6, 3), 5), ((5, 6, 11, 3), 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("train", [True, False])
def test_augment_gathers_the_loops_bits(shape, crop, dtype, train):
    rng = np.random.default_rng(sum(shape) + crop)
    images = rng.integers(0, 256, shape, dtype=np.uint8)
    mean = (rng.standard_normal(shape[1:]) * 60).astype(dtype)
    mean.flat[::7] = images[0].flat[::7] if shape[0] else 0  # exact zeros after the subtraction
    for iteration in range(4):
        got = augment.forward(images, mean, crop, train, seed=5, iteration=iteration)
        want = augment_loop(images, mean, crop, train, 5, iteration)
        assert got.dtype == want.dtype and got.shape == want.shape and got.flags.c_contiguous
        assert got.tobytes() == want.tobytes()


def pool_scan(x, size, stride, pad, P, Q):
    """Each window's row-major scan from its first real pixel, strict >: (y, argmax h·W + w)."""
    N, C, H, W = x.shape
    y, argmax = np.empty((N, C, P, Q), x.dtype), np.empty((N, C, P, Q), np.int32)
    for n, c, p, q in np.ndindex(N, C, P, Q):
        h0, w0 = p * stride - pad, q * stride - pad
        pixels = [(h, w) for h in range(max(h0, 0), min(h0 + size, H)) for w in range(max(w0, 0), min(w0 + size, W))]
        best = pixels[0]
        for h, w in pixels[1:]:
            if x[n, c, h, w] > x[(n, c, *best)]:
                best = (h, w)
        y[n, c, p, q], argmax[n, c, p, q] = x[(n, c, *best)], best[0] * W + best[1]
    return y, argmax


@pytest.mark.parametrize("shape, size, stride, pad", [((2, 3, 5, 6), 3, 2, 1), ((1, 2, 7, 5), 4, 2, 3),
                                                      ((3, 2, 12, 12), 3, 2, 0), ((2, 1, 9, 8), 2, 3, 1)])
def test_max_pool_forward_keeps_the_scans_bits(shape, size, stride, pad):
    rng = np.random.default_rng(size * 10 + pad)
    x = rng.choice(np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, 2.0], np.float32), size=shape)
    x[0, 0] = np.nan  # whole planes of NaN first pixels
    P, Q = max_pool2d.output_size(shape[2], size, stride, pad), max_pool2d.output_size(shape[3], size, stride, pad)
    y, cache = max_pool2d.forward(x, size, stride, pad)
    want_y, want_argmax = pool_scan(x, size, stride, pad, P, Q)
    assert y.tobytes() == want_y.tobytes()
    np.testing.assert_array_equal(cache.argmax, want_argmax)
