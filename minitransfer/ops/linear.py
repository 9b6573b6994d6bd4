"""Fully connected (inner product) layer, Caffe's InnerProduct with ``bias_term: true``.

    y  = x·Wᵀ + b          x (N, in), W (out, in), b (out,), y (N, out)
    dx = dy·W              (N, in)
    dW = dyᵀ·x             (out, in)
    db = Σ_n dy[n, :]      (out,)

W has Caffe's shape ``(out, in)`` (DESIGN.md §1). The cache is ``(x, w)``. On CuPy arrays the
three products run on the hand-written tiled GEMM of ``kernels/gemm.cu`` (the bias add fused
into the forward product's epilogue) and the bias gradient on a fixed-order column-sum kernel,
so every result is bit-reproducible. :func:`gemm` is public for other ops that need a product.
"""

import numpy as np

from minitransfer import cuda
from minitransfer.ops import _check

KERNEL_FILE = "gemm"
KERNELS = (
    "gemm_nn", "gemm_nt", "gemm_tn", "gemm_tt",
    "gemm_nn_aligned", "gemm_nt_aligned", "gemm_tn_aligned", "gemm_tt_aligned",
    "gemm_reduce_splits", "linear_backward_bias",
)

# Block tile of C per dtype, as in kernels/gemm.cu (GemmTile): (rows BM, columns BN).
_GEMM_TILE = {np.dtype(np.float32): (128, 128), np.dtype(np.float64): (64, 64)}
_GEMM_THREADS = 256
_GEMM_DEPTH = 8  # BK: a K slice is a whole number of k-tiles
_BLOCKS_PER_SM = 2  # the aligned f32 kernels are built for two resident blocks per SM
_MAX_SPLITS = 16
_MIN_SLICE = 128  # never split K into slices shorter than this
_REDUCE_THREADS = 256
# The kernels index a and b with 32-bit offsets, up to one block tile past the last stored row.
_OFFSET_LIMIT = 2**31
_OFFSET_SLACK_ROWS = 128
_BIAS_BLOCK = (32, 8)


def forward(x, w, b):
    """Fully connected layer: ``y = x·Wᵀ + b``. Returns ``(y, cache)``; the cache is ``(x, w)``.

    x (N, in), w (out, in), b (out,), all float32 or all float64, C-contiguous.

    Example::

        y, cache = linear.forward(np.ones((2, 3)), np.ones((4, 3)), np.zeros(4))   # y == 3
    """
    _check.array("linear", "x", x, ndim=2)
    _check.array("linear", "w", w, ndim=2)
    _check.array("linear", "b", b, ndim=1)
    _check.same_device("linear", x=x, w=w, b=b)
    _check.same_dtype("linear", x=x, w=w, b=b)
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"linear: x {tuple(x.shape)} and w {tuple(w.shape)} disagree on the input size "
                         f"(w must be (out, in) = (out, {x.shape[1]}))")
    _check.shape("linear", "b", b, (w.shape[0],))
    _nonempty("linear", x=x, w=w)
    if cuda.is_cuda_array(x):
        return gemm(x, w, trans_b=True, bias=b), (x, w)
    return _forward_reference(x, w, b), (x, w)


def backward(dy, cache, need_dx=True):
    """Gradients of :func:`forward`: ``(dx, dw, db)`` = ``(dy·W, dyᵀ·x, Σ_n dy)``.

    With ``need_dx=False`` the input gradient is not computed and ``dx`` is None (the lowest
    trainable layer of a net needs only its parameter gradients).
    """
    x, w = cache
    _check.array("linear", "dy", dy, ndim=2)
    _check.same_device("linear", dy=dy, x=x)
    _check.same_dtype("linear", dy=dy, x=x)
    _check.shape("linear", "dy", dy, (x.shape[0], w.shape[0]))
    if cuda.is_cuda_array(dy):
        dx = gemm(dy, w) if need_dx else None
        return dx, gemm(dy, x, trans_a=True), _bias_gradient_cuda(dy)
    return _backward_reference(x, w, dy, need_dx)


def _forward_reference(x, w, b):
    return x @ w.T + b  # N,out


def _backward_reference(x, w, dy, need_dx=True):
    dx = dy @ w if need_dx else None  # N,in
    dw = dy.T @ x  # out,in
    db = dy.sum(axis=0)  # out
    return dx, dw, db


def _nonempty(op, **arrays):
    for name, a in arrays.items():
        if a.size == 0:
            raise ValueError(f"{op}: {name} must not be empty, got shape {tuple(a.shape)}")


def gemm(a, b, trans_a=False, trans_b=False, bias=None, splits=None):
    """``C = op(A)·op(B)`` (+ ``bias`` added to every row) on the GPU, with ``kernels/gemm.cu``.

    op(A) is ``a`` or ``a.T``, op(B) is ``b`` or ``b.T``; a and b are 2-D C-contiguous CuPy
    arrays of one dtype (float32 or float64) and are never copied: the transposes are read in
    place. Returns a new (M, N) CuPy array. Rows of a and b whose length is a multiple of
    16 bytes, on 16-byte aligned pointers, take the 16-byte-load variant (same bits). The
    kernels index a and b with 32-bit offsets: ``(rows + 128)·columns`` of each must stay
    below 2^31 (a ValueError otherwise).

    ``splits`` cuts K into that many slices whose partial products are added in a fixed order
    by a second kernel (no atomics); ``None`` picks it from the shape and the SM count
    (:func:`gemm_splits`) so that products with few output tiles still fill the GPU. The
    result is bit-reproducible for a given ``splits``.

    Example::

        c = gemm(dy, x, trans_a=True)   # dyᵀ·x, the weight gradient of a linear layer
    """
    _check.array("gemm", "a", a, ndim=2)
    _check.array("gemm", "b", b, ndim=2)
    _check.same_dtype("gemm", a=a, b=b)
    m, k = (a.shape[1], a.shape[0]) if trans_a else a.shape
    k_b, n = (b.shape[1], b.shape[0]) if trans_b else b.shape
    if k != k_b:
        raise ValueError(f"gemm: op(a) is {m}x{k} but op(b) is {k_b}x{n} (a {tuple(a.shape)}, "
                         f"b {tuple(b.shape)}, trans_a={trans_a}, trans_b={trans_b})")
    _nonempty("gemm", a=a, b=b)
    _check_offsets("gemm", a=a, b=b)
    if not (cuda.is_cuda_array(a) and cuda.is_cuda_array(b)):
        raise ValueError(f"gemm: a and b must be CuPy arrays (for NumPy use a @ b), got "
                         f"{type(a).__module__.split('.')[0]} and {type(b).__module__.split('.')[0]}")
    if bias is not None:
        _check.array("gemm", "bias", bias, ndim=1)
        _check.same_device("gemm", a=a, bias=bias)
        _check.same_dtype("gemm", a=a, bias=bias)
        _check.shape("gemm", "bias", bias, (n,))

    if splits is None:
        splits = gemm_splits(m, n, k, a.dtype)
    splits = _check.positive_int("gemm", "splits", splits)
    k_chunk = cuda.blocks(k, splits * _GEMM_DEPTH) * _GEMM_DEPTH
    splits = cuda.blocks(k, k_chunk)  # no empty slice

    cp = cuda.cupy()
    c = cp.empty((m, n), dtype=a.dtype)
    partials = c if splits == 1 else cp.empty((splits, m, n), dtype=a.dtype)
    variant = "aligned" if gemm_is_aligned(a, b) else None
    name = "_".join(filter(None, ("gemm", ("t" if trans_a else "n") + ("t" if trans_b else "n"), variant)))
    tile_m, tile_n = _GEMM_TILE[np.dtype(a.dtype)]
    grid = (cuda.blocks(n, tile_n), cuda.blocks(m, tile_m), splits)
    # A kernel told has_bias = 0 never reads its bias pointer; c stands in for a missing bias.
    bias_arg = c if bias is None else bias
    fuse_bias = bias is not None and splits == 1
    cuda.launch(KERNEL_FILE, cuda.entry(name, a.dtype), grid, _GEMM_THREADS,
                (a, b, bias_arg, partials, np.int32(m), np.int32(n), np.int32(k), np.int32(k_chunk),
                 np.int32(fuse_bias)))
    if splits > 1:
        cuda.launch(KERNEL_FILE, cuda.entry("gemm_reduce_splits", a.dtype),
                    min(cuda.blocks(m * n, _REDUCE_THREADS), 1 << 16), _REDUCE_THREADS,
                    (partials, bias_arg, c, np.int32(splits), np.int64(m * n), np.int32(n),
                     np.int32(bias is not None)))
    return c


def _check_offsets(op, **arrays):
    for name, x in arrays.items():
        rows, cols = x.shape
        if (rows + _OFFSET_SLACK_ROWS) * cols >= _OFFSET_LIMIT:
            raise ValueError(f"{op}: {name} {tuple(x.shape)} is too large for the GEMM kernels' 32-bit "
                             f"offsets: (rows + {_OFFSET_SLACK_ROWS})·columns must stay below 2^31")


def gemm_splits(m, n, k, dtype):
    """How many K slices :func:`gemm` uses by default for an (m × k)·(k × n) product.

    One slice whenever the output tiles fill at least one wave of the GPU (two blocks per SM);
    otherwise the count (at most 16, slices at least 128 deep) whose blocks fill the last wave
    best, the smallest such count on ties.
    """
    tile_m, tile_n = _GEMM_TILE[np.dtype(dtype)]
    tiles = cuda.blocks(m, tile_m) * cuda.blocks(n, tile_n)
    slots = _BLOCKS_PER_SM * _sm_count()
    if tiles >= slots:
        return 1
    best, best_fill = 1, 0.0
    for splits in range(1, min(_MAX_SPLITS, max(1, k // _MIN_SLICE)) + 1):
        blocks = tiles * splits
        fill = blocks / (cuda.blocks(blocks, slots) * slots)
        if fill > best_fill + 1e-9:
            best, best_fill = splits, fill
    return best


_sm_counts = {}


def _sm_count():
    cp = cuda.cupy()
    device = cp.cuda.Device().id
    if device not in _sm_counts:
        _sm_counts[device] = int(cp.cuda.runtime.getDeviceProperties(device)["multiProcessorCount"])
    return _sm_counts[device]


def gemm_is_aligned(a, b):
    """True when :func:`gemm` takes the 16-byte-load variant for ``a`` and ``b``: each stored row
    holds a multiple of 16 bytes and both arrays start on a 16-byte boundary."""
    vector = 16 // np.dtype(a.dtype).itemsize
    return all(x.shape[1] % vector == 0 and x.data.ptr % 16 == 0 for x in (a, b))


def _bias_gradient_cuda(dy):
    cp = cuda.cupy()
    rows, cols = dy.shape
    db = cp.empty((cols,), dtype=dy.dtype)
    cuda.launch(KERNEL_FILE, cuda.entry("linear_backward_bias", dy.dtype), cuda.blocks(cols, _BIAS_BLOCK[0]),
                _BIAS_BLOCK, (dy, db, np.int32(rows), np.int32(cols)))
    return db
