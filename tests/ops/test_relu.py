"""minitransfer.ops.relu and kernels/relu.cu against a naive loop and float64 central differences."""

import numpy as np
import pytest

from minitransfer.gradcheck import gradient_errors
from minitransfer.ops import relu

SHAPES = [(), (1,), (7,), (3, 5), (1, 1, 1, 1), (2, 3, 5, 7), (5, 4, 3, 2, 3)]  # (): a 0-d array ("any shape")
SHAPE_IDS = ["x".join(str(d) for d in shape) or "0d" for shape in SHAPES]


def away_from_zero(rng, shape, margin=0.1):
    """Values with |x| in [margin, 1 + margin], half negative: the kink at 0 is out of reach of h."""
    magnitude = margin + rng.random(shape)
    sign = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
    return sign * magnitude


def naive_relu(x):
    flat = [value if value > 0 else 0.0 for value in x.ravel().tolist()]
    return np.array(flat, dtype=np.float64).reshape(x.shape)


def naive_relu_backward(x, dy):
    flat = [g if value > 0 else 0.0 for value, g in zip(x.ravel().tolist(), dy.ravel().tolist())]
    return np.array(flat, dtype=np.float64).reshape(x.shape)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_forward_matches_naive_loop(shape, dtype):
    rng = np.random.default_rng(1)
    x = away_from_zero(rng, shape).astype(dtype)
    y, _ = relu.forward(x)
    assert y.dtype == dtype and y.shape == x.shape
    np.testing.assert_array_equal(y, naive_relu(x))


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_backward_matches_naive_loop(shape):
    rng = np.random.default_rng(2)
    x = away_from_zero(rng, shape)
    dy = rng.standard_normal(shape)
    _, cache = relu.forward(x)
    (dx,) = relu.backward(dy, cache)
    np.testing.assert_array_equal(dx, naive_relu_backward(x, dy))


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_gradient(shape):
    rng = np.random.default_rng(3)
    x = away_from_zero(rng, shape)
    errors = gradient_errors(relu.forward, relu.backward, (x,), wrt=(0,), seed=4)
    assert max(errors) <= 1e-6


def test_gradient_at_zero_is_zero():
    x = np.array([-1.0, 0.0, 1.0])
    _, cache = relu.forward(x)
    (dx,) = relu.backward(np.array([5.0, 5.0, 5.0]), cache)
    np.testing.assert_array_equal(dx, [0.0, 0.0, 5.0])


def poisoned(rng, shape, dtype):
    """Values with NaNs, infinities and zeros of both signs among them."""
    x = rng.standard_normal(shape).astype(dtype)
    for value, share in ((np.nan, 0.1), (-0.0, 0.1), (0.0, 0.1), (np.inf, 0.05), (-np.inf, 0.05)):
        x[rng.random(shape) < share] = value
    return x


def bits(a):
    return np.ascontiguousarray(a).view(f"u{a.dtype.itemsize}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_infinities_and_signed_zeros_give_the_naive_loops_bits(dtype):
    """0 where x > 0 fails (x NaN or -0.0 included) is +0.0; a NaN gradient passes where x > 0."""
    rng = np.random.default_rng(5)
    x, dy = poisoned(rng, (4, 3, 5, 5), dtype), poisoned(rng, (4, 3, 5, 5), dtype)
    y, cache = relu.forward(x)
    (dx,) = relu.backward(dy, cache)
    np.testing.assert_array_equal(bits(y), bits(naive_relu(x).astype(dtype)))
    np.testing.assert_array_equal(bits(dx), bits(naive_relu_backward(x, dy).astype(dtype)))
    scaled = relu.masked_gradient(dy, y, scale=2.0)  # y > 0 exactly where x > 0
    np.testing.assert_array_equal(bits(scaled), bits((naive_relu_backward(x, dy) * 2.0).astype(dtype)))


@pytest.mark.parametrize(
    "x, message",
    [
        (np.ones((2, 3), dtype=np.int32), "dtype"),
        (np.ones((4, 6))[:, ::2], "C-contiguous"),
        ([1.0, -1.0], "NumPy or CuPy array"),
    ],
    ids=["int32", "strided", "list"],
)
def test_forward_rejects_bad_input(x, message):
    with pytest.raises(ValueError, match=rf"relu: .*{message}"):
        relu.forward(x)


def test_backward_rejects_wrong_shape_and_dtype():
    _, cache = relu.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"relu: dy must have shape \(2, 3\), got \(3, 2\)"):
        relu.backward(np.ones((3, 2)), cache)
    with pytest.raises(ValueError, match="relu: arrays must share one dtype"):
        relu.backward(np.ones((2, 3), dtype=np.float32), cache)


GPU_SHAPES = [(1,), (37,), (3, 5, 7), (2, 3, 13, 11), (1000003,)]
GPU_IDS = ["x".join(str(d) for d in shape) for shape in GPU_SHAPES]


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("shape", GPU_SHAPES, ids=GPU_IDS)
def test_gpu_matches_reference_exactly(cp, shape, dtype):
    # A selection, no arithmetic: the kernels must give the reference's bits in both dtypes.
    rng = np.random.default_rng(5)
    x = away_from_zero(rng, shape).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    y_ref, cache_ref = relu.forward(x.astype(np.float64))
    (dx_ref,) = relu.backward(dy.astype(np.float64), cache_ref)

    y, cache = relu.forward(cp.asarray(x))
    (dx,) = relu.backward(cp.asarray(dy), cache)
    assert y.dtype == dtype and dx.dtype == dtype
    np.testing.assert_array_equal(cp.asnumpy(y), y_ref.astype(dtype))
    np.testing.assert_array_equal(cp.asnumpy(dx), dx_ref.astype(dtype))


@pytest.mark.gpu
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_gpu_float64_gradient(cp, shape):
    rng = np.random.default_rng(6)
    x = cp.asarray(away_from_zero(rng, shape))
    errors = gradient_errors(relu.forward, relu.backward, (x,), wrt=(0,), seed=7)
    assert max(errors) <= 1e-6
