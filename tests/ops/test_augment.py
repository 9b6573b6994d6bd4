"""minitransfer.ops.augment and kernels/augment.cu: crops, mirrors and mean subtraction against a
naive per-pixel loop with independently hashed draws, and the GPU against the NumPy reference."""

import re

import numpy as np
import pytest

from cuda_emulator import emulated_tail  # noqa: F401 (a fixture)
from minitransfer import cuda
from minitransfer.ops import augment
from oracles import lowbias32, stream_key

CONFIGS = [(1, 5, 6, 3), (3, 7, 9, 4), (2, 8, 8, 8), (4, 6, 11, 1), (5, 13, 7, 5), (2, 32, 32, 28)]
CONFIG_IDS = [f"n{n}h{h}w{w}c{c}" for n, h, w, c in CONFIGS]




def naive_offsets(n, height, width, crop, train, seed, iteration):
    if not train:
        return [((height - crop) // 2, (width - crop) // 2, 0)] * n
    key = stream_key(seed, iteration)
    draws = []
    for image in range(n):
        bits = [lowbias32(key ^ (3 * image + k)) for k in range(3)]
        draws.append((bits[0] % (height - crop + 1), bits[1] % (width - crop + 1), bits[2] & 1))
    return draws


def naive_augment(images, mean, crop, train, seed, iteration):
    n_images, height, width, _ = images.shape
    y = np.empty((n_images, 3, crop, crop), dtype=mean.dtype)
    for n, (oy, ox, flip) in enumerate(naive_offsets(n_images, height, width, crop, train, seed, iteration)):
        for c in range(3):
            for i in range(crop):
                for j in range(crop):
                    jj = crop - 1 - j if flip else j
                    y[n, c, i, j] = mean.dtype.type(images[n, oy + i, ox + jj, c]) - mean[oy + i, ox + jj, c]
    return y


def batch(rng, n, height, width, mean_dtype=np.float32):
    images = rng.integers(0, 256, size=(n, height, width, 3), dtype=np.uint8)
    mean = (255 * rng.random((height, width, 3))).astype(mean_dtype)  # non-integer, varies per pixel
    return images, mean


@pytest.mark.parametrize("mean_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("n,height,width,crop", CONFIGS, ids=CONFIG_IDS)
def test_forward_matches_naive_loop(n, height, width, crop, train, mean_dtype):
    images, mean = batch(np.random.default_rng(1), n, height, width, mean_dtype)
    y = augment.forward(images, mean, crop, train=train, seed=7, iteration=12)
    assert y.shape == (n, 3, crop, crop) and y.dtype == mean_dtype and y.flags.c_contiguous
    np.testing.assert_array_equal(y, naive_augment(images, mean, crop, train, 7, 12))


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("n,height,width,crop", CONFIGS, ids=CONFIG_IDS)
def test_offsets_match_naive_draws(n, height, width, crop, train):
    oy, ox, flip = augment.offsets(n, height, width, crop, train=train, seed=3, iteration=99)
    assert list(zip(oy.tolist(), ox.tolist(), flip.tolist())) == naive_offsets(n, height, width, crop, train, 3, 99)


def test_offsets_stay_in_bounds_and_cover_the_range():
    oy, ox, flip = augment.offsets(500, 10, 12, 8, train=True, seed=1, iteration=2)
    assert set(oy.tolist()) == {0, 1, 2} and set(ox.tolist()) == {0, 1, 2, 3, 4}
    oy, ox, _ = augment.offsets(2000, 256, 256, 227, train=True, seed=1, iteration=3)
    assert oy.min() >= 0 and oy.max() <= 29 and ox.min() >= 0 and ox.max() <= 29
    assert len(set(oy.tolist())) == 30


def test_both_flips_occur_about_equally():
    _, _, flip = augment.offsets(1000, 256, 256, 227, train=True, seed=4, iteration=5)
    assert set(flip.tolist()) == {0, 1}
    assert 0.44 < flip.mean() < 0.56


def test_evaluation_takes_the_centre_crop_unflipped():
    images, mean = batch(np.random.default_rng(2), 3, 9, 12, np.float64)
    y = augment.forward(images, mean, 5, train=False, seed=1, iteration=1)
    # oy = (9 − 5)//2 = 2, ox = (12 − 5)//2 = 3.
    expected = (images[:, 2:7, 3:8, :] - mean[2:7, 3:8, :]).transpose(0, 3, 1, 2)
    np.testing.assert_array_equal(y, expected)
    oy, ox, flip = augment.offsets(3, 9, 12, 5, train=False)
    assert oy.tolist() == [2, 2, 2] and ox.tolist() == [3, 3, 3] and flip.tolist() == [0, 0, 0]


def test_mean_is_subtracted_at_the_source_pixel_before_mirroring():
    images, mean = batch(np.random.default_rng(3), 16, 6, 6, np.float64)
    _, _, flip = augment.offsets(16, 6, 6, 6, train=True, seed=0, iteration=0)
    y = augment.forward(images, mean, 6, train=True, seed=0, iteration=0)
    for n in range(16):
        unflipped = (images[n] - mean).transpose(2, 0, 1)  # 3,6,6
        np.testing.assert_array_equal(y[n], unflipped[:, :, ::-1] if flip[n] else unflipped)
    assert 0 < flip.sum() < 16


def test_draws_depend_on_seed_iteration_and_batch_position_only():
    first = augment.offsets(64, 40, 40, 32, train=True, seed=5, iteration=6)
    again = augment.offsets(64, 40, 40, 32, train=True, seed=5, iteration=6)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    prefix = augment.offsets(10, 40, 40, 32, train=True, seed=5, iteration=6)
    for a, b in zip(first, prefix):
        np.testing.assert_array_equal(a[:10], b)
    for seed, iteration in [(5, 7), (6, 6)]:
        other = augment.offsets(64, 40, 40, 32, train=True, seed=seed, iteration=iteration)
        assert np.mean(first[0] != other[0]) > 0.5
    images, mean = batch(np.random.default_rng(4), 4, 40, 40)
    np.testing.assert_array_equal(augment.forward(images, mean, 32, seed=5, iteration=6),
                                  augment.forward(images.copy(), mean, 32, seed=5, iteration=6))


def test_empty_batch():
    images, mean = batch(np.random.default_rng(5), 0, 8, 8)
    assert augment.forward(images, mean, 5).shape == (0, 3, 5, 5)


@pytest.mark.parametrize(
    "images, mean, crop, message",
    [
        (np.zeros((2, 8, 8, 3), np.float32), np.zeros((8, 8, 3), np.float32), 5, "images must have dtype uint8"),
        (np.zeros((8, 8, 3), np.uint8), np.zeros((8, 8, 3), np.float32), 5, "images must be 4-D"),
        (np.zeros((2, 8, 8, 4), np.uint8), np.zeros((8, 8, 4), np.float32), 5, r"images must be \(N, H, W, 3\)"),
        (np.zeros((2, 8, 8, 3), np.uint8), np.zeros((8, 9, 3), np.float32), 5, r"mean must have shape \(8, 8, 3\)"),
        (np.zeros((2, 8, 8, 3), np.uint8), np.zeros((8, 8, 3), np.uint8), 5, "mean must have dtype"),
        (np.zeros((2, 8, 16, 3), np.uint8)[:, :, ::2], np.zeros((8, 8, 3), np.float32), 5, "C-contiguous"),
        (np.zeros((2, 8, 9, 3), np.uint8), np.zeros((8, 9, 3), np.float32), 9, "crop 9 does not fit in images of 8x9"),
        (np.zeros((2, 8, 8, 3), np.uint8), np.zeros((8, 8, 3), np.float32), 0, "crop must be an integer >= 1"),
    ],
    ids=["float-images", "3d-images", "4-channels", "mean-shape", "uint8-mean", "strided", "crop-too-big", "crop0"],
)
def test_rejects_bad_input(images, mean, crop, message):
    with pytest.raises(ValueError, match=rf"augment: .*{message}"):
        augment.forward(images, mean, crop)


@pytest.mark.parametrize("name", ["seed", "iteration"])
@pytest.mark.parametrize("value", [1.5, 2.0, np.float64(1.0), True, -1], ids=["fraction", "whole-float",
                                                                         "numpy-float", "bool", "negative"])
def test_seed_and_iteration_must_be_integers_not_truncated(name, value):
    """Iteration 2.5 cut iteration 2's crops: another batch than the caller asked for, without a word."""
    images, mean = batch(np.random.default_rng(6), 3, 8, 8)
    with pytest.raises(ValueError, match=rf"^augment: {name} must be an integer >= 0, got {re.escape(repr(value))}"):
        augment.forward(images, mean, 5, **{"seed": 1, "iteration": 2, name: value})
    with pytest.raises(ValueError, match=rf"^augment: {name} must be an integer >= 0, got {re.escape(repr(value))}"):
        augment.offsets(3, 8, 8, 5, **{"seed": 1, "iteration": 2, name: value})


def test_numpy_integer_seed_and_iteration_cut_the_python_integers_crops():
    images, mean = batch(np.random.default_rng(7), 4, 9, 11)
    expected = augment.forward(images, mean, 5, seed=3, iteration=8)
    np.testing.assert_array_equal(augment.forward(images, mean, 5, seed=np.uint32(3), iteration=np.int64(8)), expected)


GPU_CONFIGS = [(1, 5, 6, 3), (3, 7, 9, 4), (2, 8, 8, 8), (5, 13, 7, 5), (4, 256, 256, 227), (21846, 4, 5, 3)]
GPU_IDS = [f"n{n}h{h}w{w}c{c}" for n, h, w, c in GPU_CONFIGS]


@pytest.mark.gpu
@pytest.mark.parametrize("mean_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("n,height,width,crop", GPU_CONFIGS, ids=GPU_IDS)
def test_gpu_matches_reference_exactly(cp, n, height, width, crop, train, mean_dtype):
    # One conversion and one subtraction per element on both sides: equal bits. The last config
    # has more (n, c) planes than grid.y allows, so the kernel's plane stride is exercised.
    images, mean = batch(np.random.default_rng(6), n, height, width, mean_dtype)
    expected = augment.forward(images, mean, crop, train=train, seed=11, iteration=1234)
    y = augment.forward(cp.asarray(images), cp.asarray(mean), crop, train=train, seed=11, iteration=1234)
    assert y.shape == (n, 3, crop, crop) and y.dtype == mean_dtype
    np.testing.assert_array_equal(cp.asnumpy(y), expected)


@pytest.mark.gpu
def test_gpu_float32_matches_float64_reference(cp):
    images, mean = batch(np.random.default_rng(7), 3, 31, 29, np.float32)
    expected = augment.forward(images, mean.astype(np.float64), 23, train=True, seed=2, iteration=3)
    y = cp.asnumpy(augment.forward(cp.asarray(images), cp.asarray(mean), 23, train=True, seed=2, iteration=3))
    assert np.linalg.norm(y - expected) <= 1e-6 * np.linalg.norm(expected)
    np.testing.assert_allclose(y, expected, rtol=0, atol=1e-4)


@pytest.mark.gpu
def test_gpu_rejects_mixed_devices(cp):
    images, mean = batch(np.random.default_rng(8), 2, 8, 8)
    with pytest.raises(ValueError, match="augment: arrays must all be NumPy or all CuPy"):
        augment.forward(cp.asarray(images), mean, 5)


def test_cuda_planes_near_2_31_stay_in_int(emulated_tail):
    """The kernel strides over the N·3 planes by gridDim.y (65535): plane + 65535 was an int and, for
    N·3 just below 2^31, wrapped negative and passed `plane < N·3` (an image at a negative offset).
    The last row of blocks of the largest batch of 1x1 images, on virtual arrays (zero pixels)."""
    cp = cuda.cupy()
    n_images = (2**31 - 1) // 3
    images, mean = cp.empty((n_images, 1, 1, 3), np.uint8), cp.empty((1, 1, 3), np.float32)
    mean[...] = [[[1, 2, 3]]]
    with emulated_tail.tail((0, augment.MAX_GRID_Y - 1, 0)):
        y = augment.forward(images, mean, 1, train=False)
    last = 2147450879  # the last plane of blocks y = 65534 (planes ≡ 65534 mod 65535), below N·3
    assert [float(y.reshape(-1)[plane]) for plane in (last - augment.MAX_GRID_Y, last)] == [-3.0, -3.0]
