"""2-D max pooling with Caffe's conventions (CaffeNet pool1/pool2/pool5: size 3, stride 2).

Output size (Caffe's PoolingLayer, also PyTorch's ``max_pool2d(ceil_mode=True)``)::

    P = ceil((H + 2·pad − size) / stride) + 1;   P −= 1 if (P − 1)·stride >= H + pad

and likewise Q from W. Caffe applies the correction only when pad > 0; without padding it can
fire only when stride > size leaves the last window wholly outside the image, which Caffe would
fill with −FLT_MAX, so it is applied always (as PyTorch does) and every window holds a real pixel.
The window of output (ph, qw) covers rows ``[ph·stride − pad, ph·stride − pad + size)`` clipped to
``[0, H)`` (columns alike): the last window is clipped at the edge and padding never wins: the
scan starts at the window's first real pixel, so a window whose pixels are all −inf (or whose first
real pixel is NaN) yields that pixel and sends it the gradient, as the kernel does. (Caffe starts
from −FLT_MAX with index −1 instead: such a window gives −FLT_MAX and its CPU backward writes before
the plane; −inf and NaN never reach CaffeNet's pools from finite inputs.)

    y[n,c,ph,qw] = max over the window of x[n,c]
    dx[n,c,h,w]  = Σ dy[n,c,ph,qw] over the outputs whose FIRST maximum (row-major scan,
                   strict >, as Caffe) is x[n,c,h,w]

The cache holds the argmax (int32 flat index ``h·W + w`` within each plane) and the input's
shape. :func:`output` is ``forward(...)[0]`` for passes no backward follows (evaluation, frozen stages
below the lowest trainable one): on NumPy it finds no argmax (several times faster), same bits.
CUDA kernels: ``kernels/max_pool2d.cu`` (forward records the argmax; backward gathers,
deterministically, without atomics). ``backward(..., mask=a)`` also applies the backward of the
ReLU before the pooling (a: its output, the pooling's input; ``relu.masked_gradient``), in the
kernel with ``fused=True`` on CUDA (UNVERIFIED ON A GPU), else after it. The kernels index with
32-bit integers: on CUDA, x and y must have fewer than 2^31 elements and H − 1 + size, W − 1 + size
stay below 2^31 (:func:`check_cuda_sizes`, forward and backward: a cache may come from elsewhere).
"""

import functools
from typing import NamedTuple

import numpy as np

from minitransfer import cuda
from minitransfer.ops import _check, relu as relus

KERNEL_FILE = "max_pool2d"
KERNELS = ("max_pool2d_forward", "max_pool2d_backward")

THREADS = 256
MAX_ELEMENTS = 2**31 - 1  # the kernels index with 32-bit integers


class PoolCache(NamedTuple):
    """What :func:`backward` needs: the argmax of each output and the forward's input description."""

    argmax: object  # N,C,P,Q int32, flat index h·W + w within the plane
    x_shape: tuple  # N,C,H,W
    dtype: np.dtype
    size: int
    stride: int
    pad: int


def output_size(length, size=3, stride=2, pad=0):
    """Pooled length of an input side of ``length`` pixels (Caffe's ceil rule, last window kept
    only if it starts inside the image). ``output_size(55) == 27``, ``output_size(13) == 6``."""
    pooled = cuda.ceil_div(length + 2 * pad - size, stride) + 1
    if (pooled - 1) * stride >= length + pad:
        pooled -= 1
    return pooled


def forward(x, size=3, stride=2, pad=0):
    """Max pooling of ``x`` (N,C,H,W) with square windows. Returns ``(y, cache)``, y (N,C,P,Q).

    Example::

        y, cache = max_pool2d.forward(x)          # CaffeNet: 96×55×55 → 96×27×27
        (dx,) = max_pool2d.backward(dy, cache)
    """
    size, stride, pad, P, Q = check_forward("max_pool2d", x, size, stride, pad)
    if cuda.is_cuda_array(x):
        y, argmax = _forward_cuda(x, size, stride, pad, P, Q)
    else:
        y, argmax = _forward_reference(x, size, stride, pad, P, Q)
    return y, PoolCache(argmax, tuple(x.shape), np.dtype(x.dtype), size, stride, pad)


def output(x, size=3, stride=2, pad=0):
    """``forward(x, size, stride, pad)[0]`` (the same bits) without a cache: for a pass that no
    backward follows. NumPy finds no argmax (the maximum, or the window's first real pixel where it
    is NaN; the full scan where x holds a −0.0, whose tie with +0.0 fmax would not break as the scan
    does); CuPy runs the forward kernel as :func:`forward` does."""
    size, stride, pad, P, Q = check_forward("max_pool2d", x, size, stride, pad)
    if cuda.is_cuda_array(x):
        return _forward_cuda(x, size, stride, pad, P, Q)[0]
    if ((x == 0) & np.signbit(x)).any():
        return _forward_reference(x, size, stride, pad, P, Q)[0]
    return _output_reference(x, size, stride, pad, P, Q)


def check_forward(op, x, size, stride, pad):
    """Check a pooling's input and hyper-parameters (errors name ``op``); returns (size, stride, pad, P, Q)."""
    _check.array(op, "x", x, ndim=4)
    size = _check.kernel_int(op, "size", size)
    stride = _check.kernel_int(op, "stride", stride)
    pad = _check.kernel_int(op, "pad", pad, minimum=0)
    N, C, H, W = x.shape
    if min(x.shape) < 1:
        raise ValueError(f"{op}: x must have no empty dimension, got shape {tuple(x.shape)}")
    if pad >= size:
        raise ValueError(f"{op}: pad must be smaller than size, got pad {pad} and size {size}")
    if size > H + 2 * pad or size > W + 2 * pad:
        raise ValueError(
            f"{op}: window {size}x{size} is larger than the padded input "
            f"{H + 2 * pad}x{W + 2 * pad} (x of shape {tuple(x.shape)}, pad {pad})"
        )
    return size, stride, pad, output_size(H, size, stride, pad), output_size(W, size, stride, pad)


def backward(dy, cache, mask=None, fused=False):
    """Gradient of :func:`forward`: returns ``(dx,)``, dx (N,C,H,W); each dy goes to the first
    maximum of its window. ``mask`` (shaped like x): dx = 0 wherever mask <= 0 (see above)."""
    _check.array("max_pool2d", "dy", dy, ndim=4)
    _check.same_device("max_pool2d", dy=dy, argmax=cache.argmax)
    if np.dtype(dy.dtype) != cache.dtype:
        raise ValueError(f"max_pool2d: dy must have the dtype of x, {cache.dtype}, got {dy.dtype}")
    _check.shape("max_pool2d", "dy", dy, cache.argmax.shape)
    if mask is not None:
        check_mask("max_pool2d", mask, dy, cache)
    if cuda.is_cuda_array(dy) and fused:
        return (_backward_cuda(dy, cache, mask),)
    dx = _backward_cuda(dy, cache) if cuda.is_cuda_array(dy) else _backward_reference(dy, cache)
    return (dx if mask is None else relus.masked_gradient(dx, mask),)


def check_mask(op, mask, dy, cache):
    """Check a ReLU mask for a pooling's input gradient (shaped like its input; errors name ``op``)."""
    _check.array(op, "mask", mask, ndim=4)
    _check.same_device(op, mask=mask, dy=dy)
    _check.same_dtype(op, mask=mask, dy=dy)
    _check.shape(op, "mask", mask, cache.x_shape)


def _padded(x, size, stride, pad, P, Q):
    """x padded with −inf, so that padded pixels never win, tall and wide enough for every window;
    images last, (H, W, N, C): a window offset's pixels (:func:`_at_offset`) run along rows of N·C
    contiguous values."""
    N, C, H, W = x.shape
    padded = np.full((max(pad + H, (P - 1) * stride + size), max(pad + W, (Q - 1) * stride + size), N, C),
                     -np.inf, dtype=x.dtype)
    padded[pad:pad + H, pad:pad + W] = x.transpose(2, 3, 0, 1)
    return padded


def _at_offset(padded, i, j, stride, P, Q):
    """The pixel at offset (i, j) of every window: a P,Q,N,C view of ``padded``."""
    return padded[i:i + (P - 1) * stride + 1:stride, j:j + (Q - 1) * stride + 1:stride]


def _first_real(padded, stride, pad, P, Q):
    """The first real pixel of every window, P,Q,N,C: of window (ph, qw), row max(ph·stride, pad) and
    column max(qw·stride, pad) of ``padded`` (a copy, two small index arrays: cheaper than gathering it
    from the windows' candidates along their offset axis); without padding, its pixel at offset (0, 0),
    a view (no gather)."""
    if not pad:
        return _at_offset(padded, 0, 0, stride, P, Q)
    rows = np.maximum(np.arange(P) * stride, pad)
    columns = np.maximum(np.arange(Q) * stride, pad)
    return padded[rows][:, columns]


def _output_reference(x, size, stride, pad, P, Q):
    # No −0.0 in x (the caller's check): the maximum of a window's non-NaN pixels has one bit pattern,
    # whatever the order fmax meets them in, and it is the scan's unless the first real pixel is NaN.
    padded = _padded(x, size, stride, pad, P, Q)
    best = _at_offset(padded, 0, 0, stride, P, Q).copy()  # P,Q,N,C
    for i in range(size):
        for j in range(size):
            if i or j:
                np.fmax(best, _at_offset(padded, i, j, stride, P, Q), out=best)
    first = _first_real(padded, stride, pad, P, Q)
    np.copyto(best, first, where=np.isnan(first))
    return np.ascontiguousarray(best.transpose(2, 3, 0, 1))


def _forward_reference(x, size, stride, pad, P, Q):
    N, C, H, W = x.shape
    padded = _padded(x, size, stride, pad, P, Q)
    # candidates[i·size + j]: the pixel at offset (i, j) of every window, in row-major scan order.
    candidates = np.empty((size * size, P, Q, N, C), dtype=x.dtype)
    for i in range(size):
        for j in range(size):
            candidates[i * size + j] = _at_offset(padded, i, j, stride, P, Q)
    # The scan with a strict > starts at the window's first real pixel (padding rows and columns
    # before it skipped, as the kernel's clipped loop does), keeps the first maximum and skips NaNs,
    # unless that first pixel is NaN (nothing is greater). fmax skips NaNs; the first offset equal
    # to it is the one scanned before it: count the offsets at which no equal pixel has been seen yet.
    # Only where every real pixel is −inf does a padding pixel before the first real one equal it:
    # the maximum with `first` gives that real pixel then, and changes nothing elsewhere.
    first, corner, taps = _indices(P, Q, W, size, stride, pad)
    best = np.fmax.reduce(candidates, axis=0)
    equal = candidates == best
    # Counted in the smallest unsigned type that holds size² − 1 (uint8 for any window up to 16×16): fewer bytes
    # to add, a third of the int32 loop's time at the micro preset's pool1.
    offset = np.zeros(best.shape, dtype=np.min_scalar_type(size * size - 1))  # i·size + j of the maximum
    seen = equal[0].copy()
    unseen = np.empty_like(seen)
    for k in range(1, size * size):
        np.logical_not(seen, out=unseen)
        offset += unseen.view(np.uint8)
        seen |= equal[k]
    first_is_nan = np.isnan(_first_real(padded, stride, pad, P, Q))  # candidates[first], read from padded
    if first_is_nan.any():
        offset = np.where(first_is_nan, first, np.maximum(offset, first))
    elif pad:
        offset = np.maximum(offset, first)
    # y = candidates[offset]. Elsewhere than at a zero maximum (+0.0 == −0.0) and where the window's first
    # real pixel is NaN, that candidate equals best, neither NaN nor zero: the same bits; only those windows
    # are read from the candidates (after a ReLU, the rare windows of zeros only).
    y = best
    differ = np.flatnonzero((best == 0) | first_is_nan)
    y.flat[differ] = candidates.reshape(size * size, -1)[offset.flat[differ], differ]
    # Flat index h·W + w in the plane: the window's corner plus the offset's (i, j).
    argmax = corner[:, :, None, None] + np.take(taps, offset)
    return np.ascontiguousarray(y.transpose(2, 3, 0, 1)), np.ascontiguousarray(argmax.transpose(2, 3, 0, 1))


@functools.lru_cache(maxsize=64)
def _indices(P, Q, W, size, stride, pad):
    """The forward's index arrays of a pooling's shape, made once per shape (read-only; eleven small NumPy
    calls, a few percent of a micro pool's forward): ``first`` (P,Q,1,1 intp), the offset i·size + j of each
    window's first real pixel; ``corner`` (P,Q int32), the flat index h·W + w of each window's corner (padding
    included); ``taps`` (size² int32), the flat offset i·W + j of each window offset."""
    first = (np.maximum(pad - np.arange(P) * stride, 0)[:, None] * size
             + np.maximum(pad - np.arange(Q) * stride, 0)).astype(np.intp)[:, :, None, None]
    corner = (np.arange(P, dtype=np.int32)[:, None] * stride - pad) * W + np.arange(Q, dtype=np.int32) * stride - pad
    step = np.arange(size, dtype=np.int32)
    taps = (step[:, None] * W + step).ravel()
    for array in (first, corner, taps):
        array.flags.writeable = False
    return first, corner, taps


def _backward_reference(dy, cache):
    N, C, H, W = cache.x_shape
    # Each dy is added to its window's maximum in output order (one flat index, NumPy's fast
    # unbuffered path). Forward's argmax is always a pixel of its window; one outside its plane (a
    # cache made elsewhere) receives nothing, as in the kernel's gather.
    plane = np.arange(N * C, dtype=np.intp).reshape(N, C, 1, 1) * (H * W)
    index, values = (plane + cache.argmax).ravel(), dy.ravel()  # intp + int32: intp
    inside = ((cache.argmax >= 0) & (cache.argmax < H * W)).ravel()
    if not inside.all():  # else (forward's cache) no gather of both, in the same order
        index, values = index[inside], values[inside]
    dx = np.zeros(N * C * H * W, dtype=dy.dtype)
    np.add.at(dx, index, values)
    return dx.reshape(N, C, H, W)


def check_cuda_sizes(op, x_shape, size, P, Q):
    """Refuse shapes beyond the CUDA kernels' 32-bit integers (errors name ``op``), from the shapes
    alone: x and y of at most :data:`MAX_ELEMENTS` elements, and H − 1 + size, W − 1 + size at most
    :data:`MAX_ELEMENTS`: the largest ints the kernels form are a window's end ph·stride − pad + size
    (ph·stride − pad < H, the last window starts inside the image) and backward's covering outputs
    (h + pad) / stride + 1 <= H − 1 + pad + 1 (pad < size)."""
    N, C, H, W = x_shape
    if max(N * C * H * W, N * C * P * Q) > MAX_ELEMENTS:
        raise ValueError(f"{op}: the CUDA kernels index with 32 bits; got x of shape {tuple(x_shape)} "
                         f"(pooled to {P}x{Q}): at most 2**31 - 1 elements each")
    if max(H, W) - 1 + size > MAX_ELEMENTS:
        raise ValueError(f"{op}: a window of {size}x{size} over x of shape {tuple(x_shape)} reaches past the CUDA "
                         f"kernels' 32-bit integers: H - 1 + size and W - 1 + size must stay below 2**31")


def _forward_cuda(x, size, stride, pad, P, Q):
    cp = cuda.cupy()
    N, C, H, W = x.shape
    check_cuda_sizes("max_pool2d", x.shape, size, P, Q)
    y = cp.empty((N, C, P, Q), dtype=x.dtype)
    argmax = cp.empty((N, C, P, Q), dtype=np.int32)
    cuda.launch(
        KERNEL_FILE, cuda.entry("max_pool2d_forward", x.dtype), cuda.blocks(y.size, THREADS), THREADS,
        (x, y, argmax, np.int32(N * C), np.int32(H), np.int32(W), np.int32(P), np.int32(Q),
         np.int32(size), np.int32(stride), np.int32(pad)),
    )
    return y, argmax


def _backward_cuda(dy, cache, mask=None):
    cp = cuda.cupy()
    N, C, H, W = cache.x_shape
    P, Q = dy.shape[2:]
    check_cuda_sizes("max_pool2d", cache.x_shape, cache.size, P, Q)
    dx = cp.empty(cache.x_shape, dtype=dy.dtype)
    cuda.launch(
        KERNEL_FILE, cuda.entry("max_pool2d_backward", dy.dtype), cuda.blocks(dx.size, THREADS), THREADS,
        (dy, cache.argmax, dx, np.int32(N * C), np.int32(H), np.int32(W), np.int32(P), np.int32(Q),
         np.int32(cache.size), np.int32(cache.stride), np.int32(cache.pad),
         dx if mask is None else mask, np.int32(mask is not None)),  # dx: never read without a mask
    )
    return dx
