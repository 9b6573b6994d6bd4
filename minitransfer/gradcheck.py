"""Float64 central-difference gradient checker (DESIGN.md §8.1), for NumPy and CuPy arrays.

The objective is ``L = Σ y·dy`` with a fixed random ``dy``, so ``backward(dy, cache)`` must
return ∂L/∂input. Each input is checked element by element when it is small and along random
unit directions otherwise; the error is Caffe's scaled one, ``|a − n| / max(1, |a|, |n|)``.
"""

import numpy as np

from minitransfer import cuda


def _array_module(a):
    return cuda.cupy() if cuda.is_cuda_array(a) else np


def gradient_errors(forward, backward, args, wrt, *, seed=0, h=1e-6, full_below=100, directions=12):
    """Largest scaled error of ``backward`` against central differences, for each input in ``wrt``.

    forward(*args) -> (y, cache); backward(dy, cache) -> one gradient per index in ``wrt``, in
    that order. ``args`` must be float64 where they are differentiated. Returns a list of floats.
    """
    xp = _array_module(args[wrt[0]])
    rng = np.random.default_rng(seed)
    y, cache = forward(*args)
    dy = xp.asarray(rng.standard_normal(np.shape(y)))
    grads = backward(dy, cache)
    if len(grads) != len(wrt):
        raise ValueError(f"backward returned {len(grads)} gradients for {len(wrt)} inputs")

    def objective(position, value):
        trial = list(args)
        trial[position] = value
        out, _ = forward(*trial)
        return float((out * dy).sum())

    errors = []
    for position, grad in zip(wrt, grads):
        x = args[position]
        if tuple(grad.shape) != tuple(x.shape):
            raise ValueError(f"gradient {position} has shape {tuple(grad.shape)}, input has {tuple(x.shape)}")
        if x.size <= full_below:
            probes = (_unit(xp, x, i) for i in range(x.size))
        else:
            probes = (_direction(xp, x, rng) for _ in range(directions))
        worst = 0.0
        for v in probes:
            numeric = (objective(position, x + h * v) - objective(position, x - h * v)) / (2 * h)
            analytic = float((grad * v).sum())
            scale = max(1.0, abs(analytic), abs(numeric))
            worst = max(worst, abs(analytic - numeric) / scale)
        errors.append(worst)
    return errors


def _unit(xp, x, i):
    v = xp.zeros(x.shape, dtype=x.dtype)
    v.reshape(-1)[i] = 1.0
    return v


def _direction(xp, x, rng):
    v = rng.standard_normal(x.shape)
    return xp.asarray(v / np.linalg.norm(v), dtype=x.dtype)
