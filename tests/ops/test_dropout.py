"""minitransfer.ops.dropout and kernels/dropout.cu: a naive loop over independently hashed bits,
float64 central differences, mask statistics, and the GPU mask bit for bit against NumPy's."""

import re

import numpy as np
import pytest

from minitransfer.gradcheck import gradient_errors
from minitransfer.ops import dropout, linear
from oracles import MASK, lowbias32, random_bits, stream_key

SHAPES = [(1,), (7,), (3, 5), (1, 1, 1, 1), (2, 3, 5, 7), (5, 4, 3, 2, 3)]
SHAPE_IDS = ["x".join(str(d) for d in shape) for shape in SHAPES]
RATIOS = [0.0, 0.1, 0.5, 0.9]




def naive_dropout(a, ratio, seed, counter):
    """y_i = a_i·scale if bits_i >= threshold else 0, one flat index at a time with Python ints."""
    key = stream_key(seed, counter)
    threshold = min(round(ratio * 2**32), MASK)
    scale = a.dtype.type(1.0 / (1.0 - ratio))
    flat = [value * scale if lowbias32(key ^ i) >= threshold else a.dtype.type(0)
            for i, value in enumerate(a.ravel())]
    return np.array(flat, dtype=a.dtype).reshape(a.shape)


def nonzero_values(rng, shape):
    """Values with |x| in [0.5, 1.5]: a dropped element (0) is never confused with a kept one."""
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0) * (0.5 + rng.random(shape))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ratio", RATIOS, ids=[f"p{r}" for r in RATIOS])
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_forward_matches_naive_loop(shape, ratio, dtype):
    rng = np.random.default_rng(1)
    x = nonzero_values(rng, shape).astype(dtype)
    y, _ = dropout.forward(x, ratio=ratio, seed=17, counter=3)
    assert y.dtype == dtype and y.shape == x.shape
    np.testing.assert_array_equal(y, naive_dropout(x, ratio, 17, 3))


@pytest.mark.parametrize("ratio", RATIOS, ids=[f"p{r}" for r in RATIOS])
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_backward_matches_naive_loop(shape, ratio):
    rng = np.random.default_rng(2)
    x = nonzero_values(rng, shape)
    dy = nonzero_values(rng, shape)
    _, cache = dropout.forward(x, ratio=ratio, seed=5, counter=9)
    (dx,) = dropout.backward(dy, cache)
    np.testing.assert_array_equal(dx, naive_dropout(dy, ratio, 5, 9))


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_gradient(shape):
    rng = np.random.default_rng(3)
    x = nonzero_values(rng, shape)

    def forward(a):
        return dropout.forward(a, ratio=0.3, seed=11, counter=4)

    errors = gradient_errors(forward, dropout.backward, (x,), wrt=(0,), seed=4)
    assert max(errors) <= 1e-6


@pytest.mark.parametrize("ratio", [0.1, 0.5, 0.9])
def test_kept_fraction_and_mean_are_preserved(ratio):
    n = 200_000
    y, cache = dropout.forward(np.ones(n), ratio=ratio, seed=2, counter=1)
    kept = dropout.kept_mask(cache)
    np.testing.assert_array_equal(kept, y != 0)
    # Binomial standard deviation of the fraction is at most 0.0012 here.
    assert abs(kept.mean() - (1 - ratio)) < 0.006
    assert abs(y.mean() - 1.0) < 0.006 / (1 - ratio)


def test_ratio_zero_keeps_everything_unscaled():
    x = nonzero_values(np.random.default_rng(4), (4, 9)).astype(np.float32)
    y, cache = dropout.forward(x, ratio=0.0, seed=1)
    np.testing.assert_array_equal(y, x)
    (dx,) = dropout.backward(x, cache)
    np.testing.assert_array_equal(dx, x)


def test_evaluation_is_the_identity():
    x = nonzero_values(np.random.default_rng(5), (3, 4))
    dy = nonzero_values(np.random.default_rng(6), (3, 4))
    y, cache = dropout.forward(x, ratio=0.5, train=False, seed=3)
    assert y is x
    (dx,) = dropout.backward(dy, cache)
    assert dx is dy


def test_mask_depends_on_seed_and_counter_only():
    x = np.ones(4096)
    y, _ = dropout.forward(x, seed=1, counter=2)
    np.testing.assert_array_equal(y, dropout.forward(x.copy(), seed=1, counter=2)[0])
    for seed, counter in [(2, 2), (1, 3)]:
        other, _ = dropout.forward(x, seed=seed, counter=counter)
        assert 0.4 < np.mean((y != 0) != (other != 0)) < 0.6


def test_mask_is_by_flat_index_whatever_the_shape():
    x = nonzero_values(np.random.default_rng(7), (6, 35))
    y_flat, _ = dropout.forward(x.reshape(-1), seed=8, counter=1)
    y_matrix, _ = dropout.forward(x, seed=8, counter=1)
    np.testing.assert_array_equal(y_matrix.reshape(-1), y_flat)


def test_keep_threshold_rounds_and_clips():
    assert dropout.keep_threshold(0.0) == 0
    assert dropout.keep_threshold(0.5) == 2**31
    assert dropout.keep_threshold(0.25) == 2**30
    assert dropout.keep_threshold(1 - 2.0**-40) == MASK


def test_scale_is_rounded_to_the_input_dtype():
    _, cache = dropout.forward(np.ones(3, np.float32), ratio=0.3)
    assert cache.scale.dtype == np.float32 and cache.scale == np.float32(1 / 0.7)



def test_an_element_whose_bits_equal_the_threshold_is_kept():
    """Kept iff bits >= threshold: with a ratio whose threshold is exactly one element's bits
    (b / 2^32 is exact in float64), that element is kept, as the naive loop says."""
    seed, counter, shape = 4, 11, (3, 4)
    bits = [random_bits(seed, counter, i) for i in range(12)]
    boundary = sorted(bits)[6]  # half the elements below it, the boundary element and five above
    ratio = boundary / 2**32
    assert dropout.keep_threshold(ratio) == boundary
    x = nonzero_values(np.random.default_rng(6), shape)
    y, _ = dropout.forward(x, ratio=ratio, seed=seed, counter=counter)
    np.testing.assert_array_equal(y, naive_dropout(x, ratio, seed, counter))
    assert y.ravel()[bits.index(boundary)] == x.ravel()[bits.index(boundary)] * (1 / (1 - ratio))
    assert np.count_nonzero(y) == 6

@pytest.mark.parametrize(
    "x, ratio, message",
    [
        (np.ones((2, 3)), 1.0, r"ratio must lie in \[0, 1\)"),
        (np.ones((2, 3)), -0.1, r"ratio must lie in \[0, 1\)"),
        (np.ones((2, 3)), float("nan"), r"ratio must lie in \[0, 1\)"),
        (np.ones((2, 3), dtype=np.int32), 0.5, "dtype"),
        (np.ones((4, 6))[:, ::2], 0.5, "C-contiguous"),
        ([1.0, 2.0], 0.5, "NumPy or CuPy array"),
    ],
    ids=["ratio1", "negative-ratio", "nan-ratio", "int32", "strided", "list"],
)
def test_forward_rejects_bad_input(x, ratio, message):
    with pytest.raises(ValueError, match=rf"dropout: .*{message}"):
        dropout.forward(x, ratio=ratio)


NOT_INTEGERS = [1.5, 2.0, np.float64(1.0), np.float32(3), True, np.bool_(True), -1, "1"]
NOT_INTEGER_IDS = ["fraction", "whole-float", "numpy-float64", "numpy-float32", "bool", "numpy-bool", "negative",
                   "text"]


@pytest.mark.parametrize("name", ["seed", "counter"])
@pytest.mark.parametrize("value", NOT_INTEGERS, ids=NOT_INTEGER_IDS)
def test_seed_and_counter_must_be_integers_not_truncated(name, value):
    """Seed 1.5 drew seed 1's mask: another stream than the caller asked for, without a word."""
    for train in (True, False):
        with pytest.raises(ValueError,
                           match=rf"^dropout: {name} must be an integer >= 0, got {re.escape(repr(value))}"):
            dropout.forward(np.ones((2, 3)), train=train, **{"seed": 3, "counter": 4, name: value})


def test_numpy_integer_seed_and_counter_draw_the_python_integers_mask():
    x = nonzero_values(np.random.default_rng(3), (4, 9))
    expected = naive_dropout(x, 0.5, 5, 7)
    for seed, counter in [(np.int64(5), np.uint32(7)), (np.uint8(5), np.int32(7))]:
        y, cache = dropout.forward(x, seed=seed, counter=counter)
        np.testing.assert_array_equal(y, expected)
        assert type(cache.seed) is int and type(cache.counter) is int


def test_a_fused_dropouts_seed_must_be_an_integer(cuda_xp):
    """The fused fully connected layer's Draw reaches the GEMM epilogue without dropout.forward."""
    x, w, b = (cuda_xp.asarray(np.ones(shape, dtype=np.float32)) for shape in ((2, 3), (4, 3), (4,)))
    draw = dropout.Draw(0.5, 1.5, 0, cuda_xp.asarray(np.zeros(1, dtype=np.uint32)))
    with pytest.raises(ValueError, match=r"^dropout: seed must be an integer >= 0, got 1\.5"):
        linear.forward(x, w, b, relu=True, dropout=draw, fused=True)


@pytest.mark.parametrize("ratio", [1.0, 1.5, -0.5, True], ids=["one", "above-one", "negative", "bool"])
def test_a_fused_dropouts_ratio_is_checked_as_forward_checks_it(cuda_xp, ratio):
    """The fused layer took any ratio: 1.5 kept elements scaled by 1 / (1 − 1.5) = −2, 1.0 raised a
    ZeroDivisionError and −0.5 NumPy's OverflowError, where the unfused layer names the ratio."""
    x, w, b = (cuda_xp.asarray(np.ones(shape, dtype=np.float32)) for shape in ((2, 3), (4, 3), (4,)))
    draw = dropout.Draw(ratio, 1, 0, cuda_xp.asarray(np.zeros(1, dtype=np.uint32)))
    for fused in (False, True):
        with pytest.raises(ValueError, match=rf"^dropout: ratio must lie in \[0, 1\), got {ratio!r}"):
            linear.forward(x, w, b, relu=True, dropout=draw, fused=fused)


def test_backward_rejects_wrong_shape_and_dtype():
    _, cache = dropout.forward(np.ones((2, 3)), ratio=0.5)
    with pytest.raises(ValueError, match=r"dropout: dy must have shape \(2, 3\), got \(3, 2\)"):
        dropout.backward(np.ones((3, 2)), cache)
    with pytest.raises(ValueError, match="dropout: dy must have the forward input's dtype float64"):
        dropout.backward(np.ones((2, 3), dtype=np.float32), cache)


GPU_SHAPES = [(1,), (37,), (3, 5, 7), (2, 3, 13, 11), (1000003,)]
GPU_IDS = ["x".join(str(d) for d in shape) for shape in GPU_SHAPES]


@pytest.mark.gpu
@pytest.mark.parametrize("ratio", [0.0, 0.5, 0.9])
@pytest.mark.parametrize("shape", GPU_SHAPES, ids=GPU_IDS)
def test_gpu_float32_matches_reference(cp, shape, ratio):
    rng = np.random.default_rng(8)
    x32 = nonzero_values(rng, shape).astype(np.float32)
    dy32 = nonzero_values(rng, shape).astype(np.float32)
    y_ref32, cache_ref = dropout.forward(x32, ratio=ratio, seed=21, counter=6)
    (dx_ref32,) = dropout.backward(dy32, cache_ref)
    y_ref64, cache_ref64 = dropout.forward(x32.astype(np.float64), ratio=ratio, seed=21, counter=6)
    (dx_ref64,) = dropout.backward(dy32.astype(np.float64), cache_ref64)

    y, cache = dropout.forward(cp.asarray(x32), ratio=ratio, seed=21, counter=6)
    (dx,) = dropout.backward(cp.asarray(dy32), cache)
    y, dx = cp.asnumpy(y), cp.asnumpy(dx)
    assert y.dtype == np.float32 and dx.dtype == np.float32
    # Same bits, same kept positions, and both sides compute x·scale in float32: exact.
    np.testing.assert_array_equal(y != 0, dropout.kept_mask(cache_ref))
    np.testing.assert_array_equal(y, y_ref32)
    np.testing.assert_array_equal(dx, dx_ref32)
    np.testing.assert_allclose(y, y_ref64, rtol=1e-6, atol=0)
    np.testing.assert_allclose(dx, dx_ref64, rtol=1e-6, atol=0)


@pytest.mark.gpu
def test_gpu_mask_beyond_one_grid_of_blocks(cp):
    # More elements than MAX_BLOCKS·THREADS: the grid-stride loop must cover the tail.
    n = dropout.MAX_BLOCKS * dropout.THREADS + 1001
    y, cache = dropout.forward(cp.ones(n, dtype=cp.float32), ratio=0.5, seed=9, counter=2)
    y = cp.asnumpy(y)
    np.testing.assert_array_equal(y, np.where(dropout.kept_mask(cache), np.float32(2), np.float32(0)))


@pytest.mark.gpu
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_gpu_float64_gradient(cp, shape):
    rng = np.random.default_rng(9)
    x = cp.asarray(nonzero_values(rng, shape))

    def forward(a):
        return dropout.forward(a, ratio=0.3, seed=11, counter=4)

    errors = gradient_errors(forward, dropout.backward, (x,), wrt=(0,), seed=10)
    assert max(errors) <= 1e-6
