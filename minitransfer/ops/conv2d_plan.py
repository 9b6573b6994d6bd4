"""Which kernel a convolution runs and how it is launched: the variant of each direction by shape
(``choose_variant``), the entry point's name, the launch grid, and backward-filter's split of its
N·P·Q reduction into chunks (``filter_plan``). The launchers of ``minitransfer.ops.conv2d`` follow
it; the constants mirror ``kernels/conv2d.cu``'s tiles and ``kernels/mma_tf32.cuh``'s.
"""

import numpy as np

from minitransfer import cuda
from minitransfer.ops import precision as precisions

# The kernel variants of each direction. "m128" and "m64" are the FFMA implicit GEMM (precision
# ieee) with 128-row and 64-row float tiles (rows × columns per block below; they must match
# ConvTile in kernels/conv2d.cu, where double always uses 64 × 64); "small_channels" is the direct
# backward-data kernel for few channels per group; "tc_m128" and "tc_m64" are the tensor-core
# GEMM (tf32x3, tf32; MmaTile in kernels/mma_tf32.cuh). choose_variant picks one by shape.
VARIANTS = {
    "forward": ("m128", "m64", "tc_m128", "tc_m64"),
    "backward-data": ("m128", "m64", "small_channels", "tc_m128", "tc_m64"),
    "backward-filter": ("m128", "m64", "tc_m128", "tc_m64"),
}
GEMM_TILES = {
    "m128": {np.dtype(np.float32): (128, 128), np.dtype(np.float64): (64, 64)},
    "m64": {np.dtype(np.float32): (64, 128), np.dtype(np.float64): (64, 64)},
    "tc_m128": {np.dtype(np.float32): (128, 64)},
    "tc_m64": {np.dtype(np.float32): (64, 128)},
}
SMALL_CHANNELS_MAX = 8  # backward-data runs the direct kernel up to this many channels per group
SMALL_CB = 4  # channels per thread of the direct kernel (SMALL_CB in kernels/conv2d.cu)
SMALL_TH = 8  # phase rows per thread (SMALL_TH)
SMALL_TR = 3  # kernel rows per register block; the staged rows are padded to a multiple (SMALL_TR)
SMALL_STAGE = 4096  # w values staged in shared memory per round of filters (SMALL_STAGE)
MAX_GRID_Y = 65535
THREADS = 256  # every conv2d kernel runs 256-thread blocks (CONV_THREADS, SMALL_THREADS, BIAS_THREADS)
FILTER_BLOCKS_PER_SM = 4  # blocks per SM the split of backward-filter aims at
FILTER_MIN_CHUNK = 256  # fewest N·P·Q positions one backward-filter block reduces over
FILTER_CHUNK_STEP = 8  # a chunk is a whole number of the kernels' reduction steps (BK)


def gemm_variant(rows):
    """The row tile for a GEMM with ``rows`` rows per group: ``"m64"`` when 64-row tiles leave
    fewer idle rows than 128-row tiles (conv2 backward-data's 48 rows, conv4's 192), else ``"m128"``."""
    return "m64" if cuda.ceil_div(rows, 64) * 64 < cuda.ceil_div(rows, 128) * 128 else "m128"


def _small_channels_fit(Cg, R, S, stride, groups):
    taps_h, taps_w = cuda.ceil_div(R, stride), cuda.ceil_div(S, stride)  # the largest phase's taps
    staged = cuda.ceil_div(taps_h, SMALL_TR) * SMALL_TR * taps_w  # its rows padded to a multiple of SMALL_TR
    return staged * SMALL_CB <= SMALL_STAGE and groups * stride * stride * cuda.ceil_div(Cg, SMALL_CB) <= MAX_GRID_Y


def choose_variant(direction, x_shape, w_shape, stride, precision="ieee"):
    """The kernel variant (one of ``VARIANTS[direction]``) the CUDA path runs for these shapes.

    ``tf32x3`` and ``tf32`` take the tensor-core tile with fewer idle rows (:func:`gemm_variant`
    on filters, or channels, per group): ``"tc_m64"`` or ``"tc_m128"``. For ``ieee``,
    backward-data with at most 8 channels per group (conv1: 3) runs the direct kernel
    ``"small_channels"``; otherwise forward and backward-data take the row tile of
    :func:`gemm_variant` for their rows (filters, resp. channels per group). Backward-filter
    takes 64-row tiles only for at most 64 filters per group: on an H100 conv4's 192 rows ran
    faster in 128-row tiles (2.56 ms against 3.17), unlike its forward and backward-data.
    """
    K, Cg, R, S = w_shape
    groups = x_shape[1] // Cg
    rows = Cg if direction == "backward-data" else K // groups
    if precision in precisions.TENSOR_CORE:
        return "tc_" + gemm_variant(rows)
    if direction == "backward-data" and Cg <= SMALL_CHANNELS_MAX and _small_channels_fit(Cg, R, S, stride, groups):
        return "small_channels"
    if direction == "backward-filter":
        return "m64" if rows <= 64 else "m128"
    return gemm_variant(rows)


def kernel_name(direction, variant, precision="ieee"):
    """The kernel (entry point without its dtype suffix) of ``variant`` of ``direction``:
    ``kernel_name("forward", "tc_m64", "tf32") == "conv2d_forward_tc_m64_tf32"``."""
    stem = "conv2d_" + direction.replace("-", "_")
    name = stem if variant == "m128" else f"{stem}_{variant}"
    return f"{name}_{precision}" if variant.startswith("tc_") else name


def checked_variant(direction, x, w, stride, variant, precision):
    """``variant``, checked, or the shape's choice when None; the kernel's base name."""
    if variant is None:
        variant = choose_variant(direction, x.shape, w.shape, stride, precision)
    if variant not in VARIANTS[direction]:
        raise ValueError(f"conv2d: {direction} has no variant {variant!r}; choose from {VARIANTS[direction]}")
    if variant.startswith("tc_") != (precision in precisions.TENSOR_CORE):
        raise ValueError(f"conv2d: variant {variant!r} does not compute precision {precision!r}")
    K, Cg, R, S = w.shape
    if variant == "small_channels" and not _small_channels_fit(Cg, R, S, stride, x.shape[1] // Cg):
        raise ValueError(f"conv2d: kernel {R}x{S} stride {stride} has too many taps per phase for small_channels; "
                         f"x {tuple(x.shape)}, w {tuple(w.shape)}")
    if variant.startswith("tc_"):
        precisions.require_tensor_cores("conv2d", precision)
    return variant, kernel_name(direction, variant, precision)


def grid(direction, variant, dtype, x_shape, w_shape, stride, pad, splits=1):
    """The launch grid of ``variant`` of ``direction`` (``splits``: backward-filter's N·P·Q chunks)."""
    N, C, H, W = x_shape
    K, Cg, R, S = w_shape
    groups = C // Cg
    if variant == "small_channels":
        threads = N * cuda.ceil_div(cuda.ceil_div(H, stride), SMALL_TH) * cuda.ceil_div(W, stride)
        return cuda.blocks(threads, THREADS), groups * stride * stride * cuda.ceil_div(Cg, SMALL_CB)
    tile_rows, tile_columns = GEMM_TILES[variant][np.dtype(dtype)]
    if direction == "forward":
        P, Q = _output_size(H, R, stride, pad), _output_size(W, S, stride, pad)
        return cuda.blocks(N * P * Q, tile_columns), cuda.blocks(K // groups, tile_rows), groups
    if direction == "backward-data":
        phase_pixels = N * cuda.ceil_div(H, stride) * cuda.ceil_div(W, stride)  # the largest stride phase's
        return cuda.blocks(phase_pixels, tile_columns), cuda.blocks(Cg, tile_rows), groups * stride * stride
    return cuda.blocks(Cg * R * S, tile_columns), cuda.blocks(K // groups, tile_rows), groups * splits


def filter_plan(variant, dtype, x_shape, w_shape, stride, pad, sm_count):
    """Backward-filter's ``(splits, chunk)`` for these shapes (:func:`filter_splits` of its tiles)."""
    N, _, H, W = x_shape
    columns, rows, groups = grid("backward-filter", variant, dtype, x_shape, w_shape, stride, pad)
    positions = N * _output_size(H, w_shape[2], stride, pad) * _output_size(W, w_shape[3], stride, pad)
    return filter_splits(columns * rows * groups, positions, sm_count)


def filter_splits(tiles, positions, sm_count):
    """How many chunks backward-filter splits the N·P·Q reduction into, and the chunk length.

    Enough chunks that ``tiles`` output tiles times the chunks give about
    ``FILTER_BLOCKS_PER_SM`` blocks per SM, but no chunk shorter than ``FILTER_MIN_CHUNK``
    positions. The chunk is a multiple of ``FILTER_CHUNK_STEP`` (the kernels' reduction step).
    """
    wanted = max(1, cuda.ceil_div(FILTER_BLOCKS_PER_SM * sm_count, tiles))
    splits = max(1, min(wanted, positions // FILTER_MIN_CHUNK))
    chunk = cuda.ceil_div(cuda.ceil_div(positions, splits), FILTER_CHUNK_STEP) * FILTER_CHUNK_STEP
    return cuda.ceil_div(positions, chunk), chunk


def _output_size(size, kernel, stride, pad):
    return (size + 2 * pad - kernel) // stride + 1
