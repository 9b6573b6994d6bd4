"""minitransfer.ops.lrn and kernels/lrn.cu against naive loops (Caffe's cross-channel LRN written
out element by element) and float64 central differences."""

import numpy as np
import pytest

from cuda_emulator import emulated_tail  # noqa: F401 (a fixture)
from minitransfer import cuda
from minitransfer.gradcheck import gradient_errors
from minitransfer.ops import lrn
from oracles import relative_error

# (N, C, H, W, size, alpha, beta, k)
CONFIGS = [
    (2, 7, 3, 4, 5, 1e-4, 0.75, 1.0),  # CaffeNet's hyper-parameters
    (1, 3, 2, 2, 5, 1.0, 0.75, 1.0),   # fewer channels than the window, batch 1
    (3, 4, 1, 1, 1, 1.0, 0.75, 2.0),   # size 1, odd batch, 1×1 image
    (1, 6, 3, 3, 4, 1.0, 0.75, 1.0),   # even size: the window reaches further up than down
    (2, 5, 2, 3, 2, 0.5, 1.5, 1.0),    # the smallest even size, β > 1
    (1, 9, 5, 1, 3, 1.0, 0.5, 0.5),    # k < 1
    (1, 4, 1, 3, 7, 2.0, 0.75, 1.0),   # window wider than all channels on both sides
    (2, 16, 5, 5, 5, 1.0, 0.75, 1.0),  # more elements than the checker probes one by one
]


def config_id(config):
    n, c, h, w, size, alpha, beta, k = config
    return f"size{size}a{alpha:g}b{beta:g}k{k:g}-n{n}c{c}h{h}w{w}"


CONFIG_IDS = [config_id(config) for config in CONFIGS]


def naive_lrn(x, size, alpha, beta, k):
    """scale and y, element by element, with the window written as the spec states it."""
    N, C, H, W = x.shape
    scale = np.empty(x.shape)
    y = np.empty(x.shape)
    for n in range(N):
        for c in range(C):
            for h in range(H):
                for w in range(W):
                    total = 0.0
                    for other in range(c - (size - 1) // 2, c + size // 2 + 1):
                        if 0 <= other < C:
                            total += float(x[n, other, h, w]) ** 2
                    scale[n, c, h, w] = k + alpha / size * total
                    y[n, c, h, w] = x[n, c, h, w] * scale[n, c, h, w] ** -beta
    return scale, y


def naive_lrn_backward(x, dy, size, alpha, beta, k):
    """dx by the chain rule, scattered from each output c to the inputs of its window."""
    scale, _ = naive_lrn(x, size, alpha, beta, k)
    N, C, H, W = x.shape
    dx = np.zeros(x.shape)
    for n in range(N):
        for c in range(C):
            for h in range(H):
                for w in range(W):
                    s = scale[n, c, h, w]
                    dx[n, c, h, w] += dy[n, c, h, w] * s ** -beta
                    # ∂y_c/∂x_j = x_c·(−β)·s^(−β−1)·(2α/size)·x_j for every j in window(c)
                    for j in range(c - (size - 1) // 2, c + size // 2 + 1):
                        if 0 <= j < C:
                            dx[n, j, h, w] += (dy[n, c, h, w] * x[n, c, h, w] * -beta * s ** (-beta - 1)
                                               * 2 * alpha / size * x[n, j, h, w])
    return dx


def test_even_window_by_hand():
    # size 2: window(c) = [c, c + 1]; α/size = 1, β = 1, k = 1.
    x = np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1, 1)
    y, cache = lrn.forward(x, size=2, alpha=2.0, beta=1.0, k=1.0)
    np.testing.assert_allclose(cache.scale.ravel(), [1 + 1 + 4, 1 + 4 + 9, 1 + 9], rtol=1e-15)
    np.testing.assert_allclose(y.ravel(), [1 / 6, 2 / 14, 3 / 10], rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_forward_matches_naive_loop(config, dtype):
    n, c, h, w, size, alpha, beta, k = config
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    y, cache = lrn.forward(x, size=size, alpha=alpha, beta=beta, k=k)
    scale_naive, y_naive = naive_lrn(x, size, alpha, beta, k)
    assert y.dtype == dtype and cache.scale.dtype == dtype
    tolerance = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(cache.scale, scale_naive, rtol=tolerance)
    np.testing.assert_allclose(y, y_naive, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_backward_matches_naive_loop(config):
    n, c, h, w, size, alpha, beta, k = config
    rng = np.random.default_rng(2)
    x = rng.standard_normal((n, c, h, w))
    dy = rng.standard_normal((n, c, h, w))
    _, cache = lrn.forward(x, size=size, alpha=alpha, beta=beta, k=k)
    (dx,) = lrn.backward(dy, cache)
    np.testing.assert_allclose(dx, naive_lrn_backward(x, dy, size, alpha, beta, k), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_gradient(config):
    n, c, h, w, size, alpha, beta, k = config
    rng = np.random.default_rng(3)
    x = rng.standard_normal((n, c, h, w))

    def forward(x):
        return lrn.forward(x, size=size, alpha=alpha, beta=beta, k=k)

    errors = gradient_errors(forward, lrn.backward, (x,), wrt=(0,), seed=4)
    assert max(errors) <= 1e-6


@pytest.mark.parametrize(
    "x, hyper, message",
    [
        (np.ones((3, 5, 5)), {}, r"x must be 4-D, got shape \(3, 5, 5\)"),
        (np.ones((1, 3, 5, 5), dtype=np.float16), {}, "x must have dtype"),
        (np.ones((1, 6, 5, 5))[:, ::2], {}, "C-contiguous"),
        (np.ones((1, 3, 0, 5)), {}, r"no empty dimension, got shape \(1, 3, 0, 5\)"),
        (np.ones((1, 3, 5, 5)), {"size": 0}, "size must be an integer >= 1"),
        (np.ones((1, 3, 5, 5)), {"size": 2.5}, "size must be an integer >= 1"),
        (np.ones((1, 3, 5, 5)), {"size": 5.0}, r"size must be an integer >= 1, got 5\.0"),
        (np.ones((1, 3, 5, 5)), {"size": True}, "size must be an integer >= 1, got True"),
        (np.ones((1, 3, 5, 5)), {"alpha": -1e-4}, "alpha must be >= 0"),
        (np.ones((1, 3, 5, 5)), {"alpha": float("nan")}, "alpha must be a finite real number"),
        (np.ones((1, 3, 5, 5)), {"beta": "0.75"}, "beta must be a finite real number"),
        (np.ones((1, 3, 5, 5)), {"k": 0.0}, "k must be > 0"),
        (np.ones((1, 3, 5, 5)), {"k": float("inf")}, "k must be a finite real number"),
        # the kernels' 32-bit int: the launch raised NumPy's OverflowError, the reference a MemoryError
        (np.ones((1, 3, 5, 5)), {"size": 2**31}, r"size must be at most 2147483647 \(the kernels' 32-bit integers\)"),
    ],
    ids=["3d", "float16", "strided", "empty", "size0", "size-float", "size-whole-float", "size-bool", "alpha-negative",
         "alpha-nan", "beta-string", "k0", "k-inf", "size-beyond-int32"],
)
def test_forward_rejects_bad_input(x, hyper, message):
    with pytest.raises(ValueError, match=f"lrn: .*{message}"):
        lrn.forward(x, **hyper)


def test_backward_rejects_wrong_shape_and_dtype():
    _, cache = lrn.forward(np.ones((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"lrn: dy must have shape \(2, 3, 4, 5\), got \(2, 3, 5, 4\)"):
        lrn.backward(np.ones((2, 3, 5, 4)), cache)
    with pytest.raises(ValueError, match="lrn: arrays must share one dtype"):
        lrn.backward(np.ones((2, 3, 4, 5), dtype=np.float32), cache)
    with pytest.raises(ValueError, match="lrn: dy must be 4-D"):
        lrn.backward(np.ones((2, 60)), cache)


def test_the_last_of_2_31_minus_1_channels_keep_their_window(emulated_tail):
    """A window's top, c + size/2 (and backward's c + (size − 1)/2), was an int compared with
    C − 1: for the last channel of C = 2^31 − 1 (the most elements the launcher allows) it
    passed 2^31 − 1 and wrapped, the window summed nothing and scale was k alone. The last block
    (255 channels), run alone on virtual tensors, against the naive loops on those channels and
    the few below them that their windows reach (the ones below the block are 0)."""
    cp = cuda.cupy()
    C, size, alpha, beta, k = lrn.MAX_ELEMENTS, 5, 1.0, 0.75, 1.0
    rng = np.random.default_rng(9)
    tail = 258  # the block's 255 channels, and 3 below them
    x_tail = np.zeros((1, tail, 1, 1), np.float32)
    x_tail[:, 3:] = rng.standard_normal((1, tail - 3, 1, 1))
    dy_tail = rng.standard_normal((1, tail, 1, 1)).astype(np.float32)
    x, dy = cp.empty((1, C, 1, 1), np.float32), cp.empty((1, C, 1, 1), np.float32)
    x[:, C - tail:] = x_tail
    dy[:, C - tail:] = dy_tail
    with emulated_tail.tail((cuda.blocks(C, lrn.THREADS) - 1, 0, 0)):
        y, cache = lrn.forward(x, size, alpha, beta, k)
        (dx,) = lrn.backward(dy, cache)
    scale_ref, y_ref = naive_lrn(x_tail, size, alpha, beta, k)
    dx_ref = naive_lrn_backward(x_tail, dy_tail, size, alpha, beta, k)
    for got, ref, first in ((cache.scale, scale_ref, 3), (y, y_ref, 3), (dx, dx_ref, 5)):  # dx: its window's scales
        got, ref = cp.asnumpy(got[:, C - tail + first:]), ref[:, first:]
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)

GPU_CONFIGS = CONFIGS + [
    (3, 96, 27, 27, 5, 1e-4, 0.75, 1.0),  # CaffeNet norm1
    (2, 37, 13, 11, 5, 1.0, 0.75, 1.0),
    (5, 3, 7, 9, 6, 0.3, 0.75, 2.0),
]
GPU_IDS = [config_id(config) for config in GPU_CONFIGS]



@pytest.mark.gpu
@pytest.mark.parametrize("config", GPU_CONFIGS, ids=GPU_IDS)
def test_gpu_float32_matches_reference(cp, config):
    n, c, h, w, size, alpha, beta, k = config
    hyper = dict(size=size, alpha=alpha, beta=beta, k=k)
    rng = np.random.default_rng(5)
    x32 = rng.standard_normal((n, c, h, w)).astype(np.float32)
    dy32 = rng.standard_normal((n, c, h, w)).astype(np.float32)
    y_ref, cache_ref = lrn.forward(x32.astype(np.float64), **hyper)
    (dx_ref,) = lrn.backward(dy32.astype(np.float64), cache_ref)

    y, cache = lrn.forward(cp.asarray(x32), **hyper)
    (dx,) = lrn.backward(cp.asarray(dy32), cache)
    assert y.dtype == np.float32 and cache.scale.dtype == np.float32 and dx.dtype == np.float32
    for gpu, ref in ((cache.scale, cache_ref.scale), (y, y_ref), (dx, dx_ref)):
        gpu = cp.asnumpy(gpu)
        assert relative_error(gpu, ref) < 1e-5
        np.testing.assert_allclose(gpu, ref, rtol=1e-4, atol=1e-5 * np.abs(ref).max())


@pytest.mark.gpu
@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_gpu_float64_gradient(cp, config):
    n, c, h, w, size, alpha, beta, k = config
    rng = np.random.default_rng(6)
    x = cp.asarray(rng.standard_normal((n, c, h, w)))

    def forward(x):
        return lrn.forward(x, size=size, alpha=alpha, beta=beta, k=k)

    errors = gradient_errors(forward, lrn.backward, (x,), wrt=(0,), seed=7)
    assert max(errors) <= 1e-6


@pytest.mark.gpu
@pytest.mark.parametrize("config", CONFIGS[:4], ids=CONFIG_IDS[:4])
def test_gpu_float64_matches_reference(cp, config):
    n, c, h, w, size, alpha, beta, k = config
    hyper = dict(size=size, alpha=alpha, beta=beta, k=k)
    rng = np.random.default_rng(8)
    x = rng.standard_normal((n, c, h, w))
    dy = rng.standard_normal((n, c, h, w))
    y_ref, cache_ref = lrn.forward(x, **hyper)
    (dx_ref,) = lrn.backward(dy, cache_ref)
    y, cache = lrn.forward(cp.asarray(x), **hyper)
    (dx,) = lrn.backward(cp.asarray(dy), cache)
    np.testing.assert_allclose(cp.asnumpy(y), y_ref, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(cp.asnumpy(dx), dx_ref, rtol=1e-12, atol=1e-13)


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gpu_is_bitwise_repeatable(cp, dtype):
    rng = np.random.default_rng(9)
    x = cp.asarray(rng.standard_normal((3, 17, 9, 11)).astype(dtype))
    dy = cp.asarray(rng.standard_normal((3, 17, 9, 11)).astype(dtype))

    def run():
        y, cache = lrn.forward(x, size=5, alpha=1.0, beta=0.75, k=1.0)
        (dx,) = lrn.backward(dy, cache)
        return cp.asnumpy(y).tobytes(), cp.asnumpy(cache.scale).tobytes(), cp.asnumpy(dx).tobytes()

    assert run() == run()
