"""The operations: one module per op, each with its NumPy reference and its CUDA launcher.

Each op module exposes ``forward(x, ...) -> (y, cache)`` and ``backward(dy, cache) -> grads``
(DESIGN.md §3); NumPy arrays run the reference, CuPy arrays run the kernels of
``kernels/<KERNEL_FILE>.cu``. Three modules stand outside the forward/backward pattern:
``gemm.gemm`` (the matrix product under ``linear``, CuPy arrays only), ``sgd.update`` (an
in-place update) and ``augment.forward`` (a non-differentiable input transform).

    from minitransfer.ops import conv2d
    y, cache = conv2d.forward(x, w, b, stride=4)
    dx, dw, db = conv2d.backward(dy, cache)

Modules are imported on first use, so ``import minitransfer.ops`` costs nothing.
"""

import importlib

OPS = ("conv2d", "relu", "max_pool2d", "lrn", "max_pool2d_lrn", "dropout", "linear", "gemm", "softmax_cross_entropy",
       "sgd", "augment")

__all__ = [*OPS, "accuracy"]


def __getattr__(name):
    if name in OPS:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "accuracy":
        return importlib.import_module(f"{__name__}.softmax_cross_entropy").accuracy
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
