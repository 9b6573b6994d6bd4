"""minitransfer.ops.max_pool2d and kernels/max_pool2d.cu against naive loops (Caffe's
PoolingLayer written out) and float64 central differences."""

import math

import numpy as np
import pytest

from cuda_emulator import emulated_launches  # noqa: F401 (a fixture)
from minitransfer.gradcheck import gradient_errors
from minitransfer.ops import max_pool2d, max_pool2d_lrn
from oracles import relative_error

# (N, C, H, W, size, stride, pad)
CONFIGS = [
    (1, 2, 1, 1, 2, 1, 1),    # 1×1 image, both windows see the same pixel
    (2, 3, 8, 10, 3, 2, 0),   # stride 2 with leftover pixels: the last window is clipped
    (3, 2, 5, 6, 3, 2, 1),    # odd batch, padding
    (1, 2, 6, 6, 3, 3, 2),    # the "last window starts in the padding" rule drops an output
    (2, 1, 5, 7, 1, 3, 0),    # stride > size: pixels skipped, the empty last row dropped
    (2, 2, 4, 4, 3, 1, 1),    # overlapping windows, one pixel the maximum of several
    (1, 3, 9, 7, 5, 2, 2),    # large window hanging over both edges
    (5, 2, 13, 13, 3, 2, 0),  # CaffeNet pool5 geometry, odd batch
]


def config_id(config):
    n, c, h, w, size, stride, pad = config
    return f"k{size}s{stride}p{pad}-n{n}c{c}h{h}w{w}"


CONFIG_IDS = [config_id(config) for config in CONFIGS]


def distinct_values(rng, shape, gap=1e-2):
    """A shuffled ramp, half negative: every maximum is unique and 1e-2 (>> h) from the next value."""
    count = math.prod(shape)
    return (rng.permutation(count).reshape(shape) - count / 2) * gap


def naive_output_size(length, size, stride, pad):
    pooled = int(math.ceil((length + 2 * pad - size) / stride)) + 1
    if (pooled - 1) * stride >= length + pad:
        pooled -= 1
    return pooled


def naive_pool(x, size, stride, pad):
    """Caffe's MaxPoolForward, loop by loop: returns y and the (h, w) of each first maximum."""
    N, C, H, W = x.shape
    P = naive_output_size(H, size, stride, pad)
    Q = naive_output_size(W, size, stride, pad)
    y = np.empty((N, C, P, Q))
    where = np.empty((N, C, P, Q, 2), dtype=np.int64)
    for n in range(N):
        for c in range(C):
            for ph in range(P):
                for qw in range(Q):
                    hstart, wstart = ph * stride - pad, qw * stride - pad
                    hend, wend = min(hstart + size, H), min(wstart + size, W)
                    hstart, wstart = max(hstart, 0), max(wstart, 0)
                    best, best_at = -math.inf, None
                    for h in range(hstart, hend):
                        for w in range(wstart, wend):
                            if x[n, c, h, w] > best:
                                best, best_at = x[n, c, h, w], (h, w)
                    y[n, c, ph, qw] = best
                    where[n, c, ph, qw] = best_at
    return y, where


def naive_pool_backward(x_shape, where, dy):
    dx = np.zeros(x_shape)
    N, C, P, Q = dy.shape
    for n in range(N):
        for c in range(C):
            for ph in range(P):
                for qw in range(Q):
                    h, w = where[n, c, ph, qw]
                    dx[n, c, h, w] += dy[n, c, ph, qw]
    return dx


@pytest.mark.parametrize(
    "length, size, stride, pad, expected",
    [(55, 3, 2, 0, 27), (27, 3, 2, 0, 13), (13, 3, 2, 0, 6), (8, 3, 2, 0, 4), (7, 3, 2, 1, 4),
     (6, 3, 3, 2, 3), (5, 1, 3, 0, 2), (1, 2, 1, 1, 2), (227, 3, 2, 0, 113)],
    ids=["caffenet55", "caffenet27", "caffenet13", "leftover", "pad1", "rule-drops", "stride>size",
         "1x1-pad", "227"],
)
def test_output_size(length, size, stride, pad, expected):
    assert max_pool2d.output_size(length, size, stride, pad) == expected
    assert naive_output_size(length, size, stride, pad) == expected


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_forward_matches_naive_loop(config, dtype):
    n, c, h, w, size, stride, pad = config
    rng = np.random.default_rng(1)
    x = distinct_values(rng, (n, c, h, w)).astype(dtype)
    y, cache = max_pool2d.forward(x, size=size, stride=stride, pad=pad)
    y_naive, where = naive_pool(x, size, stride, pad)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, y_naive)
    np.testing.assert_array_equal(cache.argmax, where[..., 0] * w + where[..., 1])
    assert cache.argmax.dtype == np.int32


@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_backward_matches_naive_loop(config):
    n, c, h, w, size, stride, pad = config
    rng = np.random.default_rng(2)
    x = distinct_values(rng, (n, c, h, w))
    y, cache = max_pool2d.forward(x, size=size, stride=stride, pad=pad)
    dy = rng.standard_normal(y.shape)
    (dx,) = max_pool2d.backward(dy, cache)
    _, where = naive_pool(x, size, stride, pad)
    np.testing.assert_allclose(dx, naive_pool_backward(x.shape, where, dy), rtol=1e-12, atol=1e-12)



def test_a_nan_wins_only_where_the_scan_starts_at_it():
    """The documented scan (strict >, starting from the window's first pixel; module docstring):
    a window whose first pixel is NaN yields NaN at that pixel, a NaN later in a window is skipped.
    (Caffe starts from -FLT_MAX instead, so a NaN never wins there: a deliberate difference.)"""
    nan = np.nan
    x = np.array([[[[nan, 1.0, 2.0], [3.0, nan, 4.0], [5.0, 6.0, 7.0]]]])
    y, cache = max_pool2d.forward(x, size=2, stride=1, pad=0)  # windows start at (0,0) (0,1) (1,0) (1,1)
    np.testing.assert_array_equal(y, [[[[nan, 4.0], [6.0, nan]]]])  # NaN first / 4 at (1,2) / 6 at (2,1) / NaN first
    np.testing.assert_array_equal(cache.argmax, [[[[0, 1 * 3 + 2], [2 * 3 + 1, 1 * 3 + 1]]]])

def test_ties_send_the_gradient_to_the_first_maximum():
    x = np.full((1, 1, 4, 5), 2.5)
    x[0, 0, 3, 4] = 3.5
    y, cache = max_pool2d.forward(x, size=3, stride=2, pad=0)  # 1,1,2,2
    (dx,) = max_pool2d.backward(np.array([[[[1.0, 2.0], [4.0, 8.0]]]]), cache)
    expected = np.zeros((1, 1, 4, 5))
    expected[0, 0, 0, 0] = 1.0  # window rows 0-2, cols 0-2: a tie, first pixel wins
    expected[0, 0, 0, 2] = 2.0  # rows 0-2, cols 2-4
    expected[0, 0, 2, 0] = 4.0  # rows 2-3 (clipped), cols 0-2
    expected[0, 0, 3, 4] = 8.0  # rows 2-3, cols 2-4: the unique maximum
    np.testing.assert_array_equal(y, [[[[2.5, 2.5], [2.5, 3.5]]]])
    np.testing.assert_array_equal(dx, expected)


@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_many_ties_pick_the_first_maximum_like_the_loop(config):
    """After a ReLU most windows tie (at 0, and -0.0 equals 0): the vectorised reference must pick
    the pixel the row-major loop picks and return its value, sign of zero included."""
    n, c, h, w, size, stride, pad = config
    rng = np.random.default_rng(4)
    x = np.maximum(rng.integers(-3, 3, (n, c, h, w)), 0).astype(np.float32)
    x[rng.random(x.shape) < 0.3] = -0.0
    y, cache = max_pool2d.forward(x, size=size, stride=stride, pad=pad)
    y_naive, where = naive_pool(x, size, stride, pad)
    np.testing.assert_array_equal(cache.argmax, where[..., 0] * w + where[..., 1])
    np.testing.assert_array_equal(np.signbit(y), np.signbit(y_naive))
    np.testing.assert_array_equal(y, y_naive)


def test_a_pixel_shared_by_windows_adds_their_gradients_in_output_order():
    """float32 sums round: the reference adds in output order (row by row), as the kernel's
    gather does; 1e8 + 1 - 1e8 is 0 in float32 taken left to right, 1 taken otherwise."""
    x = np.zeros((1, 1, 5, 5), dtype=np.float32)
    x[0, 0, 2, 2] = 1.0  # the maximum of all four 3×3 windows (stride 2)
    dy = np.array([[[[1e8, 1.0], [-1e8, 1.0]]]], dtype=np.float32)
    y, cache = max_pool2d.forward(x, size=3, stride=2, pad=0)
    (dx,) = max_pool2d.backward(dy, cache)
    total = np.float32(0)
    for value in dy.ravel():
        total = np.float32(total + value)
    assert total == 1.0 and dx[0, 0, 2, 2] == total
    assert np.count_nonzero(dx) == 1


@pytest.mark.parametrize("config", [(1, 1, 3, 3, 3, 2, 1), (2, 2, 5, 4, 2, 2, 1)], ids=["k3s2p1", "k2s2p1"])
def test_padding_never_wins_over_negative_pixels(config):
    n, c, h, w, size, stride, pad = config
    rng = np.random.default_rng(3)
    x = -1.0 - rng.random((n, c, h, w))
    y, _ = max_pool2d.forward(x, size=size, stride=stride, pad=pad)
    assert (y < -1.0).all()
    np.testing.assert_array_equal(y, naive_pool(x, size, stride, pad)[0])


def windows_without_a_maximum():
    """3x4 pixels, 2x2 windows, stride 2, pad 1: outputs 2x3, each window the pixels of rows
    [2·ph − 1, 2·ph + 1) and columns [2·qw − 1, 2·qw + 1) inside the image. In three windows the
    scan, strict > from the window's first real pixel (the kernel's: its loop starts inside the
    image), finds nothing greater, so the first real pixel is the maximum: window (0,0) = {(0,0)}
    all −inf, window (1,0) = {(1,0), (2,0)} all −inf, window (0,2) = {(0,3)} a NaN. Each of them
    begins, padded, with a padding pixel: (−1,−1), (1,−1) (flat h·W − 1 = 3, the pixel (0,3)
    before the fix) and (−1,2). dy are powers of two, so each dx names the outputs summed into it.
    Returns x, dy and the expected y, argmax (h·W + w) and dx."""
    inf, nan = np.inf, np.nan
    x = np.array([[[[-inf, 5.0, 6.0, nan], [-inf, 1.0, 2.0, 3.0], [-inf, 4.0, 0.0, -inf]]]])
    dy = np.array([[[[1.0, 2.0, 4.0], [8.0, 16.0, 32.0]]]])
    y = np.array([[[[-inf, 6.0, nan], [-inf, 4.0, 3.0]]]])
    argmax = np.array([[[[0, 2, 3], [1 * 4 + 0, 2 * 4 + 1, 1 * 4 + 3]]]], dtype=np.int32)
    dx = np.zeros_like(x)
    for (h, w), gradient in zip([(0, 0), (0, 2), (0, 3), (1, 0), (2, 1), (1, 3)], dy.ravel()):
        dx[0, 0, h, w] = gradient
    return x, dy, y, argmax, dx


def test_a_window_with_nothing_greater_than_its_first_real_pixel_credits_that_pixel():
    """All −inf (or a NaN first): the maximum and the gradient are the window's first real pixel,
    never the padding before it nor the pixel before that in the plane (the previous row's last)."""
    x, dy, y_expected, argmax_expected, dx_expected = windows_without_a_maximum()
    y, cache = max_pool2d.forward(x, size=2, stride=2, pad=1)
    (dx,) = max_pool2d.backward(dy, cache)
    np.testing.assert_array_equal(y, y_expected)
    np.testing.assert_array_equal(cache.argmax, argmax_expected)
    np.testing.assert_array_equal(dx, dx_expected)


@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_gradient(config):
    n, c, h, w, size, stride, pad = config
    rng = np.random.default_rng(4)
    x = distinct_values(rng, (n, c, h, w))

    def forward(x):
        return max_pool2d.forward(x, size=size, stride=stride, pad=pad)

    errors = gradient_errors(forward, max_pool2d.backward, (x,), wrt=(0,), seed=5)
    assert max(errors) <= 1e-6


@pytest.mark.parametrize(
    "x, hyper, message",
    [
        (np.ones((3, 5, 5)), {}, r"x must be 4-D, got shape \(3, 5, 5\)"),
        (np.ones((1, 1, 5, 5), dtype=np.int64), {}, "x must have dtype"),
        (np.ones((1, 1, 5, 10))[..., ::2], {}, "C-contiguous"),
        (np.ones((1, 0, 5, 5)), {}, r"no empty dimension, got shape \(1, 0, 5, 5\)"),
        (np.ones((1, 1, 5, 5)), {"size": 0}, "size must be an integer >= 1"),
        (np.ones((1, 1, 5, 5)), {"size": 2.5}, "size must be an integer >= 1"),
        (np.ones((1, 1, 5, 5)), {"stride": 0}, "stride must be an integer >= 1"),
        (np.ones((1, 1, 5, 5)), {"pad": -1}, "pad must be an integer >= 0"),
        (np.ones((1, 1, 5, 5)), {"size": 3.0}, r"size must be an integer >= 1, got 3\.0"),
        (np.ones((1, 1, 5, 5)), {"stride": np.float32(2)}, "stride must be an integer >= 1"),
        (np.ones((1, 1, 5, 5)), {"pad": False}, "pad must be an integer >= 0, got False"),
        (np.ones((1, 1, 5, 5)), {"size": 3, "pad": 3}, "pad must be smaller than size"),
        (np.ones((1, 1, 2, 7)), {"size": 3}, r"window 3x3 is larger than the padded input 2x7"),
        (np.ones((1, 1, 7, 1)), {"size": 5, "pad": 1}, r"window 5x5 is larger than the padded input 9x3"),
        # a 32-bit int of the kernels: the launch raised NumPy's OverflowError, naming nothing
        (np.ones((1, 1, 5, 5)), {"stride": 2**31},
         r"stride must be at most 2147483647 \(the kernels' 32-bit integers\), got 2147483648"),
    ],
    ids=["3d", "int64", "strided", "empty", "size0", "size-float", "stride0", "pad-negative", "size-whole-float",
         "stride-numpy-float", "pad-bool", "pad>=size",
         "window>h", "window>w-padded", "stride-beyond-int32"],
)
def test_forward_rejects_bad_input(x, hyper, message):
    with pytest.raises(ValueError, match=f"max_pool2d: .*{message}"):
        max_pool2d.forward(x, **hyper)


def test_backward_rejects_wrong_shape_and_dtype():
    _, cache = max_pool2d.forward(np.ones((2, 3, 7, 7)))  # y 2,3,3,3
    with pytest.raises(ValueError, match=r"max_pool2d: dy must have shape \(2, 3, 3, 3\), got \(2, 3, 3, 4\)"):
        max_pool2d.backward(np.ones((2, 3, 3, 4)), cache)
    with pytest.raises(ValueError, match="max_pool2d: dy must have the dtype of x"):
        max_pool2d.backward(np.ones((2, 3, 3, 3), dtype=np.float32), cache)
    with pytest.raises(ValueError, match="max_pool2d: dy must be 4-D"):
        max_pool2d.backward(np.ones((2, 27)), cache)


GPU_CONFIGS = CONFIGS + [(3, 5, 27, 31, 3, 2, 0), (2, 3, 55, 55, 3, 2, 0), (1, 4, 33, 17, 4, 3, 3)]
GPU_IDS = [config_id(config) for config in GPU_CONFIGS]



@pytest.mark.gpu
@pytest.mark.parametrize("config", GPU_CONFIGS, ids=GPU_IDS)
def test_gpu_float32_matches_reference(cp, config):
    n, c, h, w, size, stride, pad = config
    rng = np.random.default_rng(6)
    x32 = distinct_values(rng, (n, c, h, w)).astype(np.float32)
    y_ref, cache_ref = max_pool2d.forward(x32.astype(np.float64), size=size, stride=stride, pad=pad)
    dy32 = rng.standard_normal(y_ref.shape).astype(np.float32)
    (dx_ref,) = max_pool2d.backward(dy32.astype(np.float64), cache_ref)

    y, cache = max_pool2d.forward(cp.asarray(x32), size=size, stride=stride, pad=pad)
    (dx,) = max_pool2d.backward(cp.asarray(dy32), cache)
    assert y.dtype == np.float32 and dx.dtype == np.float32
    np.testing.assert_array_equal(cp.asnumpy(y), y_ref.astype(np.float32))
    np.testing.assert_array_equal(cp.asnumpy(cache.argmax), cache_ref.argmax)
    assert relative_error(cp.asnumpy(dx), dx_ref) < 1e-6
    np.testing.assert_allclose(cp.asnumpy(dx), dx_ref, rtol=1e-5, atol=1e-6)


@pytest.mark.gpu
@pytest.mark.parametrize("config", GPU_CONFIGS[:6], ids=GPU_IDS[:6])
def test_gpu_ties_pick_the_first_maximum(cp, config):
    n, c, h, w, size, stride, pad = config
    rng = np.random.default_rng(7)
    x = rng.integers(1, 4, size=(n, c, h, w)).astype(np.float32) * 0.5  # many ties, no zeros
    y_ref, cache_ref = max_pool2d.forward(x, size=size, stride=stride, pad=pad)
    dy = rng.standard_normal(y_ref.shape).astype(np.float32)
    (dx_ref,) = max_pool2d.backward(dy, cache_ref)

    y, cache = max_pool2d.forward(cp.asarray(x), size=size, stride=stride, pad=pad)
    (dx,) = max_pool2d.backward(cp.asarray(dy), cache)
    np.testing.assert_array_equal(cp.asnumpy(y), y_ref)
    np.testing.assert_array_equal(cp.asnumpy(cache.argmax), cache_ref.argmax)
    np.testing.assert_allclose(cp.asnumpy(dx), dx_ref, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_window_with_nothing_greater_than_its_first_real_pixel_credits_that_pixel(cuda_xp, dtype):
    """The kernel's scan on the reference's hand-derived case (emulated on the CPU, and on a GPU)."""
    cp = cuda_xp
    x, dy, y_expected, argmax_expected, dx_expected = windows_without_a_maximum()
    y, cache = max_pool2d.forward(cp.asarray(x.astype(dtype)), size=2, stride=2, pad=1)
    (dx,) = max_pool2d.backward(cp.asarray(dy.astype(dtype)), cache)
    np.testing.assert_array_equal(cp.asnumpy(y), y_expected.astype(dtype))
    np.testing.assert_array_equal(cp.asnumpy(cache.argmax), argmax_expected)
    np.testing.assert_array_equal(cp.asnumpy(dx), dx_expected.astype(dtype))


@pytest.mark.gpu
@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_gpu_float64_gradient(cp, config):
    n, c, h, w, size, stride, pad = config
    rng = np.random.default_rng(8)
    x = cp.asarray(distinct_values(rng, (n, c, h, w)))

    def forward(x):
        return max_pool2d.forward(x, size=size, stride=stride, pad=pad)

    errors = gradient_errors(forward, max_pool2d.backward, (x,), wrt=(0,), seed=9)
    assert max(errors) <= 1e-6


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gpu_is_bitwise_repeatable(cp, dtype):
    rng = np.random.default_rng(10)
    x = cp.asarray(distinct_values(rng, (3, 5, 27, 27)).astype(dtype))
    dy = cp.asarray(rng.standard_normal((3, 5, 13, 13)).astype(dtype))

    def run():
        y, cache = max_pool2d.forward(x, size=3, stride=2, pad=0)
        (dx,) = max_pool2d.backward(dy, cache)
        return cp.asnumpy(y).tobytes(), cp.asnumpy(cache.argmax).tobytes(), cp.asnumpy(dx).tobytes()

    assert run() == run()


@pytest.mark.parametrize("x_shape, size, refused", [
    ((1, 1, 1, 2**31 - 3), 3, None),
    # a window's end ph·stride − pad + size reaches W − 1 + size: past 2^31 − 1 it wrapped negative
    ((1, 1, 1, 2**31 - 2), 3, r"a window of 3x3 over x of shape \(1, 1, 1, 2147483646\) reaches past"),
    ((1, 1, 2**16, 2**14), 2**31 - 2**16, None),
    ((1, 1, 2**16, 2**14), 2**31 - 2**16 + 1, r"H - 1 \+ size and W - 1 \+ size must stay below 2\*\*31"),
    ((1, 1, 2**16, 2**15 + 1), 3, r"got x of shape \(1, 1, 65536, 32769\) .* at most 2\*\*31 - 1 elements"),
], ids=["largest", "past", "window-largest", "window-past", "elements-past"])
def test_cuda_sizes_at_the_32_bit_boundaries(x_shape, size, refused):
    """max_pool2d's and max_pool2d_lrn's CUDA limits, from shapes alone."""
    P = Q = 1
    if refused is None:
        max_pool2d.check_cuda_sizes("max_pool2d", x_shape, size, P, Q)
        return
    with pytest.raises(ValueError, match=r"^max_pool2d: .*" + refused):
        max_pool2d.check_cuda_sizes("max_pool2d", x_shape, size, P, Q)



@pytest.mark.parametrize("fused", [False, True], ids=["max_pool2d", "max_pool2d_lrn-fused"])
def test_cuda_backward_checks_the_cached_shape(emulated_launches, fused):
    """Backward launches over the cache's input shape, which may come from elsewhere: checked as the
    forward checks x (a plane of 2^31 pixels reached the kernel as a wrapped int32). Launches are
    recorded, not run."""
    cp = emulated_launches
    y, cache = max_pool2d_lrn.forward(cp.empty((1, 1, 3, 3), np.float32), fused=fused)
    forged = cache._replace(pool=cache.pool._replace(x_shape=(1, 1, 1, 2**31)))
    op = "max_pool2d_lrn" if fused else "max_pool2d"
    with pytest.raises(ValueError, match=rf"^{op}: the CUDA kernels index with 32 bits; got x of shape "
                                         r"\(1, 1, 1, 2147483648\)"):
        max_pool2d_lrn.backward(cp.empty(y.shape, np.float32), forged, fused=fused)
