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

:func:`update_all` steps many parameters at once: on CUDA one launch of ``sgd_update_all`` over a
device table of the parameters (UNVERIFIED ON A GPU; per element it is :func:`update`'s
arithmetic, so the same bits), with the learning rate optionally read from device memory and the
update optionally skipped on the device when the loss is not finite; on NumPy :func:`update` per
parameter.
"""

import math

import numpy as np

from minitransfer import cuda
from minitransfer.ops import _check

KERNEL_FILE = "sgd"
KERNELS = ("sgd_update", "sgd_update_all")
THREADS = 256
MAX_BLOCKS = 65536
CHUNK = THREADS * 8  # elements per block of sgd_update_all (SGD_CHUNK in kernels/sgd.cu)
# One row per parameter: kernels/sgd.cu's SgdRow (pointers, then 64-bit integers and doubles).
TABLE_DTYPE = np.dtype([("w", "<u8"), ("grad", "<u8"), ("velocity", "<u8"), ("size", "<i8"), ("first_block", "<i8"),
                        ("lr_mult", "<f8"), ("local_decay", "<f8")])
# The device tables, by content, kept for the process: a captured CUDA graph holds a table's
# address, not the table, so one dropped while its graph lives would hand its memory to another
# array. One table per set of parameter arrays updated (56 bytes a parameter).
_tables = {}


def update(w, grad, velocity, lr, momentum, weight_decay, lr_mult=1.0, decay_mult=1.0):
    """One momentum-SGD step on ``w`` and ``velocity`` in place (NumPy or CuPy); returns None.

    Weights use ``lr_mult=1, decay_mult=1`` and biases ``lr_mult=2, decay_mult=0`` in CaffeNet.

    >>> w, v = np.ones(3, np.float32), np.zeros(3, np.float32)
    >>> update(w, np.full(3, 0.5, np.float32), v, lr=0.1, momentum=0.9, weight_decay=0.0)
    """
    _check_arrays(w, grad, velocity)
    _check_hyper(w, lr=lr, momentum=momentum, weight_decay=weight_decay, lr_mult=lr_mult, decay_mult=decay_mult)
    _step(w, grad, velocity, lr, momentum, weight_decay, lr_mult, decay_mult)
    return None


def _step(w, grad, velocity, lr, momentum, weight_decay, lr_mult, decay_mult):
    """:func:`update`'s step, its arguments checked."""
    scalar = np.dtype(w.dtype).type
    local_lr = scalar(float(lr) * float(lr_mult))
    local_decay = scalar(float(weight_decay) * float(decay_mult))
    momentum = scalar(momentum)
    if cuda.is_cuda_array(w):
        cuda.launch(KERNEL_FILE, cuda.entry("sgd_update", w.dtype), min(cuda.blocks(w.size, THREADS), MAX_BLOCKS),
                    THREADS, (w, grad, velocity, np.int64(w.size), local_lr, momentum, local_decay))
        return None
    # g = grad + local_decay·w; V = momentum·V + local_lr·g; W −= V: the same products and sums, in the
    # same order and operand order, in one temporary (no new array per product)
    g = np.multiply(local_decay, w)
    np.add(grad, g, out=g)
    velocity *= momentum
    np.multiply(local_lr, g, out=g)
    velocity += g
    w -= velocity
    return None


def update_all(entries, lr, momentum, weight_decay, lr_on_device=None, loss=None):
    """:func:`update` for every ``(w, grad, velocity, lr_mult, decay_mult)`` of ``entries``, in place.

    On CuPy arrays one launch does them all (arrays of one dtype). ``lr_on_device``: a CuPy float64
    array whose [0] the kernel reads as the learning rate instead of ``lr`` (a CUDA graph replays
    the same arguments every iteration). ``loss``: a CuPy scalar array; nothing is updated unless
    it is finite, decided on the device. On NumPy arrays these two are ignored.

    >>> w, v = np.ones(3, np.float32), np.zeros(3, np.float32)
    >>> update_all([(w, np.full(3, 0.5, np.float32), v, 1.0, 1.0)], lr=0.1, momentum=0.9, weight_decay=0.0)
    """
    if not entries:
        return None
    first = entries[0][0]
    _check_hyper(first, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if not cuda.is_cuda_array(first):
        # Every entry checked before any is updated: a refusal leaves all of them as they were.
        for w, grad, velocity, lr_mult, decay_mult in entries:
            _check_arrays(w, grad, velocity)
            _check_hyper(w, lr_mult=lr_mult, decay_mult=decay_mult)
        for w, grad, velocity, lr_mult, decay_mult in entries:
            _step(w, grad, velocity, lr, momentum, weight_decay, lr_mult, decay_mult)
        return None
    for w, grad, velocity, _, _ in entries:
        _check_arrays(w, grad, velocity, first=first)
    dtype = first.dtype
    # Device scalars the kernel reads as double (lr) and as the parameters' T (loss): another dtype
    # would be read as the wrong bits, not converted.
    for name, scalar, scalar_dtype in (("lr_on_device", lr_on_device, np.float64), ("loss", loss, dtype)):
        if scalar is not None:
            _check.array("sgd", name, scalar, dtypes=(np.dtype(scalar_dtype),))
            _check.same_device("sgd", **{name: scalar, "w": first})
            _check.nonempty("sgd", **{name: scalar})
    table, blocks = _device_table(entries, weight_decay, dtype)
    cuda.launch(KERNEL_FILE, cuda.entry("sgd_update_all", dtype), blocks, THREADS,
                (table, np.int32(len(entries)), dtype.type(momentum),
                 table.view(np.float64) if lr_on_device is None else lr_on_device, np.float64(lr),
                 np.int32(lr_on_device is not None), first if loss is None else loss, np.int32(loss is not None)))
    return None


def _check_arrays(w, grad, velocity, **others):
    """``w``, ``grad`` and ``velocity`` of one parameter: arrays of one shape, device and dtype, also
    those of ``others`` (update_all's ``first``: one launch takes them all). NumPy arrays that pass take a
    short path (one test of what the checks below ask: a CPU step updates 16 parameters of micro)."""
    if not others and type(w) is type(grad) is type(velocity) is np.ndarray and w.dtype in _check.FLOAT_DTYPES \
            and w.dtype == grad.dtype == velocity.dtype and w.shape == grad.shape == velocity.shape \
            and w.flags.c_contiguous and grad.flags.c_contiguous and velocity.flags.c_contiguous:
        return
    for name, a in (("w", w), ("grad", grad), ("velocity", velocity)):
        _check.array("sgd", name, a)
    _check.same_device("sgd", w=w, grad=grad, velocity=velocity, **others)
    _check.same_dtype("sgd", w=w, grad=grad, velocity=velocity, **others)
    _check.shape("sgd", "grad", grad, w.shape)
    _check.shape("sgd", "velocity", velocity, w.shape)


def _check_hyper(w, **hyper):
    for name, value in hyper.items():
        if isinstance(value, bool) or not math.isfinite(float(value)):
            raise ValueError(f"sgd: {name} must be a finite number, got {value!r} (w shape {tuple(w.shape)})")


def _device_table(entries, weight_decay, dtype):
    """The device table of ``entries`` (built once per set of arrays and multipliers, which are
    checked then: the eager step calls this every iteration) and its blocks."""
    rows = np.zeros(len(entries), dtype=TABLE_DTYPE)
    first_block = 0
    for row, (w, grad, velocity, lr_mult, decay_mult) in zip(rows, entries):
        row["w"], row["grad"], row["velocity"] = w.data.ptr, grad.data.ptr, velocity.data.ptr
        row["size"], row["first_block"] = w.size, first_block
        row["lr_mult"] = float(lr_mult)
        row["local_decay"] = float(dtype.type(float(weight_decay) * float(decay_mult)))
        first_block += cuda.blocks(w.size, CHUNK)
    key = (rows.tobytes(), np.dtype(dtype).str)
    if key not in _tables:
        for w, _, _, lr_mult, decay_mult in entries:
            _check_hyper(w, lr_mult=lr_mult, decay_mult=decay_mult)
        table = cuda.persistent_empty((rows.nbytes,), np.uint8)
        table.set(rows.view(np.uint8))
        _tables[key] = table
    return _tables[key], first_block
