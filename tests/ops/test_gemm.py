"""minitransfer.ops.gemm and kernels/gemm.cu: every transpose, both global-load paths (16-byte
vectors and scalars), bias epilogue, split K, edges of every tile, against float64 NumPy."""

import re

import numpy as np
import pytest

import cuda_emulator
from cuda_emulator import emulated_launches, emulated_tail  # noqa: F401 (fixtures)
from minitransfer import cuda
from minitransfer.ops import gemm, linear, precision
from oracles import relative_error

TRANSPOSES = [(False, False), (False, True), (True, False), (True, True)]
TRANSPOSE_IDS = ["nn", "nt", "tn", "tt"]

# (M, N, K). Odd shapes: nothing a multiple of 4, several tiles with ragged edges, K not a
# multiple of the 8-deep k-tile, and degenerate 1s.
ODD_SHAPES = [(1, 1, 1), (5, 7, 3), (129, 131, 17), (257, 65, 1001), (3, 301, 9), (200, 130, 255)]
# Every stored row a multiple of 16 bytes for float32 and float64: the 16-byte-load path.
ALIGNED_SHAPES = [(128, 128, 8), (4, 4, 4), (260, 132, 36), (256, 192, 1000), (132, 516, 12)]


def shape_id(shape):
    return "m{}-n{}-k{}".format(*shape)


def stored_operands(rng, m, n, k, trans_a, trans_b, dtype=np.float64):
    """Random A and B of ``dtype``, stored so that op(A) is m×k and op(B) is k×n, and the float64
    product of exactly those (rounded) values."""
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(dtype)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    product = (a64.T if trans_a else a64) @ (b64.T if trans_b else b64)  # M,N
    return a, b, product


def naive_product(a, b, trans_a, trans_b):
    op_a = a.T if trans_a else a
    op_b = b.T if trans_b else b
    m, k = op_a.shape
    n = op_b.shape[1]
    c = np.zeros((m, n))
    for i in range(m):
        for j in range(n):
            c[i, j] = sum(float(op_a[i, p]) * float(op_b[p, j]) for p in range(k))
    return c


def test_test_oracle_agrees_with_a_naive_loop():
    rng = np.random.default_rng(0)
    for trans_a, trans_b in TRANSPOSES:
        a, b, product = stored_operands(rng, 3, 5, 4, trans_a, trans_b)
        np.testing.assert_allclose(product, naive_product(a, b, trans_a, trans_b), rtol=1e-12, atol=1e-12)


def test_gemm_rejects_bad_operands():
    a, b = np.ones((3, 4)), np.ones((5, 6))
    with pytest.raises(ValueError, match=r"gemm: op\(a\) is 3x4 but op\(b\) is 5x6"):
        gemm.gemm(a, b)
    with pytest.raises(ValueError, match="gemm: a must be 2-D"):
        gemm.gemm(np.ones(3), b)
    with pytest.raises(ValueError, match="gemm: arrays must share one dtype"):
        gemm.gemm(a.astype(np.float32), np.ones((4, 2)))
    with pytest.raises(ValueError, match="gemm: a must not be empty"):
        gemm.gemm(np.ones((0, 4)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="gemm: a and b must be CuPy arrays"):
        gemm.gemm(a, np.ones((4, 2)))


@pytest.mark.parametrize("splits", [0, 2.0, 2.5, np.float64(2), True], ids=["zero", "whole-float", "fraction",
                                                                         "numpy-float", "bool"])
def test_gemm_refuses_splits_that_are_not_a_positive_integer(cuda_xp, splits):
    a, b = (cuda_xp.asarray(np.ones(shape, dtype=np.float32)) for shape in ((3, 4), (4, 2)))
    with pytest.raises(ValueError, match=rf"^gemm: splits must be an integer >= 1, got {re.escape(repr(splits))}"):
        gemm.gemm(a, b, splits=splits)


def test_gemm_refuses_operands_beyond_32_bit_offsets():
    """The kernels index with 32-bit offsets up to 128 rows past an operand's end; shapes only
    (broadcast views allocate nothing)."""
    fits = np.broadcast_to(np.float32(1), (2**20 - 128, 2**11 - 1))
    gemm.check_offsets("gemm", a=fits)
    too_large = np.broadcast_to(np.float32(1), (2**20 - 128, 2**11))
    with pytest.raises(ValueError, match=r"gemm: b \(1048448, 2048\) is too large for the GEMM kernels' 32-bit"):
        gemm.check_offsets("gemm", a=fits, b=too_large)


@pytest.mark.parametrize("name", ["gemm_tn_tf32_f32", "gemm_tn_f32", "gemm_tn_tf32x3_f32", "gemm_tn_f64"])
def test_a_k_slice_ending_past_2_31_keeps_its_depth(emulated_tail, name):
    """Slice z covers k in [z·k_chunk, min(K, (z+1)·k_chunk)): (z+1)·k_chunk was an int and wrapped
    past 2^31 − 1, and the slice summed nothing (tf32's default 16 slices of 2^27 for a·b of K =
    2^31 − 129 rows: the last slice lost). The last slice of a split ending at 2^32 − 32, 15 deep,
    run alone on virtual operands of 2^31 − 1 rows: the tensor-core kernel (gemm_mma.cuh) and the
    FMA kernels (gemm.cu)."""
    cp = cuda.cupy()
    dtype = np.float64 if name.endswith("_f64") else np.float32
    K, k_chunk = 2**31 - 1, 2**31 - 16
    a, b, partials = cp.empty((K, 1), dtype), cp.empty((K, 1), dtype), cp.empty((2, 1, 1), dtype)
    a[k_chunk:, 0] = np.arange(1, 16)
    b[k_chunk:, 0] = 2
    with emulated_tail.tail((0, 0, 1)):
        cuda.launch(gemm.KERNEL_FILE, name, (1, 1, 2), gemm.THREADS,
                    (a, b, partials, partials) + tuple(np.int32(v) for v in (1, 1, K, k_chunk, 0, 2))
                    + (partials, np.int32(0)))
    assert float(partials[1, 0, 0]) == 2 * sum(range(1, 16))


def test_an_outside_column_walked_down_2_31_rows_keeps_its_counter(tmp_path):
    """The walker's depth counter of a vector outside a one-column operand (columns 4..7 of a
    (K, 1) a, trans_a) started at −2^30 and fell by 8 a k-tile: at K = 2^31 − 129 rows (the
    largest check_offsets allows) in one slice it passed −2^31 after 2^27 tiles. Never read, so
    no launch shows it: that thread's walk, run alone under g++'s signed-overflow check, then
    its last load, from a null operand (a read would crash)."""
    K = 2**31 - 1 - gemm.OFFSET_SLACK_ROWS
    gemm.check_offsets("gemm", a=np.broadcast_to(np.float32(0), (K, 1)))
    splits, k_chunk, _ = gemm.plan(1, 1, K, np.float32, splits=1)
    run = cuda_emulator.run_overflow_checked("gemm", f"""
    OperandWalk<float, 128, false, false> walk(nullptr, 1, {K}, 0, {min(K, k_chunk)}, 0, 1);  // op(A) row 4
    for (int tile = 1; tile < {cuda.ceil_div(min(K, k_chunk), gemm.TILE_DEPTH)}; ++tile) walk.advance();
    float r[4] = {{1, 1, 1, 1}};
    walk.load(r);
    std::printf("%d %g %g\\n", walk.k_left <= 0, r[0], r[3]);
    """, tmp_path)
    assert splits == 1
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["1", "0", "0"]

def test_a_fused_dropout_refuses_2_32_outputs(emulated_launches):
    """The dropout epilogue draws element i's bits at (uint32)i, as dropout.forward, which refuses
    2^32 elements: a fused layer of 2^32 outputs repeated its mask instead. Shapes only."""
    cp = emulated_launches
    a, b = cp.empty((65536, 1), np.float32), cp.empty((1, 65536), np.float32)
    draw = gemm.Epilogue.relu_dropout(0, cp.empty(1, np.uint32), 2**31, 2.0)
    with pytest.raises(ValueError, match=r"^gemm: a fused dropout needs fewer than 2\*\*32 elements .* C of shape "
                                         r"\(65536, 65536\)"):
        gemm.gemm(a, b, epilogue=draw)


def test_the_emulator_refuses_a_grid_the_device_would(emulated_launches):
    """A CUDA device refuses gridDim.y or .z above 65535 ("invalid configuration argument"); so
    does the emulation, whatever the wrapper lets through."""
    cp = emulated_launches
    a = cp.empty((4, 4), dtype=np.float32)
    with pytest.raises(ValueError,
                       match=r"^gemm_reduce_splits_f32: grid \(1, 65536, 1\) is outside the device's limits"):
        cuda.launch("gemm", "gemm_reduce_splits_f32", (1, 65536), 256,
                    (a, a, a, np.int32(1), np.int64(16), np.int32(4), np.int32(0), np.int32(0), a, np.float32(1),
                     np.uint32(0), cp.empty(1, dtype=np.uint32), np.uint32(0)))


@pytest.mark.parametrize("dtype, rows", [(np.float32, 65535 * 128 + 1), (np.float64, 65535 * 64 + 1)],
                         ids=["f32", "f64"])
def test_gemm_refuses_more_row_tiles_than_a_grid_holds(emulated_launches, dtype, rows):
    """M beyond 65535 row tiles (gridDim.y) was launched and refused by the device with an opaque
    error; one tile fewer runs."""
    cp = emulated_launches
    b = cp.empty((1, 1), dtype=dtype)
    gemm.gemm(cp.empty((rows - 1, 1), dtype=dtype), b)
    with pytest.raises(ValueError, match=rf"^gemm: op\(a\) {rows}x1 times op\(b\) 1x1 \({np.dtype(dtype)}, ieee\) "
                                         r"needs a launch grid of \(1, 65536, 1\) blocks, beyond the CUDA limits"):
        gemm.gemm(cp.empty((rows, 1), dtype=dtype), b)
    with pytest.raises(ValueError, match=rf"^gemm: op\(a\) {rows}x1 times"):  # a fully connected layer's batch
        linear.forward(cp.empty((rows, 1), dtype=dtype), b, cp.empty((1,), dtype=dtype))


def _check_close(cp, got, ref, dtype):
    assert got.dtype == dtype and got.shape == ref.shape
    got = cp.asnumpy(got).astype(np.float64)
    if dtype == np.float32:
        assert np.linalg.norm(got - ref) / np.linalg.norm(ref) < 1e-5
        np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())
    else:
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("trans_a, trans_b", TRANSPOSES, ids=TRANSPOSE_IDS)
@pytest.mark.parametrize("shape", ODD_SHAPES + ALIGNED_SHAPES, ids=[shape_id(s) for s in ODD_SHAPES + ALIGNED_SHAPES])
def test_gpu_gemm_matches_float64(cp, shape, trans_a, trans_b, dtype):
    rng = np.random.default_rng(1)
    a, b, product = stored_operands(rng, *shape, trans_a, trans_b, dtype)
    a_gpu, b_gpu = cp.asarray(a), cp.asarray(b)
    vector = 16 // np.dtype(dtype).itemsize
    expect_aligned = a.shape[1] % vector == 0 and b.shape[1] % vector == 0
    assert gemm.is_aligned(a_gpu, b_gpu) == expect_aligned
    c = gemm.gemm(a_gpu, b_gpu, trans_a=trans_a, trans_b=trans_b)
    _check_close(cp, c, product, dtype)


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("trans_a, trans_b", TRANSPOSES, ids=TRANSPOSE_IDS)
def test_gpu_scalar_and_vector_loads_give_the_same_bits(cp, trans_a, trans_b, dtype):
    """The same aligned operands once at their own address and once copied to an address 1
    element past a 16-byte boundary (scalar path): both variants sum in the same order."""
    rng = np.random.default_rng(2)
    a, b, _ = stored_operands(rng, 260, 132, 44, trans_a, trans_b, dtype)

    def shifted(x):
        buffer = cp.empty(x.size + 1, dtype=dtype)
        view = buffer[1:].reshape(x.shape)
        view[...] = cp.asarray(x)
        return view

    a_aligned, b_aligned = cp.asarray(a), cp.asarray(b)
    a_shifted, b_shifted = shifted(a), shifted(b)
    assert a_shifted.flags.c_contiguous and a_shifted.data.ptr % 16 != 0
    assert gemm.is_aligned(a_aligned, b_aligned)
    assert not gemm.is_aligned(a_shifted, b_shifted)
    vector = gemm.gemm(a_aligned, b_aligned, trans_a=trans_a, trans_b=trans_b)
    scalar = gemm.gemm(a_shifted, b_shifted, trans_a=trans_a, trans_b=trans_b)
    assert cp.asnumpy(vector).tobytes() == cp.asnumpy(scalar).tobytes()


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("shape", [(3, 5, 7), (129, 130, 33), (256, 1000, 64)],
                         ids=["m3-n5-k7", "m129-n130-k33", "m256-n1000-k64"])
def test_gpu_bias_epilogue(cp, shape, dtype):
    rng = np.random.default_rng(3)
    m, n, k = shape
    a, b, product = stored_operands(rng, m, n, k, False, True, dtype)
    bias = rng.standard_normal(n).astype(dtype)
    ref = product + bias.astype(np.float64)
    c = gemm.gemm(cp.asarray(a), cp.asarray(b), trans_b=True, bias=cp.asarray(bias))
    _check_close(cp, c, ref, dtype)


@pytest.mark.gpu
def test_gpu_gemm_rejects_bad_bias(cp):
    a, b = cp.asarray(np.ones((3, 4))), cp.asarray(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"gemm: bias must have shape \(5,\), got \(4,\)"):
        gemm.gemm(a, b, bias=cp.asarray(np.ones(4)))
    with pytest.raises(ValueError, match="gemm: arrays must all be NumPy or all CuPy"):
        gemm.gemm(a, b, bias=np.ones(5))


@pytest.mark.gpu
@pytest.mark.parametrize("trans_a, trans_b", TRANSPOSES, ids=TRANSPOSE_IDS)
def test_gpu_gemm_is_bitwise_repeatable(cp, trans_a, trans_b):
    rng = np.random.default_rng(4)
    a, b, _ = stored_operands(rng, 300, 257, 129, trans_a, trans_b, np.float32)
    a, b = cp.asarray(a), cp.asarray(b)
    first = cp.asnumpy(gemm.gemm(a, b, trans_a=trans_a, trans_b=trans_b))
    second = cp.asnumpy(gemm.gemm(a, b, trans_a=trans_a, trans_b=trans_b))
    assert first.tobytes() == second.tobytes()


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("trans_a, trans_b", TRANSPOSES, ids=TRANSPOSE_IDS)
@pytest.mark.parametrize("splits", [1, 2, 3, 16, 200], ids=lambda s: f"splits{s}")
def test_gpu_split_k_matches_float64(cp, splits, trans_a, trans_b, dtype):
    """Explicit K slices, including more slices than k-tiles (clamped), with and without bias."""
    rng = np.random.default_rng(5)
    a, b, product = stored_operands(rng, 70, 133, 203, trans_a, trans_b, dtype)
    bias = rng.standard_normal(133).astype(dtype)
    a_gpu, b_gpu = cp.asarray(a), cp.asarray(b)
    _check_close(cp, gemm.gemm(a_gpu, b_gpu, trans_a, trans_b, splits=splits), product, dtype)
    with_bias = gemm.gemm(a_gpu, b_gpu, trans_a, trans_b, bias=cp.asarray(bias), splits=splits)
    _check_close(cp, with_bias, product + bias.astype(np.float64), dtype)


@pytest.mark.parametrize("sm_count", [2, 80, 132])
def test_default_splits_fill_the_gpu_only_for_few_tiles(sm_count):
    """Independent recount: the split count must give tiles·splits blocks that fill the last wave
    of 2·sm_count slots at least as well as any other allowed count, and no split for products
    that fill a wave on their own or whose K is too short."""
    slots = 2 * sm_count
    for m, n, k in [(4096, 4096, 4096), (4096, 9216, 256), (256, 4096, 9216), (5, 7, 3), (256, 1000, 4096),
                    (128, 128, 100000), (64, 64, 300)]:
        splits = gemm.default_splits(m, n, k, np.float32, sm_count=sm_count)
        tiles = -(-m // 128) * -(-n // 128)
        allowed = range(1, min(16, max(1, k // 128)) + 1)
        assert splits in allowed, (m, n, k, splits)
        if tiles >= slots:
            assert splits == 1, (m, n, k, splits)
            continue

        def fill(s):
            return tiles * s / (-(-tiles * s // slots) * slots)

        assert fill(splits) >= max(fill(s) for s in allowed) - 1e-9, (m, n, k, splits)
        assert all(fill(s) < fill(splits) - 1e-9 for s in allowed if s < splits), (m, n, k, splits)
    assert gemm.default_splits(256, 4096, 9216, np.float32, sm_count=132) > 1  # fc6's weight gradient


@pytest.mark.gpu
def test_gpu_split_k_is_bitwise_repeatable(cp):
    rng = np.random.default_rng(6)
    a, b, _ = stored_operands(rng, 256, 1000, 4096, False, True, np.float32)
    a, b = cp.asarray(a), cp.asarray(b)
    assert gemm.default_splits(256, 1000, 4096, np.float32) > 1
    first = cp.asnumpy(gemm.gemm(a, b, trans_b=True)).tobytes()
    assert first == cp.asnumpy(gemm.gemm(a, b, trans_b=True)).tobytes()


# Tensor-core kernels (tf32, tf32x3): every transpose, odd and aligned shapes, split K, bias.


def _check_mode(cp, mode, got, a, b, trans_a, trans_b, ieee, bias=None):
    """tf32: within 1e-6 of the float64 product of the TF32-rounded operands (real rounding) and
    clearly worse than ieee; tf32x3: within 1e-5 of float64, no worse than twice ieee's error."""
    op_a, op_b = (a.T if trans_a else a), (b.T if trans_b else b)
    shift = 0 if bias is None else bias.astype(np.float64)
    exact = op_a.astype(np.float64) @ op_b.astype(np.float64) + shift
    got = cp.asnumpy(got)
    assert got.dtype == np.float32 and got.shape == exact.shape and np.isfinite(got).all()
    error, ieee_error = relative_error(got, exact), relative_error(cp.asnumpy(ieee), exact)
    if mode == "tf32":
        rounded = precision.round_tf32(op_a).astype(np.float64) @ precision.round_tf32(op_b).astype(np.float64)
        assert relative_error(got, rounded + shift) < 1e-6, relative_error(got, rounded + shift)
        assert error > 10 * ieee_error, (error, ieee_error)
    else:  # one float32 unit of slack where ieee is exact or nearly (a few terms per output)
        assert error < 1e-5 and error <= 2 * ieee_error + 2**-23, (error, ieee_error)


@pytest.mark.gpu
@pytest.mark.parametrize("mode", precision.TENSOR_CORE)
@pytest.mark.parametrize("trans_a, trans_b", TRANSPOSES, ids=TRANSPOSE_IDS)
@pytest.mark.parametrize("shape", ODD_SHAPES + ALIGNED_SHAPES, ids=[shape_id(s) for s in ODD_SHAPES + ALIGNED_SHAPES])
def test_gpu_tensor_core_gemm_matches_its_oracle(cp, shape, trans_a, trans_b, mode):
    rng = np.random.default_rng(7)
    a, b, _ = stored_operands(rng, *shape, trans_a, trans_b, np.float32)
    a_gpu, b_gpu = cp.asarray(a), cp.asarray(b)
    got = gemm.gemm(a_gpu, b_gpu, trans_a=trans_a, trans_b=trans_b, precision=mode)
    _check_mode(cp, mode, got, a, b, trans_a, trans_b, gemm.gemm(a_gpu, b_gpu, trans_a=trans_a, trans_b=trans_b))


@pytest.mark.gpu
@pytest.mark.parametrize("mode", precision.TENSOR_CORE)
@pytest.mark.parametrize("trans_a, trans_b", TRANSPOSES, ids=TRANSPOSE_IDS)
@pytest.mark.parametrize("splits", [1, 2, 3, 16, 200], ids=lambda s: f"splits{s}")
def test_gpu_tensor_core_split_k_and_bias(cp, splits, trans_a, trans_b, mode):
    rng = np.random.default_rng(8)
    a, b, _ = stored_operands(rng, 70, 133, 203, trans_a, trans_b, np.float32)
    bias = rng.standard_normal(133).astype(np.float32)
    a_gpu, b_gpu, bias_gpu = cp.asarray(a), cp.asarray(b), cp.asarray(bias)
    got = gemm.gemm(a_gpu, b_gpu, trans_a, trans_b, bias=bias_gpu, splits=splits, precision=mode)
    ieee = gemm.gemm(a_gpu, b_gpu, trans_a, trans_b, bias=bias_gpu, splits=splits)
    _check_mode(cp, mode, got, a, b, trans_a, trans_b, ieee, bias)


@pytest.mark.gpu
@pytest.mark.parametrize("mode", precision.TENSOR_CORE)
def test_gpu_tensor_core_split_k_is_bitwise_repeatable(cp, mode):
    rng = np.random.default_rng(9)
    a, b, _ = stored_operands(rng, 256, 1000, 4096, False, True, np.float32)
    a, b = cp.asarray(a), cp.asarray(b)
    assert gemm.default_splits(256, 1000, 4096, np.float32, precision=mode) > 1
    first = cp.asnumpy(gemm.gemm(a, b, trans_b=True, precision=mode)).tobytes()
    assert first == cp.asnumpy(gemm.gemm(a, b, trans_b=True, precision=mode)).tobytes()


@pytest.mark.gpu
def test_gpu_tensor_core_gemm_refuses_float64(cp):
    a = cp.asarray(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"gemm: precision 'tf32' takes float32 operands"):
        gemm.gemm(a, a.T.copy(), precision="tf32")


def test_tensor_core_plan_uses_its_own_tile_and_depth():
    splits, k_chunk, grid = gemm.plan(256, 4096, 9216, np.float32, "tf32", splits=3, sm_count=132)
    assert (splits, k_chunk % 16, grid) == (3, 0, (64, 2, 3))
    splits, k_chunk, grid = gemm.plan(256, 4096, 9216, np.float32, "ieee", splits=3, sm_count=132)
    assert (splits, k_chunk % 8, grid) == (3, 0, (32, 2, 3))
    assert gemm.kernel_name(True, False, "tf32x3", aligned=True) == "gemm_tn_tf32x3"
    assert gemm.kernel_name(True, False, "ieee", aligned=True) == "gemm_tn_aligned"
