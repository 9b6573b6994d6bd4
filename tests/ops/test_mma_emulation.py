"""The tensor-core kernels on the CPU: kernels/mma_tf32.cuh, conv2d_mma.cuh and gemm_mma.cuh compiled
unchanged with g++ against tests/ops/mma_emulation/, a host twin of kernels/mma_ptx.cuh (cp.async
commit groups, ldmatrix and mma.m16n8k8 emulated warp-wide as the PTX ISA defines them, each CUDA
thread a fiber), launched with the real launchers' geometry (conv2d.grid, gemm.plan).

What this proves without a GPU: the index arithmetic of every problem, the fragment layouts, the
pipeline's group bookkeeping, zero-fill at edges and padding, no read outside the inputs and no
write outside the output (poisoned with NaN, guarded on both sides), against independent float64
oracles. What it cannot prove: the hardware's own semantics and speed (the gpu tests do that).
"""

import pathlib
import platform
import shutil
import subprocess

import numpy as np
import pytest

from minitransfer import cuda
from minitransfer.ops import conv2d, gemm, precision
from oracles import relative_error

pytestmark = pytest.mark.skipif(shutil.which("g++") is None or platform.machine() != "x86_64",
                                reason="the emulation needs g++ (C++20) on x86-64")

EMULATION = pathlib.Path(__file__).parent / "mma_emulation"
KERNEL_HEADERS = ("common.cuh", "conv2d_shape.cuh", "conv2d_mma.cuh", "mma_tf32.cuh", "gemm_mma.cuh")
MODES = precision.TENSOR_CORE
TILES = ("tc_m128", "tc_m64")


class Emulator:
    def __init__(self, executable):
        self.executable = executable

    def run(self, folder, args, inputs, out_size):
        """Run the kernel named by ``args`` on ``inputs`` ({"a": ..., "b": ..., "bias": ...}); the output, poisoned first."""
        for name, array in inputs.items():
            np.ascontiguousarray(array, dtype=np.float32).tofile(folder / f"{name}.bin")
        np.full(out_size, np.nan, dtype=np.float32).tofile(folder / "out.bin")
        done = subprocess.run([str(self.executable), *map(str, args), str(folder)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return np.fromfile(folder / "out.bin", dtype=np.float32)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mma_emulation")
    for name in KERNEL_HEADERS:
        shutil.copy(cuda.kernels_dir() / name, folder)
    for path in EMULATION.iterdir():
        shutil.copy(path, folder)  # the twin mma_ptx.cuh sits where the kernels' own would be
    executable = folder / "run_mma"
    subprocess.run(["g++", "-std=c++20", "-O2", "-D__CUDA_ARCH__=800", "-o", str(executable),
                    str(folder / "run_mma.cpp")], check=True, capture_output=True)
    return Emulator(executable)


def check_mode(mode, got, tf32_oracle, exact, ieee):
    """tf32: within float32 accumulation error of the float64 product of TF32-rounded inputs, and
    clearly off the exact product (real rounding happened); tf32x3: within 1e-5 of the exact product
    and no worse than twice the float32 (ieee) reference's error."""
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
    """(TF32 oracle, exact float64 result, float32 ieee reference)."""
    def rounded(a):
        return precision.round_tf32(a).astype(np.float64)

    def exact(a):
        return a.astype(np.float64)

    y32, cache32 = conv2d.forward(x, w, b, stride=stride, pad=pad, groups=groups)
    dx32, dw32, _ = conv2d.backward(dy, cache32)
    ieee = {"forward": y32, "backward-data": dx32, "backward-filter": dw32}[direction]
    return (conv_products(direction, x, w, b, dy, stride, pad, groups, rounded),
            conv_products(direction, x, w, b, dy, stride, pad, groups, exact), ieee)


def run_conv(emulator, folder, direction, variant, mode, config, x, w, b, dy, filter_split=None):
    N, C, H, W, K, R, S, stride, pad, groups = config
    P, Q = dy.shape[2:]
    shape_args = [N, C, H, W, K, R, S, P, Q, stride, pad, groups]
    tile, split = variant[len("tc_"):], int(mode == "tf32x3")
    kind = ["conv", direction.replace("-", "_"), tile, split]
    if direction == "forward":
        grid = conv2d.grid(direction, variant, np.float32, x.shape, w.shape, stride, pad)
        return emulator.run(folder, kind + [*grid] + shape_args, {"a": x, "b": w, "bias": b}, dy.size).reshape(dy.shape)
    if direction == "backward-data":
        grid = conv2d.grid(direction, variant, np.float32, x.shape, w.shape, stride, pad)
        return emulator.run(folder, kind + [*grid] + shape_args, {"a": dy, "b": w}, x.size).reshape(x.shape)
    splits, chunk = filter_split or conv2d.filter_plan(variant, np.float32, x.shape, w.shape, stride, pad, 132)
    grid = conv2d.grid(direction, variant, np.float32, x.shape, w.shape, stride, pad, splits)
    partials = emulator.run(folder, kind + [*grid] + shape_args + [splits, chunk], {"a": dy, "b": x}, splits * w.size)
    dw = np.zeros(w.size, dtype=np.float32)
    for part in partials.reshape(splits, -1):  # conv2d_reduce_splits: in split order, float32
        dw += part
    return dw.reshape(w.shape)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("variant", TILES)
@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("config", CONV_CONFIGS, ids=CONV_IDS)
def test_conv2d_tensor_core_kernels_match_their_oracles(emulator, tmp_path, config, direction, variant, mode):
    x, w, b, dy = conv_inputs(config, seed=CONV_CONFIGS.index(config))
    got = run_conv(emulator, tmp_path, direction, variant, mode, config, x, w, b, dy)
    check_mode(mode, got, *conv_oracles(direction, x, w, b, dy, *config[7:]))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("variant", TILES)
def test_conv2d_backward_filter_chunks_sum_in_order(emulator, tmp_path, variant, mode):
    """Four chunks of 24 positions, the last one short (84 = 3·24 + 12), none a whole number of stages."""
    config = CONV_CONFIGS[0]
    x, w, b, dy = conv_inputs(config, seed=7)
    got = run_conv(emulator, tmp_path, "backward-filter", variant, mode, config, x, w, b, dy, filter_split=(4, 24))
    check_mode(mode, got, *conv_oracles("backward-filter", x, w, b, dy, *config[7:]))


# ---------------------------------------------------------------------------------------------
# GEMM: (M, N, K), every transpose, split K and the bias epilogue

GEMM_SHAPES = [(5, 7, 3), (129, 131, 17), (70, 133, 203)]
TRANSPOSES = [(False, False), (False, True), (True, False), (True, True)]


def run_gemm(emulator, folder, a, b, bias, m, n, k, trans_a, trans_b, mode, splits):
    splits, k_chunk, grid = gemm.plan(m, n, k, np.float32, mode, splits, sm_count=132)
    has_bias = int(splits == 1)
    args = ["gemm", int(trans_a), int(trans_b), int(mode == "tf32x3"), *grid, m, n, k, k_chunk, has_bias]
    partials = emulator.run(folder, args, {"a": a, "b": b, "bias": bias}, splits * m * n).reshape(splits, m, n)
    c = partials[0].copy()
    for part in partials[1:]:  # gemm_reduce_splits: in slice order, bias last
        c += part
    return c if has_bias else c + bias


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("trans_a, trans_b", TRANSPOSES, ids=["nn", "nt", "tn", "tt"])
@pytest.mark.parametrize("shape, splits", [(s, None) for s in GEMM_SHAPES] + [((70, 133, 203), 3)],
                         ids=["m5-n7-k3", "m129-n131-k17", "m70-n133-k203", "m70-n133-k203-splits3"])
def test_gemm_tensor_core_kernels_match_their_oracles(emulator, tmp_path, shape, splits, trans_a, trans_b, mode):
    m, n, k = shape
    rng = np.random.default_rng(m + n + k)
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(np.float32)
    bias = rng.standard_normal(n).astype(np.float32)
    op_a, op_b = (a.T if trans_a else a), (b.T if trans_b else b)
    got = run_gemm(emulator, tmp_path, a, b, bias, m, n, k, trans_a, trans_b, mode, splits)
    rounded = precision.round_tf32(op_a).astype(np.float64) @ precision.round_tf32(op_b).astype(np.float64)
    exact = op_a.astype(np.float64) @ op_b.astype(np.float64)
    check_mode(mode, got, rounded + bias, exact + bias, op_a @ op_b + bias)
