"""Fully connected (inner product) layer, Caffe's InnerProduct with ``bias_term: true``.

    y  = x·Wᵀ + b          x (N, in), W (out, in), b (out,), y (N, out)
    dx = dy·W              (N, in)
    dW = dyᵀ·x             (out, in)
    db = Σ_n dy[n, :]      (out,)

W has Caffe's shape ``(out, in)`` (DESIGN.md §1). The cache is a :class:`LinearCache`. On CuPy
arrays the three products run on the hand-written tiled GEMM (``minitransfer.ops.gemm``, the bias
add fused into the forward product's epilogue) and the bias gradient on the fixed-order
column-sum kernel of ``kernels/linear.cu``, so every result is bit-reproducible. ``precision``
(``minitransfer.ops.precision``: ``ieee``, ``tf32x3``, ``tf32``) says how the three products are
computed (the tensor-core modes: float32 only, UNVERIFIED ON A GPU); the bias gradient is always a
plain sum.

Fusions (the training step's lean path; UNVERIFIED ON A GPU, bit-identical to the unfused kernels by
construction and on the CPU emulation): ``forward(..., relu=True, dropout=draw)`` applies the ReLU
and then the inverted dropout after the layer (``dropout.Draw``: its mask is the dropout op's),
``backward(..., mask=a, mask_scale=s)`` the backward of a ReLU (and a dropout of scale s) whose
output a is this layer's input (``relu.masked_gradient``). With ``fused=True`` on CUDA they run in
the split reduction's epilogue (``gemm.Epilogue``) and the bias gradient in extra blocks of the
weight gradient's launch; otherwise ``relu``'s and ``dropout``'s kernels or references run
around the products and the bias gradient has its own kernel.
"""

from typing import NamedTuple

import numpy as np

from minitransfer import cuda
from minitransfer.ops import _check, dropout as dropouts, relu as relus
from minitransfer.ops import precision as precisions
from minitransfer.ops.gemm import Epilogue, gemm

KERNEL_FILE = "linear"
KERNELS = ("linear_backward_bias",)

THREADS = 256
BIAS_BLOCK = (32, THREADS // 32)  # linear_backward_bias: 32 columns per block, 8 threads down each


class LinearCache(NamedTuple):
    """What :func:`backward` needs: the forward's input and weight."""

    x: object  # N,in
    w: object  # out,in
    precision: str


def forward(x, w, b, precision="ieee", relu=False, dropout=None, fused=False):
    """Fully connected layer: ``y = x·Wᵀ + b``. Returns ``(y, cache)``, a :class:`LinearCache`.

    x (N, in), w (out, in), b (out,), all float32 or all float64, C-contiguous; ``precision``
    (``ieee``, ``tf32x3``, ``tf32``) also governs :func:`backward`'s products. ``relu``: then
    y = max(y, 0); ``dropout`` (a ``dropout.Draw``, with relu only): then the training dropout.
    ``fused``: see the module docstring.

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
    _check.nonempty("linear", x=x, w=w)
    precision = precisions.check("linear", precision, x.dtype)
    if dropout is not None and not relu:
        raise ValueError("linear: a fused dropout follows a ReLU (relu=True); run dropout.forward after this layer")
    cache = LinearCache(x, w, precision)
    if cuda.is_cuda_array(x) and fused:
        epilogue = None if not relu else Epilogue.relu() if dropout is None else dropouts.epilogue(dropout, x.dtype)
        return gemm(x, w, trans_b=True, bias=b, precision=precision, epilogue=epilogue), cache
    y = gemm(x, w, trans_b=True, bias=b, precision=precision) if cuda.is_cuda_array(x) else \
        _forward_reference(x, w, b, precision)
    if relu:
        y, _ = relus.forward(y)
    if dropout is not None:
        y, _ = dropouts.forward(y, ratio=dropout.ratio, seed=dropout.seed, counter=dropout.counter)
    return y, cache


def backward(dy, cache, need_dx=True, mask=None, mask_scale=None, fused=False):
    """Gradients of :func:`forward`: ``(dx, dw, db)`` = ``(dy·W, dyᵀ·x, Σ_n dy)``.

    With ``need_dx=False`` the input gradient is not computed and ``dx`` is None (the lowest
    trainable layer of a net needs only its parameter gradients). ``mask`` (shaped like x) and
    ``mask_scale``: dx through the ReLU (and dropout) whose output is this layer's input
    (``relu.masked_gradient``). ``fused``: see the module docstring.
    """
    x, w, precision = cache
    _check.array("linear", "dy", dy, ndim=2)
    _check.same_device("linear", dy=dy, x=x)
    _check.same_dtype("linear", dy=dy, x=x)
    _check.shape("linear", "dy", dy, (x.shape[0], w.shape[0]))
    if mask is not None:
        relus.check_mask("linear", mask, x)
    if cuda.is_cuda_array(dy) and fused:
        epilogue = None if mask is None else Epilogue.masked(mask, mask_scale)
        dx = gemm(dy, w, precision=precision, epilogue=epilogue) if need_dx else None
        return (dx,) + gemm(dy, x, trans_a=True, precision=precision, row_sums=True)
    if cuda.is_cuda_array(dy):
        dx = gemm(dy, w, precision=precision) if need_dx else None
        dx, dw, db = dx, gemm(dy, x, trans_a=True, precision=precision), _bias_gradient_cuda(dy)
    else:
        dx, dw, db = _backward_reference(x, w, dy, precision, need_dx)
    if mask is not None and dx is not None:
        dx = relus.masked_gradient(dx, mask, mask_scale)
    return dx, dw, db


def _forward_reference(x, w, b, precision="ieee"):
    return precisions.matmul_reference(x, w.T, precision) + b  # N,out


def _backward_reference(x, w, dy, precision="ieee", need_dx=True):
    dx = precisions.matmul_reference(dy, w, precision) if need_dx else None  # N,in
    dw = precisions.matmul_reference(dy.T, x, precision)  # out,in
    db = dy.sum(axis=0)  # out
    return dx, dw, db


def _bias_gradient_cuda(dy):
    cp = cuda.cupy()
    rows, cols = dy.shape
    db = cp.empty((cols,), dtype=dy.dtype)
    cuda.launch(KERNEL_FILE, cuda.entry("linear_backward_bias", dy.dtype), cuda.blocks(cols, BIAS_BLOCK[0]),
                BIAS_BLOCK, (dy, db, np.int32(rows), np.int32(cols)))
    return db
