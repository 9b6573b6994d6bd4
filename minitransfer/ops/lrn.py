"""Local response normalisation across channels (Krizhevsky et al. 2012 §3.3; Caffe's LRNLayer
with norm_region ACROSS_CHANNELS, as CaffeNet's norm1/norm2 use: size 5, α 1e-4, β 0.75, k 1).

    window(c) = [c − ⌊(size−1)/2⌋, c + ⌊size/2⌋]          (channels beyond the edge count as 0)
    scale_c   = k + (α/size)·Σ_{c' ∈ window(c)} x_{c'}²    (α IS divided by size, as in Caffe)
    y_c       = x_c·scale_c^−β
    dx_c      = dy_c·scale_c^−β − (2αβ/size)·x_c·Σ_{c' : c ∈ window(c')} dy_{c'}·y_{c'}/scale_{c'}

For even sizes the window reaches one channel further up than down (Caffe's pre_pad). The cache
keeps x, scale and y (on NumPy also scale^−β, which backward then need not raise to a power
again). CUDA kernels: ``kernels/lrn.cu`` (one thread per element, each summing its own window:
deterministic).
"""

import math
import numbers
from typing import NamedTuple

import numpy as np

from minitransfer import cuda
from minitransfer.ops import _check

KERNEL_FILE = "lrn"
KERNELS = ("lrn_forward", "lrn_backward")

THREADS = 256
MAX_ELEMENTS = 2**31 - 1  # the kernels index with 32-bit integers


class LrnCache(NamedTuple):
    """What :func:`backward` needs: the forward's input, its scale and its output, and the hyper-parameters."""

    x: object      # N,C,H,W
    scale: object  # N,C,H,W
    y: object      # N,C,H,W
    size: int
    alpha: float
    beta: float
    k: float
    power: object = None  # N,C,H,W: scale^−β as the NumPy forward computed it (its backward's first term), or None


def forward(x, size=5, alpha=1e-4, beta=0.75, k=1.0):
    """Normalise ``x`` (N,C,H,W) by the energy of ``size`` neighbouring channels. Returns ``(y, cache)``.

    Example::

        y, cache = lrn.forward(x)                 # CaffeNet's norm1 / norm2
        (dx,) = lrn.backward(dy, cache)
    """
    _check.array("lrn", "x", x, ndim=4)
    if min(x.shape) < 1:
        raise ValueError(f"lrn: x must have no empty dimension, got shape {tuple(x.shape)}")
    size, alpha, beta, k = check_hyper("lrn", size, alpha, beta, k)
    if cuda.is_cuda_array(x):
        scale, y = _forward_cuda(x, size, alpha, beta, k)
        power = None
    else:
        scale, y, power = _forward_reference(x, size, alpha, beta, k)
    return y, LrnCache(x, scale, y, size, alpha, beta, k, power)


def backward(dy, cache):
    """Gradient of :func:`forward`: returns ``(dx,)``, dx (N,C,H,W)."""
    backward_checks(dy, cache)
    if cuda.is_cuda_array(dy):
        return (_backward_cuda(dy, cache),)
    return (_backward_reference(dy, cache),)


def backward_checks(dy, cache, op="lrn"):
    """Check ``dy`` against the forward's cache (errors name ``op``)."""
    _check.array(op, "dy", dy, ndim=4)
    _check.same_device(op, dy=dy, x=cache.x)
    _check.same_dtype(op, dy=dy, x=cache.x)
    _check.shape(op, "dy", dy, cache.x.shape)


def check_hyper(op, size, alpha, beta, k):
    """Check the LRN's hyper-parameters (errors name ``op``); returns them as (int, float, float, float)."""
    size = _check.kernel_int(op, "size", size)
    alpha, beta, k = (_real(op, name, value) for name, value in (("alpha", alpha), ("beta", beta), ("k", k)))
    if alpha < 0:
        raise ValueError(f"{op}: alpha must be >= 0, got {alpha!r}")
    if k <= 0:
        raise ValueError(f"{op}: k must be > 0 (scale must stay positive), got {k!r}")
    return size, alpha, beta, k


def _real(op, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{op}: {name} must be a finite real number, got {value!r}")
    return float(value)


def _forward_reference(x, size, alpha, beta, k):
    N, C, H, W = x.shape
    before = (size - 1) // 2
    # x² with `before` zero channels in front and size//2 behind: channel c's window starts at c.
    squared = np.zeros((N, C + size - 1, H, W), dtype=x.dtype)
    squared[:, before:before + C] = x * x
    window_sum = np.zeros_like(x)
    for offset in range(size):
        window_sum += squared[:, offset:offset + C]                      # N,C,H,W
    scale = x.dtype.type(k) + x.dtype.type(alpha / size) * window_sum    # N,C,H,W
    power = scale ** x.dtype.type(-beta)                                 # N,C,H,W
    return scale, x * power, power


def _backward_reference(dy, cache):
    x, scale, y, size = cache.x, cache.scale, cache.y, cache.size
    N, C, H, W = x.shape
    dtype = x.dtype.type
    # The channels whose window holds c are [c − size//2, c + (size−1)//2]: pad size//2 in front.
    before = size // 2
    ratio = np.zeros((N, C + size - 1, H, W), dtype=x.dtype)
    ratio[:, before:before + C] = dy * y / scale
    ratio_sum = np.zeros_like(x)
    for offset in range(size):
        ratio_sum += ratio[:, offset:offset + C]                         # N,C,H,W
    # scale^−β: the forward's (the same power of the same values), kept so as not to raise to a power twice.
    power = scale ** dtype(-cache.beta) if cache.power is None else cache.power
    return dy * power - dtype(2 * cache.alpha * cache.beta / size) * x * ratio_sum


def _check_32bit(x):
    if x.size > MAX_ELEMENTS:
        raise ValueError(f"lrn: the CUDA kernels index with 32 bits; got x of shape {tuple(x.shape)}")


def _forward_cuda(x, size, alpha, beta, k):
    cp = cuda.cupy()
    _check_32bit(x)
    N, C, H, W = x.shape
    dtype = x.dtype.type
    scale = cp.empty_like(x)
    y = cp.empty_like(x)
    cuda.launch(
        KERNEL_FILE, cuda.entry("lrn_forward", x.dtype), cuda.blocks(x.size, THREADS), THREADS,
        (x, scale, y, np.int32(N), np.int32(C), np.int32(H * W), np.int32(size),
         dtype(alpha), dtype(beta), dtype(k)),
    )
    return scale, y


def _backward_cuda(dy, cache):
    cp = cuda.cupy()
    N, C, H, W = dy.shape
    dtype = dy.dtype.type
    dx = cp.empty_like(dy)
    cuda.launch(
        KERNEL_FILE, cuda.entry("lrn_backward", dy.dtype), cuda.blocks(dy.size, THREADS), THREADS,
        (cache.x, cache.scale, cache.y, dy, dx, np.int32(N), np.int32(C), np.int32(H * W),
         np.int32(cache.size), dtype(cache.alpha), dtype(cache.beta)),
    )
    return dx
