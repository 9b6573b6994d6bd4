"""The tensor-core kernels on the CPU: kernels/mma_tf32.cuh, conv2d_mma.cuh and gemm_mma.cuh, compiled
unchanged into the CPU emulation of tests/cuda_emulator.py (tests/ops/emulation/mma_ptx.cuh: cp.async
commit groups, ldmatrix and mma.m16n8k8 emulated warp-wide as the PTX ISA defines them, each CUDA
thread a fiber) and launched by the real launchers (conv2d's and gemm's, their plans and arguments).

What this proves without a GPU: the index arithmetic of every problem, the fragment layouts, the
pipeline's group bookkeeping, zero-fill at edges and padding, no read outside the inputs (cp.async
checked) and no write outside the output (guarded), unwritten outputs (poisoned with NaN), against
independent float64 oracles. What it cannot prove: the hardware's own semantics and speed (the gpu
tests do that).
"""

import numpy as np
import pytest

from cuda_emulator import emulated  # noqa: F401 (a fixture)
from minitransfer.ops import conv2d, conv2d_plan, gemm, precision
from oracles import relative_error

MODES = precision.TENSOR_CORE
TILES = ("tc_m128", "tc_m64")


def check_mode(mode, got, tf32_oracle, exact, ieee):
    """tf32: within float32 accumulation error of the float64 product of TF32-rounded inputs, and
    clearly off the exact product (real rounding happened); tf32x3: within 1e-5 of the exact product
    and no worse than twice the error of ``ieee``, our own kernels' ieee mode on the same data (run on
    the emulator, as the GPU tests run it on the GPU). NumPy's float32 result is no such reference: its
    BLAS sums in an order of its own, and NumPy 2.4.6's was 2.9 times as accurate as our ieee kernel's
    on one shape, so tf32x3, more accurate than the kernel, failed against it."""
    assert not np.isnan(got).any(), "unwritten output elements"
    if mode == "tf32":
        assert relative_error(got, tf32_oracle) < 1e-6
        np.testing.assert_allclose(got, tf32_oracle, rtol=1e-5, atol=1e-5 * np.abs(tf32_oracle).max())
        assert relative_error(got, exact) > 1e-5
    else:
        error = relative_error(got, exact)
        assert error < 1e-5 and error <= 2 * relative_error(ieee, exact) + 1e-9, (error, relative_error(ieee, exact))


# ---------------------------------------------------------------------------------------------
# Convolution: (N, C, H, W, K, R, S, stride, pad, groups)

CONV_CONFIGS = [
    (2, 3, 7, 6, 5, 3, 3, 1, 1, 1),
    (1, 4, 9, 11, 6, 3, 3, 2, 1, 2),
    (1, 3, 13, 12, 7, 4, 3, 3, 0, 1),
    (1, 2, 5, 5, 3, 1, 1, 2, 0, 1),  # 1×1 at stride 2: stride phases without taps
    (1, 70, 5, 5, 130, 3, 3, 1, 1, 1),  # several row tiles; 40 stages of depth
]
CONV_IDS = ["n{}c{}-{}x{}-k{}r{}s{}-st{}p{}g{}".format(*c) for c in CONV_CONFIGS]
DIRECTIONS = ("forward", "backward-data", "backward-filter")


def conv_inputs(config, seed):
    N, C, H, W, K, R, S, stride, pad, groups = config
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W)).astype(np.float32)
    w = rng.standard_normal((K, C // groups, R, S)).astype(np.float32)
    b = rng.standard_normal(K).astype(np.float32)
    P, Q = conv2d.output_size(H, R, stride, pad), conv2d.output_size(W, S, stride, pad)
    dy = rng.standard_normal((N, K, P, Q)).astype(np.float32)
    return x, w, b, dy


def conv_products(direction, x, w, b, dy, stride, pad, groups, operand=lambda a: a):
    """``direction``'s result in float64 on operand(x), operand(w), operand(dy)."""
    y, cache = conv2d.forward(operand(x), operand(w), b.astype(np.float64), stride=stride, pad=pad, groups=groups)
    dx, dw, _ = conv2d.backward(operand(dy), cache)
    return {"forward": y, "backward-data": dx, "backward-filter": dw}[direction]


def conv_oracles(direction, x, w, b, dy, stride, pad, groups):
    """(TF32 oracle, exact float64 result)."""
    def rounded(a):
        return precision.round_tf32(a).astype(np.float64)

    def exact(a):
        return a.astype(np.float64)

    return (conv_products(direction, x, w, b, dy, stride, pad, groups, rounded),
            conv_products(direction, x, w, b, dy, stride, pad, groups, exact))


def run_conv(cp, direction, variant, mode, config, x, w, b, dy):
    """``direction`` of the conv launcher forced to ``variant``, on the emulated device."""
    stride, pad, groups = config[7:]
    x, w, b, dy = (cp.asarray(a) for a in (x, w, b, dy))
    if direction == "forward":
        return conv2d._forward_cuda(x, w, b, stride, pad, groups, mode, variant=variant).get()
    if direction == "backward-data":
        return conv2d._backward_data_cuda(x, w, dy, stride, pad, groups, mode, variant=variant).get()
    return conv2d._backward_filter_cuda(x, w, dy, stride, pad, groups, mode, variant=variant).get()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("variant", TILES)
@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("config", CONV_CONFIGS, ids=CONV_IDS)
def test_conv2d_tensor_core_kernels_match_their_oracles(emulated, config, direction, variant, mode):
    x, w, b, dy = conv_inputs(config, seed=CONV_CONFIGS.index(config))
    got = run_conv(emulated, direction, variant, mode, config, x, w, b, dy)
    ieee = run_conv(emulated, direction, None, "ieee", config, x, w, b, dy)
    check_mode(mode, got, *conv_oracles(direction, x, w, b, dy, *config[7:]), ieee)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("variant", TILES)
def test_conv2d_backward_filter_chunks_sum_in_order(emulated, monkeypatch, variant, mode):
    """Four chunks of 24 positions, the last one short (84 = 3·24 + 12), none a whole number of stages."""
    config = CONV_CONFIGS[0]
    x, w, b, dy = conv_inputs(config, seed=7)
    monkeypatch.setattr(conv2d_plan, "filter_plan", lambda *args: (4, 24))
    got = run_conv(emulated, "backward-filter", variant, mode, config, x, w, b, dy)
    ieee = run_conv(emulated, "backward-filter", None, "ieee", config, x, w, b, dy)
    check_mode(mode, got, *conv_oracles("backward-filter", x, w, b, dy, *config[7:]), ieee)


# ---------------------------------------------------------------------------------------------
# GEMM: (M, N, K), every transpose, split K and the bias epilogue

GEMM_SHAPES = [(5, 7, 3), (129, 131, 17), (70, 133, 203)]
TRANSPOSES = [(False, False), (False, True), (True, False), (True, True)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("trans_a, trans_b", TRANSPOSES, ids=["nn", "nt", "tn", "tt"])
@pytest.mark.parametrize("shape, splits", [(s, None) for s in GEMM_SHAPES] + [((70, 133, 203), 3)],
                         ids=["m5-n7-k3", "m129-n131-k17", "m70-n133-k203", "m70-n133-k203-splits3"])
def test_gemm_tensor_core_kernels_match_their_oracles(emulated, shape, splits, trans_a, trans_b, mode):
    m, n, k = shape
    rng = np.random.default_rng(m + n + k)
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(np.float32)
    bias = rng.standard_normal(n).astype(np.float32)
    op_a, op_b = (a.T if trans_a else a), (b.T if trans_b else b)
    got, ieee = (gemm.gemm(emulated.asarray(a), emulated.asarray(b), trans_a, trans_b, emulated.asarray(bias), splits,
                           precision=precision_of).get() for precision_of in (mode, "ieee"))
    rounded = precision.round_tf32(op_a).astype(np.float64) @ precision.round_tf32(op_b).astype(np.float64)
    exact = op_a.astype(np.float64) @ op_b.astype(np.float64)
    check_mode(mode, got, rounded + bias, exact + bias, ieee)
