"""minitransfer.ops.linear against naive loops, float64 central differences, and (on a GPU) the
hand-written GEMM kernels of kernels/gemm.cu. The GEMM itself, in every transpose and load path,
is tested in tests/ops/test_gemm.py."""

import numpy as np
import pytest

from minitransfer.gradcheck import gradient_errors
from minitransfer.ops import linear, precision
from oracles import relative_error

# (batch N, in, out): batch 1, single units, sizes that are not multiples of 4.
CONFIGS = [(1, 1, 1), (1, 5, 3), (2, 3, 4), (3, 7, 5), (4, 9, 13), (5, 17, 6), (8, 4, 8)]
CONFIG_IDS = [f"n{n}-in{i}-out{o}" for n, i, o in CONFIGS]


def random_layer(rng, n, fan_in, fan_out, dtype=np.float64):
    x = rng.standard_normal((n, fan_in)).astype(dtype)
    w = rng.standard_normal((fan_out, fan_in)).astype(dtype)
    b = rng.standard_normal(fan_out).astype(dtype)
    return x, w, b


def naive_forward(x, w, b):
    n, fan_in = x.shape
    fan_out = w.shape[0]
    y = np.zeros((n, fan_out))
    for row in range(n):
        for unit in range(fan_out):
            total = float(b[unit])
            for i in range(fan_in):
                total += float(x[row, i]) * float(w[unit, i])
            y[row, unit] = total
    return y


def naive_backward(x, w, dy):
    n, fan_in = x.shape
    fan_out = w.shape[0]
    dx, dw, db = np.zeros((n, fan_in)), np.zeros((fan_out, fan_in)), np.zeros(fan_out)
    for row in range(n):
        for unit in range(fan_out):
            db[unit] += dy[row, unit]
            for i in range(fan_in):
                dx[row, i] += dy[row, unit] * w[unit, i]
                dw[unit, i] += dy[row, unit] * x[row, i]
    return dx, dw, db


@pytest.mark.parametrize("n, fan_in, fan_out", CONFIGS, ids=CONFIG_IDS)
def test_forward_matches_naive_loop(n, fan_in, fan_out):
    rng = np.random.default_rng(1)
    x, w, b = random_layer(rng, n, fan_in, fan_out)
    y, cache = linear.forward(x, w, b)
    assert y.shape == (n, fan_out) and y.dtype == np.float64
    assert cache.x is x and cache.w is w
    np.testing.assert_allclose(y, naive_forward(x, w, b), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n, fan_in, fan_out", CONFIGS, ids=CONFIG_IDS)
def test_backward_matches_naive_loop(n, fan_in, fan_out):
    rng = np.random.default_rng(2)
    x, w, b = random_layer(rng, n, fan_in, fan_out)
    dy = rng.standard_normal((n, fan_out))
    _, cache = linear.forward(x, w, b)
    grads = linear.backward(dy, cache)
    for got, expected, shape in zip(grads, naive_backward(x, w, dy), (x.shape, w.shape, b.shape)):
        assert got.shape == shape
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_backward_without_dx_gives_the_same_parameter_gradients():
    rng = np.random.default_rng(12)
    x, w, b = random_layer(rng, 5, 7, 3)
    dy = rng.standard_normal((5, 3))
    _, cache = linear.forward(x, w, b)
    _, dw, db = linear.backward(dy, cache)
    dx, dw_only, db_only = linear.backward(dy, cache, need_dx=False)
    assert dx is None
    np.testing.assert_array_equal(dw_only, dw)
    np.testing.assert_array_equal(db_only, db)


@pytest.mark.parametrize("n, fan_in, fan_out", CONFIGS, ids=CONFIG_IDS)
def test_gradient(n, fan_in, fan_out):
    rng = np.random.default_rng(3)
    args = random_layer(rng, n, fan_in, fan_out)
    errors = gradient_errors(linear.forward, linear.backward, args, wrt=(0, 1, 2), seed=4)
    assert max(errors) <= 1e-6


def test_gradient_large_layer_along_random_directions():
    rng = np.random.default_rng(5)
    args = random_layer(rng, 6, 40, 30)
    errors = gradient_errors(linear.forward, linear.backward, args, wrt=(0, 1, 2), seed=6)
    assert max(errors) <= 1e-6


def test_float32_follows_float64():
    rng = np.random.default_rng(7)
    x, w, b = random_layer(rng, 9, 31, 11)
    dy = rng.standard_normal((9, 11))
    y64, cache64 = linear.forward(x, w, b)
    y32, cache32 = linear.forward(x.astype(np.float32), w.astype(np.float32), b.astype(np.float32))
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, y64, rtol=1e-4, atol=1e-4)
    for got, expected in zip(linear.backward(dy.astype(np.float32), cache32), linear.backward(dy, cache64)):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def _bad_forward_cases():
    good = (np.ones((2, 3)), np.ones((4, 3)), np.ones(4))
    x, w, b = good
    return [
        ((np.ones(3), w, b), r"x must be 2-D, got shape \(3,\)"),
        ((x, np.ones((4, 5)), b), r"x \(2, 3\) and w \(4, 5\) disagree on the input size"),
        ((x, w, np.ones(5)), r"b must have shape \(4,\), got \(5,\)"),
        ((x, w, np.ones((4, 1))), r"b must be 1-D"),
        ((x.astype(np.float32), w, b), "arrays must share one dtype"),
        ((x.astype(np.int32), w.astype(np.int32), b.astype(np.int32)), "dtype"),
        ((np.ones((2, 6))[:, ::2], w, b), "C-contiguous"),
        ((np.ones((0, 3)), w, b), r"x must not be empty, got shape \(0, 3\)"),
        ((x.tolist(), w, b), "NumPy or CuPy array"),
    ]


@pytest.mark.parametrize(
    "args, message", _bad_forward_cases(),
    ids=["x-1d", "in-mismatch", "b-size", "b-2d", "mixed-dtype", "int32", "strided", "empty", "list"],
)
def test_forward_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=rf"linear: .*{message}"):
        linear.forward(*args)


def test_backward_rejects_bad_dy():
    _, cache = linear.forward(np.ones((2, 3)), np.ones((4, 3)), np.ones(4))
    with pytest.raises(ValueError, match=r"linear: dy must have shape \(2, 4\), got \(4, 2\)"):
        linear.backward(np.ones((4, 2)), cache)
    with pytest.raises(ValueError, match="linear: arrays must share one dtype"):
        linear.backward(np.ones((2, 4), dtype=np.float32), cache)
    with pytest.raises(ValueError, match="linear: dy must be C-contiguous"):
        linear.backward(np.ones((4, 2)).T, cache)


# GPU: float32 kernels against the float64 reference, float64 kernels through the gradient check.

GPU_CONFIGS = [(1, 3, 5), (7, 33, 65), (31, 129, 131), (129, 257, 63), (256, 300, 1000), (64, 128, 256)]
GPU_IDS = [f"n{n}-in{i}-out{o}" for n, i, o in GPU_CONFIGS]



@pytest.mark.gpu
@pytest.mark.parametrize("n, fan_in, fan_out", GPU_CONFIGS, ids=GPU_IDS)
def test_gpu_float32_matches_float64_reference(cp, n, fan_in, fan_out):
    rng = np.random.default_rng(8)
    x, w, b = random_layer(rng, n, fan_in, fan_out)
    dy = rng.standard_normal((n, fan_out))
    y_ref, cache_ref = linear.forward(x, w, b)
    grads_ref = linear.backward(dy, cache_ref)

    as32 = [cp.asarray(a.astype(np.float32)) for a in (x, w, b, dy)]
    y, cache = linear.forward(*as32[:3])
    grads = linear.backward(as32[3], cache)
    for got, ref in zip((y, *grads), (y_ref, *grads_ref)):
        assert got.dtype == np.float32 and got.shape == ref.shape
        got = cp.asnumpy(got)
        assert relative_error(got, ref) < 1e-5
        np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())


@pytest.mark.gpu
@pytest.mark.parametrize("n, fan_in, fan_out", CONFIGS + [(6, 40, 30), (70, 67, 66)],
                         ids=CONFIG_IDS + ["n6-in40-out30", "n70-in67-out66"])
def test_gpu_float64_gradient(cp, n, fan_in, fan_out):
    rng = np.random.default_rng(9)
    args = tuple(cp.asarray(a) for a in random_layer(rng, n, fan_in, fan_out))
    errors = gradient_errors(linear.forward, linear.backward, args, wrt=(0, 1, 2), seed=10)
    assert max(errors) <= 1e-6


@pytest.mark.gpu
@pytest.mark.parametrize("n, fan_in, fan_out", [(70, 67, 66), (130, 200, 140)],
                         ids=["n70-in67-out66", "n130-in200-out140"])
def test_gpu_float64_matches_reference_exactly_enough(cp, n, fan_in, fan_out):
    rng = np.random.default_rng(11)
    x, w, b = random_layer(rng, n, fan_in, fan_out)
    dy = rng.standard_normal((n, fan_out))
    y_ref, cache_ref = linear.forward(x, w, b)
    y, cache = linear.forward(cp.asarray(x), cp.asarray(w), cp.asarray(b))
    np.testing.assert_allclose(cp.asnumpy(y), y_ref, rtol=1e-12, atol=1e-12)
    for got, ref in zip(linear.backward(cp.asarray(dy), cache), linear.backward(dy, cache_ref)):
        np.testing.assert_allclose(cp.asnumpy(got), ref, rtol=1e-12, atol=1e-12)


@pytest.mark.gpu
def test_gpu_bias_gradient_sums_many_rows(cp):
    rng = np.random.default_rng(12)
    dy = rng.standard_normal((1001, 37))
    x, w = rng.standard_normal((1001, 5)), rng.standard_normal((37, 5))
    _, cache = linear.forward(cp.asarray(x), cp.asarray(w), cp.asarray(np.zeros(37) + 0.5))
    db = linear.backward(cp.asarray(dy), cache)[2]
    np.testing.assert_allclose(cp.asnumpy(db), dy.sum(axis=0), rtol=1e-12, atol=1e-12)


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gpu_is_bitwise_repeatable(cp, dtype):
    rng = np.random.default_rng(13)
    x, w, b = (cp.asarray(a) for a in random_layer(rng, 37, 129, 67, dtype))
    dy = cp.asarray(rng.standard_normal((37, 67)).astype(dtype))

    def run():
        y, cache = linear.forward(x, w, b)
        return [cp.asnumpy(a).tobytes() for a in (y, *linear.backward(dy, cache))]

    assert run() == run()


@pytest.mark.gpu
def test_gpu_rejects_mixed_numpy_and_cupy(cp):
    x, w, b = np.ones((2, 3)), np.ones((4, 3)), np.ones(4)
    with pytest.raises(ValueError, match="linear: arrays must all be NumPy or all CuPy"):
        linear.forward(cp.asarray(x), w, b)
    _, cache = linear.forward(cp.asarray(x), cp.asarray(w), cp.asarray(b))
    with pytest.raises(ValueError, match="linear: arrays must all be NumPy or all CuPy"):
        linear.backward(np.ones((2, 4)), cache)


@pytest.mark.gpu
def test_gpu_backward_without_dx_gives_the_same_parameter_gradients(cp):
    rng = np.random.default_rng(13)
    x, w, b = (cp.asarray(a.astype(np.float32)) for a in random_layer(rng, 9, 33, 17))
    dy = cp.asarray(rng.standard_normal((9, 17)).astype(np.float32))
    _, cache = linear.forward(x, w, b)
    _, dw, db = linear.backward(dy, cache)
    dx, dw_only, db_only = linear.backward(dy, cache, need_dx=False)
    assert dx is None
    assert cp.array_equal(dw_only, dw) and cp.array_equal(db_only, db)


@pytest.mark.gpu
@pytest.mark.parametrize("mode", precision.TENSOR_CORE)
@pytest.mark.parametrize("n, fan_in, fan_out", GPU_CONFIGS, ids=GPU_IDS)
def test_gpu_tensor_core_modes_match_their_oracles(cp, n, fan_in, fan_out, mode):
    """y, dx, dw in tf32: within 1e-6 of the float64 products of TF32-rounded operands; in tf32x3
    within 1e-5 of float64 and no worse than twice the ieee kernels'; db a plain sum in both."""
    rng = np.random.default_rng(14)
    x, w, b = random_layer(rng, n, fan_in, fan_out, np.float32)
    dy = rng.standard_normal((n, fan_out)).astype(np.float32)

    def reference(operand):
        y, cache = linear.forward(operand(x), operand(w), b.astype(np.float64))
        return (y, *linear.backward(operand(dy), cache))

    exact = reference(lambda a: a.astype(np.float64))
    rounded = reference(lambda a: precision.round_tf32(a).astype(np.float64))

    def run(precision_mode):
        y, cache = linear.forward(cp.asarray(x), cp.asarray(w), cp.asarray(b), precision=precision_mode)
        return [cp.asnumpy(a) for a in (y, *linear.backward(cp.asarray(dy), cache))]

    ours, ieee = run(mode), run("ieee")
    for got, want, full, plain in list(zip(ours, rounded, exact, ieee))[:3]:
        assert np.isfinite(got).all()
        error, ieee_error = relative_error(got, full), relative_error(plain, full)
        if mode == "tf32":
            assert relative_error(got, want) < 1e-6 and error > 10 * ieee_error, (relative_error(got, want), error)
        else:
            assert error < 1e-5 and error <= 2 * ieee_error + 2**-23, (error, ieee_error)
    np.testing.assert_array_equal(ours[3], ieee[3])
