"""Input validation shared by the ops: every failure is a ValueError naming the op and the shapes.

Kernels trust their inputs (DESIGN.md §3), so everything a kernel assumes is checked here. The
checks run on every op call (tens of thousands per CPU training run): each takes a short path for
what passes (NumPy arrays, one dtype) and builds its message only on a failure.
"""

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
INT32_MAX = 2**31 - 1


def array(op, name, a, ndim=None, dtypes=FLOAT_DTYPES):
    """Check that ``a`` is a C-contiguous NumPy or CuPy array of rank ``ndim`` and an allowed dtype."""
    if type(a) is not np.ndarray and (not hasattr(a, "shape") or not hasattr(a, "dtype") or not hasattr(a, "flags")):
        raise ValueError(f"{op}: {name} must be a NumPy or CuPy array, got {type(a).__name__}")
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{op}: {name} must be {ndim}-D, got shape {tuple(a.shape)}")
    if dtypes is not None and np.dtype(a.dtype) not in dtypes:
        allowed = ", ".join(str(d) for d in dtypes)
        raise ValueError(f"{op}: {name} must have dtype {allowed}, got {a.dtype} (shape {tuple(a.shape)})")
    if not a.flags.c_contiguous:
        raise ValueError(f"{op}: {name} must be C-contiguous, got strides {a.strides} for shape {tuple(a.shape)}")
    return a


def same_dtype(op, **arrays):
    """Check that all named arrays share one dtype."""
    if len({a.dtype for a in arrays.values()}) <= 1:
        return
    dtypes = {name: np.dtype(a.dtype) for name, a in arrays.items()}
    if len(set(dtypes.values())) > 1:
        listed = ", ".join(f"{name} {dtype}" for name, dtype in dtypes.items())
        raise ValueError(f"{op}: arrays must share one dtype, got {listed}")


def same_device(op, **arrays):
    """Check that all named arrays live on the same side (all NumPy or all CuPy)."""
    if all(type(a) is np.ndarray for a in arrays.values()):
        return
    kinds = {name: type(a).__module__.split(".")[0] for name, a in arrays.items()}
    if len(set(kinds.values())) > 1:
        listed = ", ".join(f"{name} {kind}" for name, kind in kinds.items())
        raise ValueError(f"{op}: arrays must all be NumPy or all CuPy, got {listed}")


def shape(op, name, a, expected):
    """Check ``a.shape == expected``."""
    if tuple(a.shape) != tuple(expected):
        raise ValueError(f"{op}: {name} must have shape {tuple(expected)}, got {tuple(a.shape)}")


def positive_int(op, name, value, minimum=1, maximum=None):
    """Check an integer parameter (a size, stride, seed, count...) lies in ``minimum``..``maximum``;
    returns it as int. Python and NumPy integers only: a float (even 2.0, a NumPy float) or a bool
    is refused, never truncated (a seed of 1.5 would silently be seed 1)."""
    if (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum
            or (maximum is not None and value > maximum)):
        bound = f">= {minimum}" if maximum is None else f"{minimum}..{maximum}"
        raise ValueError(f"{op}: {name} must be an integer {bound}, got {value!r}")
    return int(value)


def kernel_int(op, name, value, minimum=1):
    """:func:`positive_int` for a hyper-parameter the CUDA kernels take as a 32-bit ``int`` (a size,
    stride, pad, group count): above 2^31 − 1 it is refused on every path, not wrapped or left to
    NumPy's OverflowError at the launch."""
    value = positive_int(op, name, value, minimum)
    if value > INT32_MAX:
        raise ValueError(f"{op}: {name} must be at most {INT32_MAX} (the kernels' 32-bit integers), got {value}")
    return value


def integer_array(op, name, values, dtype):
    """``values`` (an array or a sequence of integers) as a NumPy array of ``dtype``; floats or bools
    are refused, never truncated. One dtype check, no per-element work beyond the conversion."""
    array = np.asarray(values)
    if array.size and array.dtype.kind not in "iu":
        raise ValueError(f"{op}: {name} must be integers, got dtype {array.dtype} (shape {array.shape})")
    return array.astype(dtype, copy=False)


def nonempty(op, **arrays):
    """Check that no named array is empty."""
    for name, a in arrays.items():
        if a.size == 0:
            raise ValueError(f"{op}: {name} must not be empty, got shape {tuple(a.shape)}")
