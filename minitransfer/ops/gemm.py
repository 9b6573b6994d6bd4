"""Matrix product ``C = op(A)·op(B)`` (+ bias) on the GPU, with the tiled kernels of ``kernels/gemm.cu``.

    C[m, n] = Σ_k op(A)[m, k] · op(B)[k, n]  (+ bias[n])       op(X) = X or Xᵀ

The fully connected layer (``minitransfer.ops.linear``) is three of these products; the NumPy
side needs no launcher (``a @ b`` is the reference), so :func:`gemm` takes CuPy arrays only.
Every output element is summed over k in increasing order by one thread (per K slice), and K
slices are added in slice order by a second kernel: no atomics, bit-reproducible results.
``precision`` (``minitransfer.ops.precision``): ``ieee`` runs the FFMA kernels, ``tf32x3`` and
``tf32`` the tensor-core kernels of ``kernels/gemm_mma.cuh`` (float32, compute capability 8.0+;
UNVERIFIED ON A GPU).

For the fused fully connected layers (UNVERIFIED ON A GPU, bit-identical to the unfused kernels by
construction and on the CPU emulation): an :class:`Epilogue` (``kernels/epilogue.cuh``: ReLU,
ReLU + dropout, or the backward masks of either) is applied by the split reduction, which then runs
with one slice too; ``row_sums=True`` also returns Σ_k op(A)[m, k] (the bias gradient of
dW = dyᵀ·x), computed by extra blocks of the same launch with ``linear.cu``'s code.

Example::

    c = gemm.gemm(dy, x, trans_a=True)   # dyᵀ·x, the weight gradient of a linear layer
"""

from typing import NamedTuple

import numpy as np

from minitransfer import counter_rng, cuda
from minitransfer.ops import _check, precision as precisions

KERNEL_FILE = "gemm"
KERNELS = (
    "gemm_nn", "gemm_nt", "gemm_tn", "gemm_tt",
    "gemm_nn_aligned", "gemm_nt_aligned", "gemm_tn_aligned", "gemm_tt_aligned",
    "gemm_reduce_splits",
)
# Tensor-core kernels, float32 only: gemm_<transposes>_<precision> (kernels/gemm_mma.cuh).
TENSOR_CORE_KERNELS = tuple(f"gemm_{t}_{mode}" for t in ("nn", "nt", "tn", "tt") for mode in precisions.TENSOR_CORE)

# Block tile of C, (rows BM, columns BN), and k-tile depth BK: per dtype for the FFMA kernels
# (GemmTile in kernels/gemm.cu), one for the tensor-core kernels (MmaTileM128 in mma_tf32.cuh).
TILES = {np.dtype(np.float32): (128, 128), np.dtype(np.float64): (64, 64)}
TENSOR_CORE_TILE = (128, 64)
TILE_DEPTH = 8
TENSOR_CORE_TILE_DEPTH = 16
THREADS = 256
BLOCKS_PER_SM = 2  # the aligned f32 kernels are built for two resident blocks per SM
MAX_SPLITS = 16
MIN_SLICE = 128  # never split K into slices shorter than this
MAX_REDUCE_BLOCKS = 1 << 16
# The kernels index a and b with 32-bit offsets, up to one block tile past the last stored row.
OFFSET_LIMIT = 2**31
OFFSET_SLACK_ROWS = 128
BIAS_COLUMNS = 32  # columns of op(A)'s row sums per block (BIAS_COLUMNS in kernels/bias_gradient.cuh)
# kernels/epilogue.cuh's modes
EPILOGUE_NONE, EPILOGUE_RELU, EPILOGUE_RELU_DROPOUT, EPILOGUE_MASK, EPILOGUE_MASK_SCALE = range(5)


class Epilogue(NamedTuple):
    """What the split reduction does to each value of C before storing it (``kernels/epilogue.cuh``).

    ``relu()``: max(v, 0). ``relu_dropout(seed, counter, threshold, scale)``: then inverted dropout,
    element i kept iff random_bits(seed, *counter, i) >= threshold, counter a CuPy uint32 array
    whose [0] holds the iteration (read on the device). ``mask(a, scale=None)``: v (times scale)
    where a > 0, else 0: the backward of a ReLU (and a dropout) whose output is a.
    """

    mode: int
    mask: object = None
    scale: float = 1.0
    seed: int = 0
    counter: object = None
    threshold: int = 0

    @classmethod
    def relu(cls):
        return cls(EPILOGUE_RELU)

    @classmethod
    def relu_dropout(cls, seed, counter, threshold, scale):
        return cls(EPILOGUE_RELU_DROPOUT, scale=scale, seed=seed, counter=counter, threshold=threshold)

    @classmethod
    def masked(cls, a, scale=None):
        return cls(EPILOGUE_MASK, a) if scale is None else cls(EPILOGUE_MASK_SCALE, a, scale)


def gemm(a, b, trans_a=False, trans_b=False, bias=None, splits=None, precision="ieee", epilogue=None, row_sums=False):
    """``C = op(A)·op(B)`` (+ ``bias`` added to every row) on the GPU, with ``kernels/gemm.cu``.

    op(A) is ``a`` or ``a.T``, op(B) is ``b`` or ``b.T``; a and b are 2-D C-contiguous CuPy
    arrays of one dtype (float32 or float64) and are never copied: the transposes are read in
    place. Returns a new (M, N) CuPy array. Rows of a and b whose length is a multiple of
    16 bytes, on 16-byte aligned pointers, take the 16-byte-load variant (same bits). The
    kernels index a and b with 32-bit offsets: ``(rows + 128)·columns`` of each must stay
    below 2^31, and M within 65535 row tiles of the grid (M <= 8388480 in float32, 4194240
    in float64); a ValueError otherwise.

    ``splits`` cuts K into that many slices whose partial products are added in a fixed order
    by a second kernel (no atomics); ``None`` picks it from the shape and the SM count
    (:func:`default_splits`) so that products with few output tiles still fill the GPU. The
    result is bit-reproducible for a given ``splits``. ``precision``: ``ieee`` (default),
    ``tf32x3`` or ``tf32`` (see the module docstring). ``epilogue`` (an :class:`Epilogue`) is
    applied to C (a dropout epilogue only to fewer than 2^32 elements, as
    ``dropout.forward``); with ``row_sums`` (trans_a only) the result is ``(c, sums)``, sums[m] =
    Σ_k op(A)[m, k] from the same launch.

    Example::

        c = gemm(dy, x, trans_a=True)   # dyᵀ·x, the weight gradient of a linear layer
    """
    m, n, k = _check_operands(a, b, trans_a, trans_b, bias)
    _check_fusions(a, (m, n), trans_a, epilogue, row_sums)
    precision = precisions.check("gemm", precision, a.dtype)
    if precision in precisions.TENSOR_CORE:
        precisions.require_tensor_cores("gemm", precision)
    if splits is not None:
        splits = _check.positive_int("gemm", "splits", splits)
    splits, k_chunk, (gx, gy, gz) = plan(m, n, k, a.dtype, precision, splits)
    sum_planes = cuda.ceil_div(cuda.ceil_div(m, BIAS_COLUMNS), gx * gy) if row_sums else 0
    cuda.check_grid("gemm", (gx, gy, gz + sum_planes), f"op(a) {m}x{k} times op(b) {k}x{n} ({a.dtype}, {precision})")

    cp = cuda.cupy()
    c = cp.empty((m, n), dtype=a.dtype)
    reduced = splits > 1 or epilogue is not None
    partials = cp.empty((splits, m, n), dtype=a.dtype) if reduced else c
    sums = cp.empty((m,), dtype=a.dtype) if row_sums else None
    name = kernel_name(trans_a, trans_b, precision, is_aligned(a, b))
    # A kernel told has_bias = 0 never reads its bias pointer; c stands in for a missing bias (and sums).
    bias_arg = c if bias is None else bias
    cuda.launch(KERNEL_FILE, cuda.entry(name, a.dtype), (gx, gy, gz + sum_planes), THREADS,
                (a, b, bias_arg, partials, np.int32(m), np.int32(n), np.int32(k), np.int32(k_chunk),
                 np.int32(bias is not None and not reduced), np.int32(splits), c if sums is None else sums,
                 np.int32(row_sums)))
    if reduced:
        _reduce(partials, bias_arg, c, splits, bias is not None, epilogue or Epilogue(EPILOGUE_NONE))
    return (c, sums) if row_sums else c


def _reduce(partials, bias, c, splits, has_bias, epilogue):
    """gemm_reduce_splits: C = Σ_s partials[s] (+ bias), then the epilogue."""
    m, n = c.shape
    dtype = c.dtype.type
    # The kernel reads the counter for dropout only; any uint32 array stands in otherwise.
    counter = cuda.cupy().empty(1, dtype=np.uint32) if epilogue.counter is None else epilogue.counter
    cuda.launch(KERNEL_FILE, cuda.entry("gemm_reduce_splits", c.dtype),
                min(cuda.blocks(m * n, THREADS), MAX_REDUCE_BLOCKS), THREADS,
                (partials, bias, c, np.int32(splits), np.int64(m * n), np.int32(n), np.int32(has_bias),
                 np.int32(epilogue.mode), c if epilogue.mask is None else epilogue.mask, dtype(epilogue.scale),
                 np.uint32(epilogue.seed), counter, np.uint32(epilogue.threshold)))


def _check_fusions(a, c_shape, trans_a, epilogue, row_sums):
    if row_sums and not trans_a:
        raise ValueError("gemm: row_sums sums op(A) = aᵀ along k: it needs trans_a=True")
    if epilogue is None:
        return
    if epilogue.mask is not None:
        _check.array("gemm", "epilogue mask", epilogue.mask)
        _check.same_dtype("gemm", a=a, mask=epilogue.mask)
        _check.shape("gemm", "epilogue mask", epilogue.mask, c_shape)
    if epilogue.mode == EPILOGUE_RELU_DROPOUT:
        _check.array("gemm", "dropout counter", epilogue.counter, dtypes=(np.dtype(np.uint32),))
        if c_shape[0] * c_shape[1] > counter_rng.MASK32:  # the mask draws index i as 32 bits, as dropout's
            raise ValueError(f"gemm: a fused dropout needs fewer than 2**32 elements (its mask's 32-bit indices), "
                             f"got C of shape {tuple(c_shape)}")


def _check_operands(a, b, trans_a, trans_b, bias):
    """Validate the operands of :func:`gemm`; returns (M, N, K)."""
    _check.array("gemm", "a", a, ndim=2)
    _check.array("gemm", "b", b, ndim=2)
    _check.same_dtype("gemm", a=a, b=b)
    m, k = (a.shape[1], a.shape[0]) if trans_a else a.shape
    k_b, n = (b.shape[1], b.shape[0]) if trans_b else b.shape
    if k != k_b:
        raise ValueError(f"gemm: op(a) is {m}x{k} but op(b) is {k_b}x{n} (a {tuple(a.shape)}, "
                         f"b {tuple(b.shape)}, trans_a={trans_a}, trans_b={trans_b})")
    _check.nonempty("gemm", a=a, b=b)
    check_offsets("gemm", a=a, b=b)
    if not (cuda.is_cuda_array(a) and cuda.is_cuda_array(b)):
        raise ValueError(f"gemm: a and b must be CuPy arrays (for NumPy use a @ b), got "
                         f"{type(a).__module__.split('.')[0]} and {type(b).__module__.split('.')[0]}")
    if bias is not None:
        _check.array("gemm", "bias", bias, ndim=1)
        _check.same_device("gemm", a=a, bias=bias)
        _check.same_dtype("gemm", a=a, bias=bias)
        _check.shape("gemm", "bias", bias, (n,))
    return m, n, k


def check_offsets(op, **arrays):
    """Refuse an operand too large for the kernels' 32-bit offsets (shapes only)."""
    for name, x in arrays.items():
        rows, cols = x.shape
        if (rows + OFFSET_SLACK_ROWS) * cols >= OFFSET_LIMIT:
            raise ValueError(f"{op}: {name} {tuple(x.shape)} is too large for the GEMM kernels' 32-bit "
                             f"offsets: (rows + {OFFSET_SLACK_ROWS})·columns must stay below 2^31")


def kernel_name(trans_a, trans_b, precision="ieee", aligned=False):
    """The kernel :func:`gemm` runs: ``gemm_nt``, ``gemm_nt_aligned`` (ieee) or ``gemm_nt_tf32`` ..."""
    transposes = ("t" if trans_a else "n") + ("t" if trans_b else "n")
    if precision in precisions.TENSOR_CORE:
        return f"gemm_{transposes}_{precision}"
    return f"gemm_{transposes}_aligned" if aligned else f"gemm_{transposes}"


def tile(dtype, precision="ieee"):
    """The block tile ``(rows, columns)`` of C and the k-tile depth :func:`gemm` runs with."""
    if precision in precisions.TENSOR_CORE:
        return TENSOR_CORE_TILE, TENSOR_CORE_TILE_DEPTH
    return TILES[np.dtype(dtype)], TILE_DEPTH


def plan(m, n, k, dtype, precision="ieee", splits=None, sm_count=None):
    """``(splits, k_chunk, grid)`` of an (m × k)·(k × n) product: ``splits`` (default
    :func:`default_splits`) K slices of ``k_chunk`` (a whole number of k-tiles; no slice left
    empty, so fewer slices than asked when K is short), and the launch grid."""
    (tile_m, tile_n), depth = tile(dtype, precision)
    if splits is None:
        splits = default_splits(m, n, k, dtype, sm_count, precision)
    k_chunk = cuda.blocks(k, splits * depth) * depth
    splits = cuda.blocks(k, k_chunk)
    return splits, k_chunk, (cuda.blocks(n, tile_n), cuda.blocks(m, tile_m), splits)


def default_splits(m, n, k, dtype, sm_count=None, precision="ieee"):
    """How many K slices :func:`gemm` uses by default for an (m × k)·(k × n) product.

    One slice whenever the output tiles fill at least one wave of the GPU (two blocks per SM);
    otherwise the count (at most 16, slices at least 128 deep) whose blocks fill the last wave
    best, the smallest such count on ties. ``sm_count`` defaults to the current device's.

    Example::

        default_splits(256, 4096, 9216, np.float32, sm_count=132)   # fc6's weight gradient: > 1
    """
    (tile_m, tile_n), _ = tile(dtype, precision)
    tiles = cuda.blocks(m, tile_m) * cuda.blocks(n, tile_n)
    slots = BLOCKS_PER_SM * (cuda.sm_count() if sm_count is None else sm_count)
    if tiles >= slots:
        return 1
    best, best_fill = 1, 0.0
    for splits in range(1, min(MAX_SPLITS, max(1, k // MIN_SLICE)) + 1):
        blocks = tiles * splits
        fill = blocks / (cuda.blocks(blocks, slots) * slots)
        if fill > best_fill + 1e-9:
            best, best_fill = splits, fill
    return best


def is_aligned(a, b):
    """True when :func:`gemm` takes the 16-byte-load variant for ``a`` and ``b``: each stored row
    holds a multiple of 16 bytes and both arrays start on a 16-byte boundary."""
    vector = 16 // np.dtype(a.dtype).itemsize
    return all(x.shape[1] % vector == 0 and x.data.ptr % 16 == 0 for x in (a, b))
