"""conv2d: the NumPy reference against naive loops and central differences; the CUDA kernels
(forward, backward-data, backward-filter, bias; every variant forced on every shape) against the
float64 reference."""

import re

import numpy as np
import pytest

import cuda_emulator
from cuda_emulator import emulated_launches, emulated_tail  # noqa: F401 (fixtures)
from minitransfer import cuda
from minitransfer.gradcheck import gradient_errors
from minitransfer.ops import conv2d, conv2d_plan, precision
from oracles import relative_error

# (N, C, H, W, K, R, S, stride, pad, groups)
SMALL = [
    (1, 3, 6, 7, 4, 3, 3, 1, 1, 1),  # batch 1
    (3, 4, 5, 5, 5, 3, 3, 1, 0, 1),  # odd batch, no padding
    (2, 4, 1, 1, 3, 1, 1, 1, 0, 1),  # 1×1 images, 1×1 kernel
    (2, 2, 1, 1, 3, 3, 3, 1, 1, 1),  # 1×1 images, 3×3 kernel reaching only padding around them
    (2, 3, 8, 9, 4, 3, 3, 2, 0, 1),  # stride 2 with a leftover row and column
    (2, 2, 5, 6, 3, 5, 5, 1, 2, 1),  # pad 2, 5×5
    (2, 6, 7, 5, 4, 3, 3, 1, 1, 2),  # groups 2
    (2, 6, 5, 6, 9, 2, 3, 2, 1, 3),  # groups 3, non-square kernel, stride 2
    (1, 3, 19, 23, 4, 11, 11, 4, 0, 1),  # CaffeNet conv1 in small: 11×11 stride 4
    (2, 2, 7, 8, 3, 2, 2, 3, 2, 1),  # stride 3 > kernel 2: some pixels get no gradient
]


def config_id(config):
    N, C, H, W, K, R, S, stride, pad, groups = config
    return f"k{R}x{S}s{stride}p{pad}g{groups}-n{N}c{C}h{H}w{W}k{K}"


def make_inputs(config, seed, dtype=np.float64):
    N, C, H, W, K, R, S, stride, pad, groups = config
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((K, C // groups, R, S)).astype(dtype)
    b = rng.standard_normal(K).astype(dtype)
    return x, w, b


def _float32_case(cp, config, seed):
    """float32 x, w, b of ``config`` (:func:`make_inputs`, ``seed``) and a dy for their output (seed + 1): as
    NumPy arrays, and copied to the device."""
    stride, pad, groups = config[7:]
    x, w, b = make_inputs(config, seed=seed, dtype=np.float32)
    y, _ = conv2d.forward(x, w, b, stride, pad, groups)
    dy = np.random.default_rng(seed + 1).standard_normal(y.shape).astype(np.float32)
    return (x, w, b, dy), [cp.asarray(a) for a in (x, w, b, dy)]


def naive_conv2d(x, w, b, stride, pad, groups):
    """The definition, one multiply-add at a time (7 loops), in float64."""
    N, C, H, W = x.shape
    K, Cg, R, S = w.shape
    Kg = K // groups
    P, Q = (H + 2 * pad - R) // stride + 1, (W + 2 * pad - S) // stride + 1
    y = np.zeros((N, K, P, Q))
    for n in range(N):
        for k in range(K):
            first_channel = (k // Kg) * Cg
            for p in range(P):
                for q in range(Q):
                    total = float(b[k])
                    for c in range(Cg):
                        for r in range(R):
                            for s in range(S):
                                h, v = p * stride - pad + r, q * stride - pad + s
                                if 0 <= h < H and 0 <= v < W:
                                    total += float(w[k, c, r, s]) * float(x[n, first_channel + c, h, v])
                    y[n, k, p, q] = total
    return y


# ---------------------------------------------------------------------------------------------
# NumPy reference


@pytest.mark.parametrize("config", SMALL, ids=config_id)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_matches_naive_loops(config, dtype):
    stride, pad, groups = config[7:]
    x, w, b = make_inputs(config, seed=1, dtype=dtype)
    y, _ = conv2d.forward(x, w, b, stride=stride, pad=pad, groups=groups)
    expected = naive_conv2d(x, w, b, stride, pad, groups)
    assert y.dtype == dtype and y.flags.c_contiguous
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(y, expected, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("config", SMALL, ids=config_id)
def test_reference_gradients(config):
    stride, pad, groups = config[7:]
    args = make_inputs(config, seed=2)
    errors = gradient_errors(
        lambda x, w, b: conv2d.forward(x, w, b, stride=stride, pad=pad, groups=groups),
        conv2d.backward, args, wrt=(0, 1, 2), seed=3,
    )
    assert max(errors) <= 1e-6, errors


def test_backward_without_dx_gives_the_same_parameter_gradients():
    config = SMALL[5]
    stride, pad, groups = config[7:]
    x, w, b = make_inputs(config, seed=14)
    y, cache = conv2d.forward(x, w, b, stride=stride, pad=pad, groups=groups)
    dy = np.random.default_rng(15).standard_normal(y.shape)
    _, dw, db = conv2d.backward(dy, cache)
    dx, dw_only, db_only = conv2d.backward(dy, cache, need_dx=False)
    assert dx is None
    np.testing.assert_array_equal(dw_only, dw)
    np.testing.assert_array_equal(db_only, db)


def test_backward_matches_naive_sums():
    """dx, dw, db by their definitions, for a config with stride, padding and groups at once."""
    config = (2, 4, 6, 7, 6, 3, 2, 2, 1, 2)
    stride, pad, groups = config[7:]
    x, w, b = make_inputs(config, seed=4)
    y, cache = conv2d.forward(x, w, b, stride=stride, pad=pad, groups=groups)
    dy = np.random.default_rng(5).standard_normal(y.shape)
    dx, dw, db = conv2d.backward(dy, cache)
    N, C, H, W = x.shape
    K, Cg, R, S = w.shape
    Kg = K // groups
    expected_dx, expected_dw = np.zeros_like(x), np.zeros_like(w)
    for n, k, p, q in np.ndindex(*dy.shape):
        first_channel = (k // Kg) * Cg
        for c, r, s in np.ndindex(Cg, R, S):
            h, v = p * stride - pad + r, q * stride - pad + s
            if 0 <= h < H and 0 <= v < W:
                expected_dx[n, first_channel + c, h, v] += w[k, c, r, s] * dy[n, k, p, q]
                expected_dw[k, c, r, s] += x[n, first_channel + c, h, v] * dy[n, k, p, q]
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw, expected_dw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(db, dy.sum(axis=(0, 2, 3)), rtol=1e-12, atol=1e-12)


def test_float32_in_float32_out():
    x, w, b = make_inputs(SMALL[7], seed=6, dtype=np.float32)
    y, cache = conv2d.forward(x, w, b, stride=2, pad=1, groups=3)
    grads = conv2d.backward(np.ones_like(y), cache)
    assert y.dtype == np.float32
    assert [g.dtype for g in grads] == [np.float32] * 3
    assert [g.shape for g in grads] == [x.shape, w.shape, b.shape]


def _valid():
    rng = np.random.default_rng(7)
    return rng.standard_normal((2, 4, 6, 6)), rng.standard_normal((6, 2, 3, 3)), rng.standard_normal(6)


BAD_INPUTS = {
    "x-rank": (lambda x, w, b: (x[0], w, b, {"groups": 2}), r"x must be 4-D"),
    "w-rank": (lambda x, w, b: (x, w[0], b, {"groups": 2}), r"w must be 4-D"),
    "b-rank": (lambda x, w, b: (x, w, b[:, None], {"groups": 2}), r"b must be 1-D"),
    "dtype-mismatch": (lambda x, w, b: (x.astype(np.float32), w, b, {"groups": 2}), r"share one dtype"),
    "integer-dtype": (lambda x, w, b: (x.astype(np.int64), w, b, {"groups": 2}), r"dtype"),
    "channels-not-c-over-g": (lambda x, w, b: (x, w, b, {"groups": 1}), r"C/groups = 4"),
    "groups-not-dividing-c": (lambda x, w, b: (x, w, b, {"groups": 3}), r"groups=3 must divide"),
    "groups-not-dividing-k": (lambda x, w, b: (x, np.zeros((5, 2, 3, 3)), np.zeros(5), {"groups": 2}),
                              r"groups=2 must divide"),
    "kernel-too-large": (lambda x, w, b: (x, np.zeros((6, 2, 9, 3)), b, {"groups": 2, "pad": 1}),
                         r"larger than the padded input 8x8"),
    "bias-shape": (lambda x, w, b: (x, w, b[:5], {"groups": 2}), r"b must have shape \(6,\)"),
    "non-contiguous": (lambda x, w, b: (x.transpose(0, 1, 3, 2), w, b, {"groups": 2}), r"C-contiguous"),
    "stride-zero": (lambda x, w, b: (x, w, b, {"groups": 2, "stride": 0}), r"stride must be an integer >= 1"),
    "stride-fraction": (lambda x, w, b: (x, w, b, {"groups": 2, "stride": 1.5}), r"stride"),
    "pad-negative": (lambda x, w, b: (x, w, b, {"groups": 2, "pad": -1}), r"pad must be an integer >= 0"),
    "groups-zero": (lambda x, w, b: (x, w, b, {"groups": 0}), r"groups must be an integer >= 1"),
    "stride-whole-float": (lambda x, w, b: (x, w, b, {"groups": 2, "stride": 2.0}),
                           r"stride must be an integer >= 1, got 2\.0"),
    "pad-numpy-float": (lambda x, w, b: (x, w, b, {"groups": 2, "pad": np.float64(1)}), r"pad must be an integer >= 0"),
    "groups-bool": (lambda x, w, b: (x, w, b, {"groups": True}), r"groups must be an integer >= 1, got True"),
    # the kernels' 32-bit ints: the launch raised NumPy's OverflowError, naming nothing
    "stride-beyond-int32": (lambda x, w, b: (x, w, b, {"groups": 2, "stride": 2**31}),
                            r"stride must be at most 2147483647 \(the kernels' 32-bit integers\), got 2147483648"),
    "pad-beyond-int32": (lambda x, w, b: (x, w, b, {"groups": 2, "pad": 2**40}), r"pad must be at most 2147483647"),
    "not-an-array": (lambda x, w, b: (x.tolist(), w, b, {"groups": 2}), r"x must be a NumPy or CuPy array"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_inputs_raise_naming_the_op(case):
    build, message = BAD_INPUTS[case]
    x, w, b, hyper = build(*_valid())
    with pytest.raises(ValueError, match=r"^conv2d: .*" + message):
        conv2d.forward(x, w, b, **hyper)


def test_backward_rejects_a_gradient_of_the_wrong_shape():
    x, w, b = _valid()
    y, cache = conv2d.forward(x, w, b, groups=2)
    with pytest.raises(ValueError, match=r"conv2d: dy must have shape \(2, 6, 4, 4\), got \(2, 6, 4, 3\)"):
        conv2d.backward(np.ones((2, 6, 4, 3)), cache)
    with pytest.raises(ValueError, match=r"conv2d: arrays must share one dtype"):
        conv2d.backward(np.ones(y.shape, dtype=np.float32), cache)


def test_cuda_refuses_grids_beyond_the_device_limits(emulated_launches):
    """backward-data launches groups · stride² z-planes, forward one per group, the fused
    backward-filter one per group and chunk plus its bias blocks: beyond 65535 the device refused
    the launch with an opaque error (after a forward that ran); now a ValueError names the
    direction and the shapes. One plane fewer launches."""
    cp = emulated_launches
    x, w, b = (cp.empty(shape, dtype=np.float32) for shape in ((1, 1, 1, 1), (1, 1, 1, 1), (1,)))
    y, cache = conv2d.forward(x, w, b, stride=255)  # 65025 phases
    conv2d.backward(y, cache)
    y, cache = conv2d.forward(x, w, b, stride=256)
    with pytest.raises(ValueError, match=r"^conv2d: backward-data of x \(1, 1, 1, 1\), w \(1, 1, 1, 1\), stride 256, "
                                         r"groups 1 needs a launch grid of \(1, 1, 65536\) blocks, beyond the CUDA"):
        conv2d.backward(y, cache)
    groups = 65536
    x, w, b = (cp.empty(shape, dtype=np.float32) for shape in ((1, groups, 1, 1), (groups, 1, 1, 1), (groups,)))
    with pytest.raises(ValueError, match=r"^conv2d: forward of x \(1, 65536, 1, 1\), w \(65536, 1, 1, 1\), stride 1, "
                                         r"groups 65536 needs a launch grid of \(1, 1, 65536\)"):
        conv2d.forward(x, w, b, groups=groups)
    # The fused backward-filter runs the bias gradient's blocks as extra z-planes: one per filter here.
    groups = 40000
    x, w, b = (cp.empty(shape, dtype=np.float32) for shape in ((1, groups, 1, 1), (groups, 1, 1, 1), (groups,)))
    y, cache = conv2d.forward(x, w, b, groups=groups)
    conv2d.backward(y, cache)
    with pytest.raises(ValueError, match=r"^conv2d: backward-filter of x \(1, 40000, 1, 1\), .* groups 40000 needs a "
                                         r"launch grid of \(1, 1, 80000\)"):
        conv2d.backward(y, cache, fused=True)


def test_cuda_refuses_weights_beyond_32_bit_indices(emulated_launches):
    """Forward reads w[g·Kg + m, j] at (g·Kg + m)·Cg·R·S + j in 32 bits: a weight of 2^32 elements
    (65536 filters of 65536 channels, with an input and output of 65536 elements) was launched and
    read wrapped-around offsets. Shapes only: the views lie over one float, never read."""
    cp = emulated_launches
    x, b = cp.empty((1, 65536, 1, 1), dtype=np.float32), cp.empty((65536,), dtype=np.float32)
    w = np.lib.stride_tricks.as_strided(cp.empty(1, dtype=np.float32), (65536, 65536, 1, 1), (65536 * 4, 4, 4, 4),
                                         subok=True)
    assert cuda.is_cuda_array(w) and w.flags.c_contiguous
    with pytest.raises(ValueError, match=r"^conv2d: the CUDA kernels index with 32-bit integers; w of 4294967296 "):
        conv2d.forward(x, w, b)


LARGEST = 2**31 - 256  # conv2d.MAX_ELEMENTS: counters stepping up to 255 past a size stay in int
PADDED_W = LARGEST // 3 - 2  # the widest row of one pixel whose padded input (pad 1), 3 × (W + 2), fits


@pytest.mark.parametrize("x_shape, w_shape, stride, pad, refused", [
    ((1, 1, 1, LARGEST), (1, 1, 1, 1), 1, 0, None),
    # the bias gradient's l + 256 (l < N·P·Q) and a GEMM's k0 + 8 (k0 < depth) wrapped negative past 2^31 − 1
    ((1, 1, 1, LARGEST + 1), (1, 1, 1, 1), 1, 0, r"x of 2147483393 elements is too large \(at most 2\*\*31 - 256\)"),
    ((1, 1, 1, 1), (1, LARGEST + 1, 1, 1), 1, 0, r"w of 2147483393 elements"),
    ((2, 1, 1, 1), (LARGEST // 2, 1, 1, 1), 1, 0, None),
    ((2, 1, 1, 1), (LARGEST // 2 + 1, 1, 1, 1), 1, 0, r"y of 2147483394 elements"),
    # backward-filter's offsets r·W and h0·W (h0 = p·stride − pad) reach the padded input's size
    ((1, 1, 1, PADDED_W), (1, 1, 3, 3), 1, 1, None),
    ((1, 1, 1, PADDED_W + 1), (1, 1, 3, 3), 1, 1, r"the padded input 1x1x3x715827798 of 2147483394 elements"),
    ((1, 1, 1, 131072), (1, 1, 32767, 1), 65536, 32766, r"the padded input 1x1x65533x196604 "),
    ((1, 1, 1, 1), (1, 1, 1, 1), 2**30, 2**30, r"the padded input 1x1x2147483649x2147483649 "),
    # backward-filter packs a tap as r << 16 | s (r < R, s < S)
    ((1, 1, 32768, 65535), (1, 1, 32768, 65535), 1, 0, None),
    ((1, 1, 32767, 65536), (1, 1, 32767, 65536), 1, 0, None),
    ((1, 1, 1, 65537), (1, 1, 1, 65537), 1, 0, r"kernel 1x65537 is too large for the CUDA kernels"),
    ((1, 1, 32769, 1), (1, 1, 32769, 1), 1, 0, r"kernel 32769x1 is too large for the CUDA kernels"),
], ids=["largest", "x-past", "w-past", "y-largest", "y-past", "padded-largest", "padded-past", "padded-tall-kernel",
        "padded-sides-past", "R-largest", "S-largest", "S-past", "R-past"])
def test_cuda_sizes_at_the_32_bit_boundaries(x_shape, w_shape, stride, pad, refused):
    """The CUDA launchers' limits, from shapes alone (nothing allocated)."""
    if refused is None:
        conv2d.check_kernel_sizes(x_shape, w_shape, stride, pad)
    else:
        with pytest.raises(ValueError, match=r"^conv2d: .*" + refused + r".*; x \("):
            conv2d.check_kernel_sizes(x_shape, w_shape, stride, pad)


def test_cuda_refuses_the_padding_through_every_launcher(emulated_launches):
    """Forward and both backward paths check the shapes (a cache may come from elsewhere)."""
    cp = emulated_launches
    x, w, b = cp.empty((1, 1, 1, 1), np.float32), cp.empty((1, 1, 1, 1), np.float32), cp.empty(1, np.float32)
    with pytest.raises(ValueError, match=r"^conv2d: .*the padded input 1x1x2147483649x2147483649 "):
        conv2d.forward(x, w, b, stride=2**30, pad=2**30)
    cache = conv2d.Conv2dCache(x, w, 2**30, 2**30, 1, None, "ieee")
    for fused in (False, True):
        with pytest.raises(ValueError, match=r"^conv2d: .*the padded input 1x1x2147483649x2147483649 "):
            conv2d.backward(cp.empty((1, 1, 3, 3), np.float32), cache, fused=fused)


@pytest.mark.parametrize("name", ["conv2d_backward_filter_f32", "conv2d_backward_filter_tc_m128_tf32_f32"])
def test_a_filter_chunk_ending_past_2_31_keeps_its_depth(emulated_tail, name):
    """Backward-filter's chunk ran to min(N·P·Q, l_begin + chunk), that sum in int: past 2^31 − 1 it
    wrapped and the chunk summed nothing (filter_splits plans 528 chunks of 4067208 positions for a
    1-filter layer over 2^31 − 300 positions: the last ends 2176 past 2^31). The last chunk of a
    split ending at 2^32 − 528, 8 positions deep, run alone on virtual tensors of 2^31 − 256 pixels,
    by the FMA kernel (conv2d.cu) and the tensor-core one (conv2d_mma.cuh)."""
    cp = cuda.cupy()
    positions, chunk = LARGEST, 2**31 - 264
    x, dy = cp.empty((1, 1, 1, positions), np.float32), cp.empty((1, 1, 1, positions), np.float32)
    workspace = cp.empty((2, 1, 1, 1, 1), np.float32)
    x[0, 0, 0, chunk:] = 3
    dy[0, 0, 0, chunk:] = np.arange(1, 9)
    shape = (1, 1, 1, positions, 1, 1, 1, 1, positions, 1, 0, 1)  # N, C, H, W, K, R, S, P, Q, stride, pad, groups
    with emulated_tail.tail((0, 0, 1)):
        cuda.launch(conv2d.KERNEL_FILE, name, (1, 1, 2), conv2d.THREADS,
                    (dy, x, workspace) + tuple(np.int32(v) for v in shape + (2, chunk))
                    + (workspace, cp.empty(1, np.int32), np.int32(0), workspace, np.int32(0)))
    assert float(workspace[1, 0, 0, 0, 0]) == 3 * sum(range(1, 9))


@pytest.mark.parametrize("size, kernel, stride, pad, expected", [
    (227, 11, 4, 0, 55), (27, 5, 1, 2, 27), (13, 3, 1, 1, 13), (8, 3, 2, 0, 3), (1, 3, 1, 1, 1),
])
def test_output_size(size, kernel, stride, pad, expected):
    assert conv2d.output_size(size, kernel, stride, pad) == expected


@pytest.mark.parametrize("tiles, positions, sm_count",
                         [(3, 774400, 132), (54, 43264, 132), (1, 100, 132), (4, 1020, 2)])
def test_filter_splits_cover_every_position_once(tiles, positions, sm_count):
    splits, chunk = conv2d_plan.filter_splits(tiles, positions, sm_count)
    assert chunk % 8 == 0 and splits >= 1
    assert (splits - 1) * chunk < positions <= splits * chunk


@pytest.mark.parametrize("rows, expected", [(3, "m64"), (48, "m64"), (64, "m64"), (65, "m128"), (96, "m128"),
                                             (128, "m128"), (192, "m64"), (256, "m128"), (384, "m128")])
def test_gemm_variant_takes_the_tile_with_fewer_idle_rows(rows, expected):
    assert conv2d_plan.gemm_variant(rows) == expected


# CaffeNet's layers (x shape, w shape, stride) and the variant each direction runs.
@pytest.mark.parametrize("x_shape, w_shape, stride, expected", [
    ((256, 3, 227, 227), (96, 3, 11, 11), 4, ("m128", "small_channels", "m128")),  # conv1: Kg 96, Cg 3
    ((256, 96, 27, 27), (256, 48, 5, 5), 1, ("m128", "m64", "m128")),  # conv2: Kg 128, Cg 48
    ((256, 256, 13, 13), (384, 256, 3, 3), 1, ("m128", "m128", "m128")),  # conv3
    ((256, 384, 13, 13), (384, 192, 3, 3), 1, ("m64", "m64", "m128")),  # conv4: Kg = Cg = 192
    ((256, 384, 13, 13), (256, 192, 3, 3), 1, ("m128", "m64", "m128")),  # conv5: Kg 128, Cg 192
], ids=["conv1", "conv2", "conv3", "conv4", "conv5"])
def test_choose_variant_for_caffenet(x_shape, w_shape, stride, expected):
    directions = ("forward", "backward-data", "backward-filter")
    assert tuple(conv2d_plan.choose_variant(d, x_shape, w_shape, stride) for d in directions) == expected


def test_backward_filter_takes_64_row_tiles_only_for_few_filters():
    assert conv2d_plan.choose_variant("backward-filter", (2, 8, 9, 9), (64, 8, 3, 3), 1) == "m64"
    assert conv2d_plan.choose_variant("backward-filter", (2, 8, 9, 9), (65, 8, 3, 3), 1) == "m128"


def test_small_channels_needs_few_taps_per_phase():
    """A 33×33 kernel at stride 1 has 1089 taps: 4·1089 w values do not fit the shared-memory stage."""
    assert conv2d_plan.choose_variant("backward-data", (1, 3, 40, 40), (4, 3, 33, 33), 1) == "m64"
    x, w = np.zeros((1, 3, 40, 40)), np.zeros((4, 3, 33, 33))
    with pytest.raises(ValueError, match=r"conv2d: kernel 33x33 stride 1 has too many taps"):
        conv2d_plan.checked_variant("backward-data", x, w, 1, "small_channels", "ieee")
    with pytest.raises(ValueError, match=r"conv2d: forward has no variant 'small_channels'"):
        conv2d_plan.checked_variant("forward", x, w, 1, "small_channels", "ieee")


def test_every_kernel_has_both_entry_points_in_the_source():
    source = (cuda.kernels_dir() / f"{conv2d.KERNEL_FILE}.cu").read_text()
    declared = set(re.findall(r'extern "C" __global__ void (?:__launch_bounds__\([^)]*\)\s*)?(\w+)\(', source))
    expected = {f"{name}_{suffix}" for name in conv2d.KERNELS for suffix in ("f32", "f64")}
    expected |= {f"{name}_f32" for name in conv2d.TENSOR_CORE_KERNELS}
    assert declared == expected


# ---------------------------------------------------------------------------------------------
# CUDA kernels (the `cp` fixture poisons every cupy.empty, so an unwritten element shows as NaN)

GPU = [
    (1, 5, 9, 10, 4, 3, 3, 1, 1, 1),  # batch 1
    (3, 9, 7, 6, 6, 3, 3, 2, 1, 3),  # groups 3, stride 2, leftover pixels
    (2, 10, 9, 9, 6, 5, 5, 1, 2, 2),  # CaffeNet conv2 in small: 5×5 pad 2 groups 2
    (2, 3, 27, 31, 5, 11, 11, 4, 0, 1),  # CaffeNet conv1 in small: 11×11 stride 4, 3 channels
    (3, 2, 13, 11, 140, 3, 3, 1, 1, 1),  # 140 filters: two row tiles, the second mostly empty
    (1, 131, 5, 5, 3, 3, 3, 1, 1, 1),  # 131 channels: backward-data rows span two tiles
    (2, 6, 9, 8, 6, 2, 2, 3, 2, 2),  # stride 3 > kernel 2: pixels with no taps get dx = 0
    (4, 5, 15, 17, 7, 3, 3, 1, 1, 1),  # 1020 output positions: backward-filter splits in chunks
    (2, 4, 1, 1, 3, 3, 3, 1, 1, 1),  # 1×1 images
]
CAFFENET_SMALL_BATCH = [
    (1, 3, 227, 227, 96, 11, 11, 4, 0, 1),  # conv1
    (2, 96, 27, 27, 256, 5, 5, 1, 2, 2),  # conv2
    (2, 256, 13, 13, 384, 3, 3, 1, 1, 1),  # conv3
    (2, 384, 13, 13, 384, 3, 3, 1, 1, 2),  # conv4
    (2, 384, 13, 13, 256, 3, 3, 1, 1, 2),  # conv5
]



def _run_both(cp, config, seed):
    """Forward and backward on the GPU in float32 and in the float64 reference (same rounded inputs)."""
    stride, pad, groups = config[7:]
    x, w, b = make_inputs(config, seed=seed, dtype=np.float32)
    dy = np.random.default_rng(seed + 1).standard_normal(
        (config[0], config[4], conv2d.output_size(config[2], config[5], stride, pad),
         conv2d.output_size(config[3], config[6], stride, pad))).astype(np.float32)
    y_ref, cache = conv2d.forward(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), stride, pad, groups)
    reference = (y_ref,) + conv2d.backward(dy.astype(np.float64), cache)
    y, cache = conv2d.forward(cp.asarray(x), cp.asarray(w), cp.asarray(b), stride, pad, groups)
    ours = (y,) + conv2d.backward(cp.asarray(dy), cache)
    return [cp.asnumpy(a) for a in ours], reference


@pytest.mark.gpu
@pytest.mark.parametrize("config", GPU + CAFFENET_SMALL_BATCH, ids=config_id)
def test_gpu_float32_matches_float64_reference(cp, config):
    ours, reference = _run_both(cp, config, seed=10)
    for name, a, ref in zip(("y", "dx", "dw", "db"), ours, reference):
        assert a.dtype == np.float32 and a.shape == ref.shape, name
        assert np.isfinite(a).all(), f"{name}: unwritten (poisoned) or non-finite elements"
        assert relative_error(a, ref) < 1e-5, (name, relative_error(a, ref))
        np.testing.assert_allclose(a, ref, rtol=1e-4, atol=1e-5 * np.abs(ref).max(), err_msg=name)


# (1 image, 3 channels, 130 filters of 3×3): the small_channels kernel stages w in two rounds.
SMALL_CHANNELS_TWO_ROUNDS = (1, 3, 7, 8, 130, 3, 3, 1, 1, 1)
VARIANT_CASES = [(direction, variant) for direction in conv2d_plan.VARIANTS
                 for variant in conv2d_plan.VARIANTS[direction] if not variant.startswith("tc_")]
TENSOR_CORE_CASES = [(direction, variant, mode) for direction in conv2d_plan.VARIANTS
                     for variant in conv2d_plan.VARIANTS[direction] if variant.startswith("tc_")
                     for mode in precision.TENSOR_CORE]
TENSOR_CORE_IDS = [f"{d}-{v}-{m}" for d, v, m in TENSOR_CORE_CASES]


def _launch_direction(direction, variant, x, w, b, dy, stride, pad, groups, mode="ieee"):
    launchers = {
        "forward": lambda: conv2d._forward_cuda(x, w, b, stride, pad, groups, mode, variant=variant),
        "backward-data": lambda: conv2d._backward_data_cuda(x, w, dy, stride, pad, groups, mode, variant=variant),
        "backward-filter": lambda: conv2d._backward_filter_cuda(x, w, dy, stride, pad, groups, mode, variant=variant),
    }
    return launchers[direction]()


@pytest.mark.gpu
@pytest.mark.parametrize("config", GPU + [SMALL_CHANNELS_TWO_ROUNDS, CAFFENET_SMALL_BATCH[0]], ids=config_id)
@pytest.mark.parametrize("direction, variant", VARIANT_CASES, ids=[f"{d}-{v}" for d, v in VARIANT_CASES])
def test_gpu_every_variant_matches_float64_reference(cp, direction, variant, config):
    """Each variant forced on every shape (not only those choose_variant gives it), float32 vs float64."""
    stride, pad, groups = config[7:]
    x, w, b = make_inputs(config, seed=14, dtype=np.float32)
    y_ref, cache = conv2d.forward(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), stride, pad, groups)
    dy = np.random.default_rng(15).standard_normal(y_ref.shape).astype(np.float32)
    dx_ref, dw_ref, _ = conv2d.backward(dy.astype(np.float64), cache)
    reference = {"forward": y_ref, "backward-data": dx_ref, "backward-filter": dw_ref}[direction]
    ours = cp.asnumpy(_launch_direction(direction, variant, *(cp.asarray(a) for a in (x, w, b, dy)),
                                        stride, pad, groups))
    assert ours.dtype == np.float32 and ours.shape == reference.shape
    assert np.isfinite(ours).all(), "unwritten (poisoned) or non-finite elements"
    assert relative_error(ours, reference) < 1e-5, relative_error(ours, reference)
    np.testing.assert_allclose(ours, reference, rtol=1e-4, atol=1e-5 * np.abs(reference).max())


def _direction_results(direction, x, w, b, dy, stride, pad, groups, operand):
    """``direction``'s float64 result on operand(x), operand(w), operand(dy) (the bias as it is)."""
    y, cache = conv2d.forward(operand(x), operand(w), b.astype(np.float64), stride, pad, groups)
    dx, dw, _ = conv2d.backward(operand(dy), cache)
    return {"forward": y, "backward-data": dx, "backward-filter": dw}[direction]


@pytest.mark.gpu
@pytest.mark.parametrize("config", GPU + [SMALL_CHANNELS_TWO_ROUNDS] + CAFFENET_SMALL_BATCH, ids=config_id)
@pytest.mark.parametrize("direction, variant, mode", TENSOR_CORE_CASES, ids=TENSOR_CORE_IDS)
def test_gpu_tensor_core_variants_match_their_oracles(cp, direction, variant, mode, config):
    """Each tensor-core variant forced on every shape, outputs poisoned. tf32: within 1e-6 of the
    float64 products of the TF32-rounded inputs (real cvt.rna rounding: truncation or plain float32
    would be ~1e-4 off) and clearly worse than ieee; tf32x3: within 1e-5 of float64 and no worse
    than twice the ieee kernels' error on the same data."""
    stride, pad, groups = config[7:]
    (x, w, b, dy), arrays = _float32_case(cp, config, seed=20)
    ours = cp.asnumpy(_launch_direction(direction, variant, *arrays, stride, pad, groups, mode))
    ieee = cp.asnumpy(_launch_direction(direction, None, *arrays, stride, pad, groups))
    exact = _direction_results(direction, x, w, b, dy, stride, pad, groups, lambda a: a.astype(np.float64))
    assert ours.dtype == np.float32 and ours.shape == exact.shape
    assert np.isfinite(ours).all(), "unwritten (poisoned) or non-finite elements"
    error, ieee_error = relative_error(ours, exact), relative_error(ieee, exact)
    if mode == "tf32":
        oracle = _direction_results(direction, x, w, b, dy, stride, pad, groups,
                                    lambda a: precision.round_tf32(a).astype(np.float64))
        assert relative_error(ours, oracle) < 1e-6, relative_error(ours, oracle)
        assert error > 10 * ieee_error, (error, ieee_error)
    else:  # one float32 unit of slack where ieee is exact or nearly (a few terms per output)
        assert error < 1e-5 and error <= 2 * ieee_error + 2**-23, (error, ieee_error)


@pytest.mark.gpu
@pytest.mark.parametrize("direction, variant, mode", TENSOR_CORE_CASES, ids=TENSOR_CORE_IDS)
def test_gpu_tensor_core_variants_are_bitwise_reproducible(cp, direction, variant, mode):
    config = (2, 6, 15, 17, 70, 5, 5, 2, 2, 2)
    stride, pad, groups = config[7:]
    _, arrays = _float32_case(cp, config, seed=22)
    first = cp.asnumpy(_launch_direction(direction, variant, *arrays, stride, pad, groups, mode))
    second = cp.asnumpy(_launch_direction(direction, variant, *arrays, stride, pad, groups, mode))
    assert np.isfinite(first).all() and np.array_equal(first, second)


@pytest.mark.gpu
@pytest.mark.parametrize("mode", precision.TENSOR_CORE)
def test_gpu_forward_and_backward_carry_the_precision(cp, mode):
    """The public path: forward(precision=...) then backward uses the same mode for all three products."""
    config = GPU[2]
    stride, pad, groups = config[7:]
    x, w, b = make_inputs(config, seed=24, dtype=np.float32)
    y, cache = conv2d.forward(cp.asarray(x), cp.asarray(w), cp.asarray(b), stride, pad, groups, precision=mode)
    dy = np.random.default_rng(25).standard_normal(y.shape).astype(np.float32)
    dx, dw, db = conv2d.backward(cp.asarray(dy), cache)
    arrays = [cp.asarray(a) for a in (x, w, b, dy)]
    for direction, got in (("forward", y), ("backward-data", dx), ("backward-filter", dw)):
        forced = _launch_direction(direction, conv2d_plan.choose_variant(direction, x.shape, w.shape, stride, mode),
                                   *arrays, stride, pad, groups, mode)
        assert cp.array_equal(got, forced), direction
    assert cp.array_equal(db, conv2d._backward_bias_cuda(cp.asarray(dy)))


@pytest.mark.gpu
@pytest.mark.parametrize("config", GPU[:7] + [SMALL_CHANNELS_TWO_ROUNDS], ids=config_id)
@pytest.mark.parametrize("variants",
                         [("m128", "m128", "m128"), ("m64", "m64", "m64"), ("m128", "small_channels", "m128")],
                         ids=["m128", "m64", "small_channels"])
def test_gpu_float64_gradients_per_variant(cp, config, variants):
    stride, pad, groups = config[7:]
    forward_variant, data_variant, filter_variant = variants

    def forward(x, w, b):
        return conv2d._forward_cuda(x, w, b, stride, pad, groups, variant=forward_variant), (x, w)

    def backward(dy, cache):
        x, w = cache
        return (conv2d._backward_data_cuda(x, w, dy, stride, pad, groups, variant=data_variant),
                conv2d._backward_filter_cuda(x, w, dy, stride, pad, groups, variant=filter_variant),
                conv2d._backward_bias_cuda(dy))

    args = tuple(cp.asarray(a) for a in make_inputs(config, seed=16))
    errors = gradient_errors(forward, backward, args, wrt=(0, 1, 2), seed=17)
    assert max(errors) <= 1e-6, errors


@pytest.mark.gpu
@pytest.mark.parametrize("config", GPU[:7], ids=config_id)
def test_gpu_float64_gradients(cp, config):
    stride, pad, groups = config[7:]
    args = tuple(cp.asarray(a) for a in make_inputs(config, seed=11))
    errors = gradient_errors(
        lambda x, w, b: conv2d.forward(x, w, b, stride=stride, pad=pad, groups=groups),
        conv2d.backward, args, wrt=(0, 1, 2), seed=12,
    )
    assert max(errors) <= 1e-6, errors


@pytest.mark.gpu
@pytest.mark.parametrize("config", [GPU[7], CAFFENET_SMALL_BATCH[0], CAFFENET_SMALL_BATCH[1]], ids=config_id)
def test_gpu_runs_are_bitwise_reproducible(cp, config):
    first, _ = _run_both(cp, config, seed=13)
    second, _ = _run_both(cp, config, seed=13)
    for name, a, b in zip(("y", "dx", "dw", "db"), first, second):
        assert np.array_equal(a, b), name


@pytest.mark.gpu
@pytest.mark.parametrize("direction, variant", VARIANT_CASES, ids=[f"{d}-{v}" for d, v in VARIANT_CASES])
def test_gpu_every_variant_is_bitwise_reproducible(cp, direction, variant):
    config = (2, 6, 15, 17, 70, 5, 5, 2, 2, 2)
    stride, pad, groups = config[7:]
    _, arrays = _float32_case(cp, config, seed=18)
    first = cp.asnumpy(_launch_direction(direction, variant, *arrays, stride, pad, groups))
    second = cp.asnumpy(_launch_direction(direction, variant, *arrays, stride, pad, groups))
    assert np.isfinite(first).all() and np.array_equal(first, second)


@pytest.mark.gpu
def test_gpu_rejects_mixed_numpy_and_cupy(cp):
    x, w, b = _valid()
    with pytest.raises(ValueError, match=r"conv2d: arrays must all be NumPy or all CuPy"):
        conv2d.forward(cp.asarray(x), w, b, groups=2)


@pytest.mark.gpu
def test_gpu_backward_without_dx_gives_the_same_parameter_gradients(cp):
    config = SMALL[5]
    stride, pad, groups = config[7:]
    x, w, b = (cp.asarray(a) for a in make_inputs(config, seed=16, dtype=np.float32))
    y, cache = conv2d.forward(x, w, b, stride=stride, pad=pad, groups=groups)
    dy = cp.asarray(np.random.default_rng(17).standard_normal(y.shape).astype(np.float32))
    _, dw, db = conv2d.backward(dy, cache)
    dx, dw_only, db_only = conv2d.backward(dy, cache, need_dx=False)
    assert dx is None
    assert cp.array_equal(dw_only, dw) and cp.array_equal(db_only, db)


def test_filter_slots_past_the_chunk_form_no_overflowing_offset(tmp_path):
    """Backward-filter's FMA gather decoded a slot past its chunk's end (read as zero) at its
    position l ≥ N·P·Q, n = l / (P·Q) ≥ N, and formed dy's offset (n·K + g·Kg)·P·Q + pq from it:
    past 2^31 − 1 for a layer of K = 2^31 − 256 filters over one 1×1 pixel (a size the launcher
    accepts), where slot 7 of the chunk's only stage sits at n = 7. The value is never read, so
    no launch shows it: the gather of that slot runs alone under g++'s signed-overflow check."""
    x_shape, w_shape = (1, 1, 1, 1), (LARGEST, 1, 1, 1)
    conv2d.check_kernel_sizes(x_shape, w_shape, 1, 0)
    splits, chunk = conv2d_plan.filter_plan("m128", np.float32, x_shape, w_shape, 1, 0, 132)
    # N, C, H, W, K, R, S, P, Q, stride, pad, groups
    shape = ", ".join(str(v) for v in (1, 1, 1, 1, LARGEST, 1, 1, 1, 1, 1, 0, 1))
    run = cuda_emulator.run_overflow_checked("conv2d", f"""
    blockDim = Dim3{{256, 1, 1}};
    threadIdx = Dim3{{7, 0, 0}};  // reduction slot a_j = 7 of depth 1
    const ConvShape shape({shape});
    BackwardFilterProblem<float, Tile128> problem(nullptr, nullptr, shape, {splits}, {chunk}, 0);
    problem.gather(0);  // dy and x are null: a read would crash
    std::printf("%d %g %g\\n", problem.depth, problem.a_regs[0], problem.b_regs[0]);
    """, tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["1", "0", "0"]
