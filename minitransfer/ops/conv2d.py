"""2-D convolution with groups (Caffe's Convolution layer; Krizhevsky et al. 2012, §3.5 for the groups).

    y[n, k, p, q] = b[k] + Σ_{c, r, s} w[k, c, r, s] · x[n, g·Cg + c, p·stride − pad + r, q·stride − pad + s]

with g = k // Kg the group of output channel k, Cg = C / groups, Kg = K / groups, and x read as
zero outside the image (zero padding). Like Caffe (and every framework) this is a
cross-correlation: the kernel is not flipped. Output size ``P = (H + 2·pad − R) // stride + 1``,
``Q = (W + 2·pad − S) // stride + 1``; the rightmost / bottom pixels that no window reaches are
ignored. Groups split the input and the output channels into ``groups`` contiguous blocks; block
g of the output only sees block g of the input.

Gradients, with L the loss and dy = ∂L/∂y:

    dx[n, c, h, w] = Σ_{k in c's group, r, s} w[k, c − g·Cg, r, s]
                                              · dy[n, k, (h + pad − r)/stride, (w + pad − s)/stride]
                     (terms with a non-integer or out-of-range output position are absent)
    dw[k, c, r, s] = Σ_{n, p, q} dy[n, k, p, q] · x[n, g·Cg + c, p·stride − pad + r, q·stride − pad + s]
    db[k]          = Σ_{n, p, q} dy[n, k, p, q]

Layouts: x (N, C, H, W), w (K, C/groups, R, S), b (K,), y (N, K, P, Q); C-contiguous, float32 or
float64. The NumPy reference is im2col (a strided view of the padded input) and one matmul per
group; dx is col2im, accumulating the R·S kernel offsets. The CUDA kernels (``kernels/conv2d.cu``)
are implicit GEMMs over the same index spaces, with no im2col buffer, in two row tiles (128 or 64,
chosen by ``conv2d_plan.choose_variant``), and for backward-data with few channels per group (conv1)
a direct kernel.

``precision`` (``minitransfer.ops.precision``) says how the products are computed: ``ieee`` (the
default, FFMA), or on tensor cores ``tf32x3`` / ``tf32`` (float32 only, compute capability 8.0+;
UNVERIFIED ON A GPU). The bias and its gradient are always plain float32 sums.

Fusions (the training step's lean path; UNVERIFIED ON A GPU, bit-identical to the unfused kernels
by construction and on the CPU emulation): ``forward(..., relu=True)`` applies the ReLU after the
layer, ``backward(..., mask=a)`` the backward of a ReLU before it (dx = 0 where a <= 0, a being
the ReLU's output, this layer's input). With ``fused=True`` on CUDA they run in the kernels'
epilogues, and backward-filter also computes the bias gradient (in extra blocks) and sums its
N·P·Q chunks (the last block of each tile, in chunk order): one launch for dw and db. Otherwise
``relu``'s kernels or references run after / before, and the bias and the chunk sum have their
own kernels. The NumPy path computes the same values either way.
"""

import math
from typing import NamedTuple

import numpy as np

from minitransfer import cuda
from minitransfer.ops import _check, relu as relus
from minitransfer.ops import conv2d_plan as plan
from minitransfer.ops import precision as precisions

KERNEL_FILE = "conv2d"
KERNELS = (
    "conv2d_forward",
    "conv2d_forward_m64",
    "conv2d_backward_data",
    "conv2d_backward_data_m64",
    "conv2d_backward_data_small_channels",
    "conv2d_backward_filter",
    "conv2d_backward_filter_m64",
    "conv2d_reduce_splits",
    "conv2d_backward_bias",
)
# Tensor-core kernels, float32 only: <direction>_tc_<tile>_<precision> (kernels/conv2d_mma.cuh).
TENSOR_CORE_KERNELS = tuple(
    f"conv2d_{direction}_tc_{tile}_{mode}"
    for direction in ("forward", "backward_data", "backward_filter")
    for tile in ("m128", "m64")
    for mode in precisions.TENSOR_CORE
)

THREADS = plan.THREADS
MAX_REDUCE_BLOCKS = 4096
# The kernels index with 32-bit integers, and some counters run up to INDEX_SLACK − 1 past a size
# before their loop ends (the bias gradient's last l + 256, l < N·P·Q, reaches N·P·Q + 255; a GEMM
# stage's k0 + 8 or depth + 15 past its depth, a tile's column n0 + 127 past its columns, less):
# every tensor, and the padded input N·C·(H + 2·pad)·(W + 2·pad) (backward-filter's offsets
# r·W and h0·W, h0 = p·stride − pad, up to it), has at most 2^31 − INDEX_SLACK elements.
INDEX_SLACK = 256
MAX_ELEMENTS = 2**31 - INDEX_SLACK
MAX_TAP = (2**15, 2**16)  # R, S: backward-filter packs a tap as r << 16 | s in one int (r < R, s < S)


class Conv2dCache(NamedTuple):
    """What :func:`backward` needs: the forward's input, weight and hyper-parameters, and on
    NumPy arrays the im2col matrix the forward built (None on CuPy arrays)."""

    x: object  # N,C,H,W
    w: object  # K,Cg,R,S
    stride: int
    pad: int
    groups: int
    cols: object  # g,NPQ,CgRS (NumPy) or None
    precision: str


def output_size(size, kernel, stride, pad):
    """Output length of one spatial axis: ``(size + 2·pad − kernel) // stride + 1``."""
    return (size + 2 * pad - kernel) // stride + 1


def forward(x, w, b, stride=1, pad=0, groups=1, precision="ieee", relu=False, fused=False):
    """Convolve ``x`` (N, C, H, W) with ``w`` (K, C/groups, R, S) and add ``b`` (K,).

    Returns ``(y, cache)`` with ``y`` of shape (N, K, P, Q) and a :class:`Conv2dCache` (which
    carries ``precision`` to :func:`backward`). NumPy arrays run the reference, CuPy arrays the
    CUDA kernels; ``precision`` is ``ieee``, ``tf32x3`` or ``tf32`` (see the module docstring).
    ``relu``: y = max(conv, 0), the ReLU after the layer (in the kernel with ``fused`` on CUDA).
    On CUDA, shapes beyond the kernels' 32-bit indices are refused (:func:`check_kernel_sizes`:
    tensors and the padded input of at most 2^31 − 256 elements, kernels of at most 32768 × 65536).

    Example (CaffeNet's conv2: 5×5, pad 2, two groups)::

        y, cache = conv2d.forward(x, w, b, pad=2, groups=2)   # x (N,96,27,27), w (256,48,5,5)
        dx, dw, db = conv2d.backward(dy, cache)
    """
    stride, pad, groups = _check_forward(x, w, b, stride, pad, groups)
    precision = precisions.check("conv2d", precision, x.dtype)
    if cuda.is_cuda_array(x):
        y = _forward_cuda(x, w, b, stride, pad, groups, precision, relu=relu and fused)
        cols = None
    else:
        y, cols = _forward_reference(x, w, b, stride, pad, groups, precision)
    if relu and not (fused and cuda.is_cuda_array(x)):
        y, _ = relus.forward(y)
    return y, Conv2dCache(x, w, stride, pad, groups, cols, precision)


def backward(dy, cache, need_dx=True, mask=None, fused=False):
    """Gradient of :func:`forward`: returns ``(dx, dw, db)`` shaped like ``x``, ``w`` and ``b``.

    With ``need_dx=False`` the input gradient is not computed and ``dx`` is None (the lowest
    trainable layer of a net, conv1 always: its input is the data). ``mask`` (shaped like x):
    dx = 0 wherever mask <= 0, the backward of the ReLU whose output is this layer's input
    (``relu.masked_gradient``). ``fused``: see the module docstring.
    """
    x, w, stride, pad, groups, cols, precision = cache
    N, _, H, W = x.shape
    K, _, R, S = w.shape
    expected = (N, K, output_size(H, R, stride, pad), output_size(W, S, stride, pad))
    _check.array("conv2d", "dy", dy, ndim=4)
    _check.same_device("conv2d", dy=dy, x=x)
    _check.same_dtype("conv2d", dy=dy, x=x)
    _check.shape("conv2d", "dy", dy, expected)
    if mask is not None:
        relus.check_mask("conv2d", mask, x)
    if cuda.is_cuda_array(dy) and fused:
        return _backward_fused_cuda(x, w, dy, stride, pad, groups, precision, need_dx, mask)
    if cuda.is_cuda_array(dy):
        dx, dw, db = _backward_cuda(x, w, dy, stride, pad, groups, precision, need_dx)
    else:
        dx, dw, db = _backward_reference(x, w, dy, stride, pad, groups, cols, precision, need_dx)
    if mask is not None and dx is not None:
        dx = relus.masked_gradient(dx, mask)
    return dx, dw, db


def _check_forward(x, w, b, stride, pad, groups):
    _check.array("conv2d", "x", x, ndim=4)
    _check.array("conv2d", "w", w, ndim=4)
    _check.array("conv2d", "b", b, ndim=1)
    _check.same_device("conv2d", x=x, w=w, b=b)
    _check.same_dtype("conv2d", x=x, w=w, b=b)
    stride = _check.kernel_int("conv2d", "stride", stride)
    pad = _check.kernel_int("conv2d", "pad", pad, minimum=0)
    groups = _check.kernel_int("conv2d", "groups", groups)
    N, C, H, W = x.shape
    K, Cg, R, S = w.shape
    shapes = f"x {tuple(x.shape)}, w {tuple(w.shape)}"
    if C % groups or K % groups:
        raise ValueError(f"conv2d: groups={groups} must divide both the input channels and the filters; {shapes}")
    if Cg != C // groups:
        raise ValueError(f"conv2d: w must have C/groups = {C // groups} input channels (groups={groups}); {shapes}")
    if R < 1 or S < 1 or K < 1 or min(N, C, H, W) < 1:
        raise ValueError(f"conv2d: empty input or kernel; {shapes}")
    if R > H + 2 * pad or S > W + 2 * pad:
        raise ValueError(f"conv2d: kernel {R}x{S} is larger than the padded input {H + 2 * pad}x{W + 2 * pad}; "
                         f"{shapes}")
    _check.shape("conv2d", "b", b, (K,))
    return stride, pad, groups


# ---------------------------------------------------------------------------------------------
# NumPy reference


# The reference keeps images last, (C, H, W, N): every copy below then runs along rows of Q·N (or
# N) contiguous values, not along rows of Q pixels; at small images that is several times faster.


def _windows(images_last, r, s, P, Q, stride):
    """The pixel at offset (r, s) of every receptive field: a view (C, P, Q, N) of the padded
    ``images_last`` (C, H+2·pad, W+2·pad, N)."""
    return images_last[:, r : r + (P - 1) * stride + 1 : stride, s : s + (Q - 1) * stride + 1 : stride]


def _im2col(x, R, S, stride, pad, groups):
    """The receptive fields as a matrix per group: (groups, Cg·R·S, P·Q·N), a copy; column
    (p·Q + q)·N + n is output pixel (p, q) of image n."""
    N, C, H, W = x.shape
    P, Q = output_size(H, R, stride, pad), output_size(W, S, stride, pad)
    images_last = np.zeros((C, H + 2 * pad, W + 2 * pad, N), dtype=x.dtype)
    images_last[:, pad : pad + H, pad : pad + W] = x.transpose(1, 2, 3, 0)
    # Every offset's windows (:func:`_windows` of each r, s) as one read-only view (C, R, S, P, Q, N), copied
    # by one call: a fifth less time than R·S copies at the micro preset's sizes.
    step_c, step_h, step_w, step_n = images_last.strides
    fields = np.lib.stride_tricks.as_strided(images_last, (C, R, S, P, Q, N),
                                             (step_c, step_h, step_w, step_h * stride, step_w * stride, step_n),
                                             writeable=False)
    return fields.copy().reshape(groups, (C // groups) * R * S, P * Q * N)  # C order, a copy even of 1×1 windows


def _forward_reference(x, w, b, stride, pad, groups, precision="ieee"):
    N = x.shape[0]
    K, _, R, S = w.shape
    P, Q = output_size(x.shape[2], R, stride, pad), output_size(x.shape[3], S, stride, pad)
    cols = _im2col(x, R, S, stride, pad, groups)  # g,CgRS,PQN
    w_mat = w.reshape(groups, K // groups, -1)  # g,Kg,CgRS
    y = precisions.matmul_reference(w_mat, cols, precision).reshape(K, P * Q * N)  # g·Kg = K rows
    y += b.reshape(K, 1)
    return np.ascontiguousarray(y.reshape(K, P, Q, N).transpose(3, 0, 1, 2)), cols


def _backward_reference(x, w, dy, stride, pad, groups, cols, precision="ieee", need_dx=True):
    N, C, H, W = x.shape
    K, Cg, R, S = w.shape
    _, _, P, Q = dy.shape
    dy_mat = np.ascontiguousarray(dy.transpose(1, 2, 3, 0)).reshape(groups, K // groups, P * Q * N)  # g,Kg,PQN
    # dy's operand (rounded or split) made once for both products; the transposed views rounded without a copy
    dy_operand = precisions.operand(dy_mat, precision)
    cols_t = precisions.operand(cols.transpose(0, 2, 1), precision)  # g,PQN,CgRS
    dw = precisions.product_reference(dy_operand, cols_t, precision).reshape(K, Cg, R, S)  # g,Kg,CgRS
    del cols_t
    db = dy.sum(axis=(0, 2, 3))
    if not need_dx:
        return None, np.ascontiguousarray(dw), db
    w_t = w.reshape(groups, K // groups, Cg * R * S).transpose(0, 2, 1)  # g,CgRS,Kg
    dcols = precisions.product_reference(precisions.operand(w_t, precision), dy_operand, precision)
    dcols = dcols.reshape(C, R, S, P, Q, N)
    del dy_operand
    images_last = np.zeros((C, H + 2 * pad, W + 2 * pad, N), dtype=x.dtype)
    for r in range(R):
        for s in range(S):
            _windows(images_last, r, s, P, Q, stride)[...] += dcols[:, r, s]
    dx = np.ascontiguousarray(images_last[:, pad : pad + H, pad : pad + W].transpose(3, 0, 1, 2))
    return dx, np.ascontiguousarray(dw), db


# ---------------------------------------------------------------------------------------------
# CUDA launchers: one implicit GEMM per direction (kernels/conv2d.cu)


def _shape_args(x, w, stride, pad, groups):
    N, C, H, W = x.shape
    K, _, R, S = w.shape
    P, Q = output_size(H, R, stride, pad), output_size(W, S, stride, pad)
    return tuple(np.int32(v) for v in (N, C, H, W, K, R, S, P, Q, stride, pad, groups))


def check_kernel_sizes(x_shape, w_shape, stride, pad, splits=1):
    """Refuse shapes beyond the CUDA kernels' 32-bit index arithmetic, from the shapes alone (a
    ValueError naming them): x, w, y, backward-filter's workspace of ``splits`` weight copies and
    the padded input N×C×(H + 2·pad)×(W + 2·pad) must have at most :data:`MAX_ELEMENTS` = 2^31 − 256
    elements, the kernel at most 32768 rows and 65536 columns. Every launch checks its shapes: a few
    products, the message written only for a refusal."""
    N, C, H, W = x_shape
    K, _, R, S = w_shape
    padded = (N, C, H + 2 * pad, W + 2 * pad)
    sizes = (math.prod(x_shape), math.prod(w_shape),
             N * K * output_size(H, R, stride, pad) * output_size(W, S, stride, pad), splits * math.prod(w_shape),
             math.prod(padded))
    if max(sizes) > MAX_ELEMENTS:
        names = ("x", "w", "y", f"backward-filter's workspace of {splits} weight copies",
                 f"the padded input {'x'.join(map(str, padded))}")
        name, size = next((name, size) for name, size in zip(names, sizes) if size > MAX_ELEMENTS)
        raise ValueError(f"conv2d: the CUDA kernels index with 32-bit integers; {name} of {size} elements is too "
                         f"large (at most 2**31 - {INDEX_SLACK}); {_shapes(x_shape, w_shape, stride, pad)}")
    if R > MAX_TAP[0] or S > MAX_TAP[1]:
        raise ValueError(f"conv2d: kernel {R}x{S} is too large for the CUDA kernels (at most {MAX_TAP[0]} rows and "
                         f"{MAX_TAP[1]} columns); {_shapes(x_shape, w_shape, stride, pad)}")


def _shapes(x_shape, w_shape, stride, pad):
    return f"x {tuple(x_shape)}, w {tuple(w_shape)}, stride {stride}, pad {pad}"


def _forward_cuda(x, w, b, stride, pad, groups, precision="ieee", variant=None, relu=False):
    cp = cuda.cupy()
    N, _, H, W = x.shape
    K, _, R, S = w.shape
    P, Q = output_size(H, R, stride, pad), output_size(W, S, stride, pad)
    check_kernel_sizes(x.shape, w.shape, stride, pad)
    variant, name = plan.checked_variant("forward", x, w, stride, variant, precision)
    grid = _checked_grid("forward", plan.grid("forward", variant, x.dtype, x.shape, w.shape, stride, pad),
                         x, w, stride, groups)
    y = cp.empty((N, K, P, Q), dtype=x.dtype)
    cuda.launch(KERNEL_FILE, cuda.entry(name, x.dtype), grid, THREADS,
                (x, w, b, y) + _shape_args(x, w, stride, pad, groups) + (np.int32(relu),))
    return y


def _backward_cuda(x, w, dy, stride, pad, groups, precision="ieee", need_dx=True):
    check_kernel_sizes(x.shape, w.shape, stride, pad)
    return (_backward_data_cuda(x, w, dy, stride, pad, groups, precision) if need_dx else None,
            _backward_filter_cuda(x, w, dy, stride, pad, groups, precision),
            _backward_bias_cuda(dy))


def _backward_data_cuda(x, w, dy, stride, pad, groups, precision="ieee", variant=None, mask=None):
    cp = cuda.cupy()
    variant, name = plan.checked_variant("backward-data", x, w, stride, variant, precision)
    grid = _checked_grid("backward-data", plan.grid("backward-data", variant, x.dtype, x.shape, w.shape, stride, pad),
                         x, w, stride, groups)
    dx = cp.empty_like(x)
    cuda.launch(KERNEL_FILE, cuda.entry(name, x.dtype), grid, THREADS,
                (dy, w, dx) + _shape_args(x, w, stride, pad, groups)
                + (dx if mask is None else mask, np.int32(mask is not None)))  # dx: never read without a mask
    return dx


def _backward_fused_cuda(x, w, dy, stride, pad, groups, precision, need_dx, mask):
    check_kernel_sizes(x.shape, w.shape, stride, pad)
    dx = _backward_data_cuda(x, w, dy, stride, pad, groups, precision, mask=mask) if need_dx else None
    return (dx,) + _backward_filter_fused_cuda(x, w, dy, stride, pad, groups, precision)


def _filter_launch(x, w, dy, stride, pad, groups, precision, variant):
    """Backward-filter's variant, kernel name, (splits, chunk) and grid (its GEMM blocks only)."""
    variant, name = plan.checked_variant("backward-filter", x, w, stride, variant, precision)
    splits, chunk = plan.filter_plan(variant, x.dtype, x.shape, w.shape, stride, pad, cuda.sm_count())
    check_kernel_sizes(x.shape, w.shape, stride, pad, splits)
    filter_grid = plan.grid("backward-filter", variant, x.dtype, x.shape, w.shape, stride, pad, splits)
    return name, splits, chunk, _checked_grid("backward-filter", filter_grid, x, w, stride, groups)


def _checked_grid(direction, grid, x, w, stride, groups):
    """``grid`` of ``direction``, refused (naming the shapes) where it exceeds CUDA's limits
    (:data:`minitransfer.cuda.MAX_GRID`: 2³¹−1 blocks along x, 65535 along y and z). Its z-planes:
    forward's groups, backward-data's groups · stride² (stride 256 alone is too many),
    backward-filter's groups · splits, and in the fused step its bias planes besides; its y: tiles of
    a group's output channels (backward-data: input channels; small_channels: its groups · stride²
    planes); its x: tiles of the N·P·Q output pixels (forward), of a stride phase's input pixels
    (backward-data), of the Cg·R·S filter taps (backward-filter)."""
    return cuda.check_grid("conv2d", grid, f"{direction} of x {tuple(x.shape)}, w {tuple(w.shape)}, stride {stride}, "
                                           f"groups {groups}")


def _backward_filter_fused_cuda(x, w, dy, stride, pad, groups, precision="ieee", variant=None):
    """``(dw, db)`` in one launch: the chunks summed by each tile's last block, db in extra z-planes."""
    cp = cuda.cupy()
    name, splits, chunk, (gx, gy, gz) = _filter_launch(x, w, dy, stride, pad, groups, precision, variant)
    grid = _checked_grid("backward-filter", (gx, gy, gz + cuda.ceil_div(w.shape[0], gx * gy)), x, w, stride, groups)
    dw = cp.empty_like(w)
    db = cp.empty((w.shape[0],), dtype=w.dtype)
    workspace = dw if splits == 1 else cp.empty((splits,) + w.shape, dtype=w.dtype)
    cuda.launch(KERNEL_FILE, cuda.entry(name, x.dtype), grid, THREADS,
                (dy, x, workspace) + _shape_args(x, w, stride, pad, groups)
                + (np.int32(splits), np.int32(chunk), dw, cuda.zeroed_counters(gx * gy * groups), np.int32(1), db,
                   np.int32(1)))
    return dw, db


def _backward_filter_cuda(x, w, dy, stride, pad, groups, precision="ieee", variant=None):
    cp = cuda.cupy()
    name, splits, chunk, filter_grid = _filter_launch(x, w, dy, stride, pad, groups, precision, variant)
    dw = cp.empty_like(w)
    workspace = dw if splits == 1 else cp.empty((splits,) + w.shape, dtype=w.dtype)
    cuda.launch(KERNEL_FILE, cuda.entry(name, x.dtype), filter_grid, THREADS,
                (dy, x, workspace) + _shape_args(x, w, stride, pad, groups) + (np.int32(splits), np.int32(chunk))
                + (dw, cp.empty(1, dtype=np.int32), np.int32(0), dw, np.int32(0)))  # no fixup, no bias blocks
    if splits > 1:
        blocks = min(cuda.blocks(w.size, THREADS), MAX_REDUCE_BLOCKS)
        cuda.launch(KERNEL_FILE, cuda.entry("conv2d_reduce_splits", x.dtype), blocks, THREADS,
                    (workspace, dw, np.int32(w.size), np.int32(splits)))
    return dw


def _backward_bias_cuda(dy):
    cp = cuda.cupy()
    N, K, P, Q = dy.shape
    db = cp.empty((K,), dtype=dy.dtype)
    cuda.launch(KERNEL_FILE, cuda.entry("conv2d_backward_bias", dy.dtype), K, THREADS,
                (dy, db, np.int32(N), np.int32(K), np.int32(P * Q)))
    return db
