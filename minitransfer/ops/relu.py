"""Rectified linear unit (Krizhevsky et al. 2012; Caffe's ReLU layer with negative_slope 0).

    y  = max(x, 0)
    dx = dy · [x > 0]

Works on any rank. The cache is the input ``x``; the gradient at exactly 0 is taken as 0, as
in Caffe. CUDA kernels: ``kernels/relu.cu``.
"""

import numpy as np

from minitransfer import cuda
from minitransfer.ops import _check

KERNEL_FILE = "relu"
KERNELS = ("relu_forward", "relu_backward")

THREADS = 256
MAX_BLOCKS = 1 << 20  # the kernels loop with a grid stride beyond this


def forward(x):
    """ReLU: ``y = max(x, 0)``. Returns ``(y, cache)``; the cache is ``x``.

    Example::

        y, cache = relu.forward(np.array([-1.0, 2.0]))   # y == [0., 2.]
    """
    _check.array("relu", "x", x)
    if cuda.is_cuda_array(x):
        return _forward_cuda(x), x
    return _forward_reference(x), x


def backward(dy, cache):
    """Gradient of :func:`forward`: returns ``(dx,)`` with ``dx = dy`` where ``x > 0``, else 0."""
    x = cache
    _check.array("relu", "dy", dy)
    _check.same_device("relu", dy=dy, x=x)
    _check.same_dtype("relu", dy=dy, x=x)
    _check.shape("relu", "dy", dy, x.shape)
    if cuda.is_cuda_array(dy):
        return (_backward_cuda(x, dy),)
    return (_backward_reference(x, dy),)


def _forward_reference(x):
    return np.where(x > 0, x, x.dtype.type(0))


def _backward_reference(x, dy):
    return np.where(x > 0, dy, dy.dtype.type(0))


def _grid(n):
    return min(cuda.blocks(n, THREADS), MAX_BLOCKS)


def _forward_cuda(x):
    cp = cuda.cupy()
    y = cp.empty_like(x)
    cuda.launch(KERNEL_FILE, cuda.entry("relu_forward", x.dtype), _grid(x.size), THREADS,
                (x, y, np.int64(x.size)))
    return y


def _backward_cuda(x, dy):
    cp = cuda.cupy()
    dx = cp.empty_like(dy)
    cuda.launch(KERNEL_FILE, cuda.entry("relu_backward", x.dtype), _grid(x.size), THREADS,
                (x, dy, dx, np.int64(x.size)))
    return dx
