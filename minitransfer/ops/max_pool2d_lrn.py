"""Max pooling followed by local response normalisation (CaffeNet's pool1 → norm1 and pool2 → norm2),
as one op: ``lrn(max_pool2d(x))``, forward and backward.

The NumPy reference *is* the two ops' references in sequence (``max_pool2d`` then ``lrn``; backward
``lrn`` then ``max_pool2d``), so the fused op computes nothing new. On CUDA with ``fused=True``
(the training step's lean path; UNVERIFIED ON A GPU) each direction is one kernel of
``kernels/max_pool2d_lrn.cu``, with the unfused kernels' arithmetic (shared headers, same order):
their bits. Otherwise the two ops' kernels run one after the other. ``backward(..., mask=a)``
also applies the backward of the ReLU before the pooling (a: its output, the pooling's input).

The cache is a :class:`PoolLrnCache`: the two ops' caches (the pooled map is the LRN's input).
"""

from typing import NamedTuple

import numpy as np

from minitransfer import cuda
from minitransfer.ops import lrn, max_pool2d

KERNEL_FILE = "max_pool2d_lrn"
KERNELS = ("max_pool2d_lrn_forward", "max_pool2d_lrn_backward")
THREADS = 256


class PoolLrnCache(NamedTuple):
    pool: max_pool2d.PoolCache
    lrn: lrn.LrnCache


def forward(x, size=3, stride=2, pad=0, lrn_size=5, alpha=1e-4, beta=0.75, k=1.0, fused=False):
    """``y = lrn(max_pool2d(x, size, stride, pad), lrn_size, alpha, beta, k)``; returns ``(y, cache)``.

    Example (CaffeNet's pool1 → norm1)::

        y, cache = max_pool2d_lrn.forward(x)          # x (N, 96, 55, 55) → y (N, 96, 27, 27)
        (dx,) = max_pool2d_lrn.backward(dy, cache)
    """
    size, stride, pad, P, Q = max_pool2d.check_forward("max_pool2d_lrn", x, size, stride, pad)
    lrn_size, alpha, beta, k = lrn.check_hyper("max_pool2d_lrn", lrn_size, alpha, beta, k)
    if not (cuda.is_cuda_array(x) and fused):
        pooled, pool_cache = max_pool2d.forward(x, size, stride, pad)
        y, lrn_cache = lrn.forward(pooled, lrn_size, alpha, beta, k)
        return y, PoolLrnCache(pool_cache, lrn_cache)
    N, C, H, W = x.shape
    max_pool2d.check_cuda_sizes("max_pool2d_lrn", x.shape, size, P, Q)
    cp = cuda.cupy()
    pooled, scale, y = (cp.empty((N, C, P, Q), dtype=x.dtype) for _ in range(3))
    argmax = cp.empty((N, C, P, Q), dtype=np.int32)
    dtype = x.dtype.type
    cuda.launch(KERNEL_FILE, cuda.entry("max_pool2d_lrn_forward", x.dtype), cuda.blocks(y.size, THREADS), THREADS,
                (x, pooled, argmax, scale, y) + _ints(N, C, H, W, P, Q, size, stride, pad, lrn_size)
                + (dtype(alpha), dtype(beta), dtype(k)))
    return y, PoolLrnCache(max_pool2d.PoolCache(argmax, tuple(x.shape), np.dtype(x.dtype), size, stride, pad),
                           lrn.LrnCache(pooled, scale, y, lrn_size, alpha, beta, k))


def backward(dy, cache, mask=None, fused=False):
    """Gradient of :func:`forward`: ``(dx,)``, dx shaped like x; ``mask``: as ``max_pool2d.backward``."""
    if not (cuda.is_cuda_array(dy) and fused):
        (dpooled,) = lrn.backward(dy, cache.lrn)
        return max_pool2d.backward(dpooled, cache.pool, mask=mask)
    pool, norm = cache
    lrn.backward_checks(dy, norm, op="max_pool2d_lrn")
    if mask is not None:
        max_pool2d.check_mask("max_pool2d_lrn", mask, dy, pool)
    cp = cuda.cupy()
    N, C, H, W = pool.x_shape
    P, Q = dy.shape[2:]
    max_pool2d.check_cuda_sizes("max_pool2d_lrn", pool.x_shape, pool.size, P, Q)  # a cache may come from elsewhere
    dx = cp.empty(pool.x_shape, dtype=dy.dtype)
    dtype = dy.dtype.type
    cuda.launch(KERNEL_FILE, cuda.entry("max_pool2d_lrn_backward", dy.dtype), cuda.blocks(dx.size, THREADS), THREADS,
                (norm.x, pool.argmax, norm.scale, norm.y, dy, dx)
                + _ints(N, C, H, W, P, Q, pool.size, pool.stride, pool.pad, norm.size)
                + (dtype(norm.alpha), dtype(norm.beta), dx if mask is None else mask, np.int32(mask is not None)))
    return (dx,)


def _ints(*values):
    return tuple(np.int32(v) for v in values)
