"""Caffe's momentum SGD step (Caffe SGDSolver; DESIGN.md §1), applied in place.

For one parameter ``w`` with gradient ``grad`` and momentum buffer ``velocity``::

    g        = grad + weight_decay·decay_mult · w
    velocity = momentum · velocity + lr·lr_mult · g
    w        = w − velocity

``lr·lr_mult`` and ``weight_decay·decay_mult`` are multiplied in Python (float64) and then rounded
to the parameter's dtype. The NumPy reference does each product and sum as a separate operation in
this order, and the kernel rounds each one the same way (no fused multiply-add), so on float32 the
GPU and NumPy updates agree bit for bit.

This is the only op that mutates its arguments: the optimizer owns the parameters. Frozen
parameters (learning rate 0 and weight decay 0, DESIGN.md §1) are never passed here: the optimizer
skips them, so their momentum buffers stay untouched.
"""

import math

import numpy as np

from minitransfer import cuda
from minitransfer.ops import _check

KERNEL_FILE = "sgd"
KERNELS = ("sgd_update",)
THREADS = 256
MAX_BLOCKS = 65536


def update(w, grad, velocity, lr, momentum, weight_decay, lr_mult=1.0, decay_mult=1.0):
    """One momentum-SGD step on ``w`` and ``velocity`` in place (NumPy or CuPy); returns None.

    Weights use ``lr_mult=1, decay_mult=1`` and biases ``lr_mult=2, decay_mult=0`` in CaffeNet.

    >>> w, v = np.ones(3, np.float32), np.zeros(3, np.float32)
    >>> update(w, np.full(3, 0.5, np.float32), v, lr=0.1, momentum=0.9, weight_decay=0.0)
    """
    for name, a in (("w", w), ("grad", grad), ("velocity", velocity)):
        _check.array("sgd", name, a)
    _check.same_device("sgd", w=w, grad=grad, velocity=velocity)
    _check.same_dtype("sgd", w=w, grad=grad, velocity=velocity)
    _check.shape("sgd", "grad", grad, w.shape)
    _check.shape("sgd", "velocity", velocity, w.shape)
    hyper = {"lr": lr, "momentum": momentum, "weight_decay": weight_decay, "lr_mult": lr_mult,
             "decay_mult": decay_mult}
    for name, value in hyper.items():
        if isinstance(value, bool) or not math.isfinite(float(value)):
            raise ValueError(f"sgd: {name} must be a finite number, got {value!r} (w shape {tuple(w.shape)})")
    scalar = np.dtype(w.dtype).type
    local_lr = scalar(float(lr) * float(lr_mult))
    local_decay = scalar(float(weight_decay) * float(decay_mult))
    momentum = scalar(momentum)
    if cuda.is_cuda_array(w):
        cuda.launch(KERNEL_FILE, cuda.entry("sgd_update", w.dtype), min(cuda.blocks(w.size, THREADS), MAX_BLOCKS),
                    THREADS, (w, grad, velocity, np.int64(w.size), local_lr, momentum, local_decay))
        return None
    g = grad + local_decay * w
    velocity *= momentum
    velocity += local_lr * g
    w -= velocity
    return None
