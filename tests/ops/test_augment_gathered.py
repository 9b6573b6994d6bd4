"""augment.forward's NumPy paths without a Python loop per image (small training crops gathered in chunks, the
evaluation's centre crops in one ufunc) give the bits of a plain per-image loop written here, which draws each
image's crop from the counter stream itself (counters 3n, 3n+1, 3n+2 of (seed, iteration)), independently of
augment.offsets; and they keep the peak near the output's own memory."""

import tracemalloc

import numpy as np
import pytest

from minitransfer.ops import augment
from oracles import random_bits


def per_image_loop(images, mean, crop, train, seed, iteration):
    """The rule of the module docstring, image by image: crop, subtract the mean at the source pixel, mirror."""
    n_images, height, width, _ = images.shape
    y = np.empty((n_images, 3, crop, crop), dtype=mean.dtype)
    for n in range(n_images):
        if train:
            bits = [random_bits(seed, iteration, 3 * n + k) for k in range(3)]
            top, left, mirrored = bits[0] % (height - crop + 1), bits[1] % (width - crop + 1), bits[2] & 1
        else:
            top, left, mirrored = (height - crop) // 2, (width - crop) // 2, 0
        window = (slice(top, top + crop), slice(left, left + crop))
        patch = images[n][window].astype(mean.dtype) - mean[window]  # crop,crop,3
        y[n] = (patch[:, ::-1] if mirrored else patch).transpose(2, 0, 1)
    return y


def batch(n, height, width, dtype):
    rng = np.random.default_rng(n * 7919 + height * 31 + width)
    images = rng.integers(0, 256, (n, height, width, 3), dtype=np.uint8)
    mean = (rng.random((height, width, 3)) * 255).astype(dtype)  # not round: a conversion slip shows
    mean.flat[::5] = images[0].flat[::5] if n else 0  # exact zeros after the subtraction
    return images, mean


# (n, height, width, crop): micro's batch; 100 images (several chunks, the last one short); 3·crop² just under
# and just over the gather's limit (2028 and 2187 values); large crops (one image at a time); odd margins for the
# centre crop; crop = image; 1-pixel crops; a single image; an empty batch.
SHAPES = [(32, 14, 14, 12), (100, 14, 14, 12), (9, 30, 29, 26), (9, 30, 29, 27), (5, 64, 60, 57), (7, 17, 20, 12),
          (4, 12, 12, 12), (6, 5, 7, 1), (1, 14, 14, 12), (0, 14, 14, 12)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("n, height, width, crop", SHAPES, ids=[f"n{n}-{h}x{w}c{c}" for n, h, w, c in SHAPES])
def test_forward_is_the_per_image_loop_bit_for_bit(n, height, width, crop, train, dtype):
    images, mean = batch(n, height, width, dtype)
    flips = set()
    for seed, iteration in [(0, 0), (5, 1), (2**32 + 3, 977)]:
        got = augment.forward(images, mean, crop, train=train, seed=seed, iteration=iteration)
        want = per_image_loop(images, mean, crop, train, seed, iteration)
        assert got.dtype == want.dtype and got.shape == want.shape and got.flags.c_contiguous
        assert got.tobytes() == want.tobytes()
        flips.update(random_bits(seed, iteration, 3 * image + 2) & 1 for image in range(n))
    assert flips == {0, 1} or n < 4  # both mirrored and unmirrored images were drawn


class CountingNumpy:
    """numpy, with its subtractions counted (stands in for the module's ``np``)."""

    def __init__(self):
        self.subtractions = 0

    def __getattr__(self, name):
        return getattr(np, name)

    def subtract(self, *args, **kwargs):
        self.subtractions += 1
        return np.subtract(*args, **kwargs)


@pytest.mark.parametrize("n, size, crop, train, subtractions", [
    (32, 14, 12, True, 1), (256, 40, 32, False, 1), (16, 256, 227, False, 1), (4, 64, 57, True, 4)],
    ids=["micro-train", "mini-eval", "caffenet-eval", "large-train-per-image"])
def test_small_crops_and_centre_crops_take_one_subtraction_not_one_per_image(monkeypatch, n, size, crop, train,
                                                                           subtractions):
    """A Python loop per image was ~20% of a micro batch's loading time (32 subtractions for 32 images)."""
    images = np.full((n, size, size, 3), 7, np.uint8)
    mean = np.full((size, size, 3), 2.5, np.float32)
    counting = CountingNumpy()
    monkeypatch.setattr(augment, "np", counting)
    y = augment.forward(images, mean, crop, train=train, seed=1, iteration=2)
    assert counting.subtractions == subtractions and y.shape == (n, 3, crop, crop) and (y == 4.5).all()


@pytest.mark.parametrize("n, size, crop, train", [(2048, 14, 12, True), (2048, 14, 12, False), (64, 64, 57, False)],
                         ids=["micro-train", "micro-eval", "57-eval"])
def test_the_gathered_and_centre_crops_peak_near_the_output_s_memory(n, size, crop, train):
    """Gathering a whole batch's crops and mean crops at once would hold ~2x the output beside it: the chunks keep
    the copies to a fixed few hundred KiB, and the centre crops are read through views."""
    images, mean = batch(n, size, size, np.float64)
    tracemalloc.start()
    try:
        y = augment.forward(images, mean, crop, train=train, seed=1, iteration=2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1.1 * y.nbytes, (peak, y.nbytes)
