"""The NumPy momentum-SGD step computes in one temporary (g = decay·W, then grad + g, then lr·g, written in
place) and checks NumPy arrays that pass on a short path: W and V bit for bit what the formulation it replaced
gave (the oracle below, that code as it was: a new array per product), on odd shapes, a scalar-sized parameter,
both dtypes, weight and bias multipliers, several steps, and values with −0.0, ±inf and NaNs (where the order of
the operands decides a zero's sign or which NaN survives); and the short path refuses what the checks refuse."""

import numpy as np
import pytest

from minitransfer.ops import sgd


def old_step(w, grad, velocity, lr, momentum, weight_decay, lr_mult, decay_mult):
    scalar = np.dtype(w.dtype).type
    local_lr = scalar(float(lr) * float(lr_mult))
    local_decay = scalar(float(weight_decay) * float(decay_mult))
    momentum = scalar(momentum)
    g = grad + local_decay * w
    velocity *= momentum
    velocity += local_lr * g
    w -= velocity


SHAPES = [(1,), (7,), (24, 3, 3, 3), (5, 13), (20, 128), (3, 1, 2, 5)]
MULTIPLIERS = [(1.0, 1.0), (2.0, 0.0), (0.5, 3.0)]
SPECIALS = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-38, -1e-45]


def values(rng, shape, dtype, special):
    x = rng.standard_normal(shape).astype(dtype)
    if special:
        some = rng.random(shape) < 0.3
        x[some] = rng.choice(np.array(SPECIALS), size=int(some.sum())).astype(dtype)
    return x


@pytest.mark.parametrize("special", [False, True], ids=["normal", "special"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mults", MULTIPLIERS)
@pytest.mark.parametrize("shape", SHAPES)
def test_update_is_the_old_formulations_bits(shape, mults, dtype, special):
    rng = np.random.default_rng(len(shape) + sum(shape))
    w, velocity = values(rng, shape, dtype, special), values(rng, shape, dtype, special)
    old_w, old_velocity = w.copy(), velocity.copy()
    with np.errstate(all="ignore"):
        for step in range(3):
            grad = values(rng, shape, dtype, special)
            lr = 0.004 * 0.1 ** step
            sgd.update(w, grad, velocity, lr, 0.9, 0.0005, lr_mult=mults[0], decay_mult=mults[1])
            old_step(old_w, grad, old_velocity, lr, 0.9, 0.0005, *mults)
            assert w.tobytes() == old_w.tobytes() and velocity.tobytes() == old_velocity.tobytes()


def test_update_all_on_numpy_is_the_old_formulations_bits():
    rng = np.random.default_rng(3)
    entries, old = [], []
    for index, shape in enumerate(SHAPES):
        w, velocity, grad = (values(rng, shape, np.float32, True) for _ in range(3))
        lr_mult, decay_mult = MULTIPLIERS[index % len(MULTIPLIERS)]
        entries.append((w, grad, velocity, lr_mult, decay_mult))
        old.append((w.copy(), grad, velocity.copy(), lr_mult, decay_mult))
    with np.errstate(all="ignore"):
        sgd.update_all(entries, 0.01, 0.9, 0.0005)
        for w, grad, velocity, lr_mult, decay_mult in old:
            old_step(w, grad, velocity, 0.01, 0.9, 0.0005, lr_mult, decay_mult)
    for (w, _, velocity, _, _), (old_w, _, old_velocity, _, _) in zip(entries, old):
        assert w.tobytes() == old_w.tobytes() and velocity.tobytes() == old_velocity.tobytes()


class Subclass(np.ndarray):
    pass


@pytest.mark.parametrize("arrays, message", [
    ((np.ones(3, np.float32), np.ones(3), np.ones(3, np.float32)), "arrays must share one dtype"),
    ((np.ones(3, np.float16),) * 3, "w must have dtype"),
    ((np.ones((2, 3), np.float32), np.ones((3, 2), np.float32), np.ones((2, 3), np.float32)),
     r"grad must have shape \(2, 3\), got \(3, 2\)"),
    ((np.ones((2, 3)), np.ones((2, 3)), np.ones((3, 2)).T), "velocity must be C-contiguous"),
    ((np.ones((3, 2)).T, np.ones((2, 3)), np.ones((2, 3))), "w must be C-contiguous"),
    ((np.ones(3), [1.0, 1.0, 1.0], np.ones(3)), "grad must be a NumPy or CuPy array"),
], ids=["mixed-dtype", "float16", "grad-shape", "velocity-strided", "w-strided", "list"])
def test_the_short_path_refuses_what_the_checks_refuse(arrays, message):
    before = [np.array(a, copy=True) for a in arrays]
    with pytest.raises(ValueError, match=rf"sgd: .*{message}"):
        sgd.update(*arrays, lr=0.01, momentum=0.9, weight_decay=0.0005)
    assert all(np.array_equal(np.asarray(a), b) for a, b in zip(arrays, before))  # nothing updated


def test_an_ndarray_subclass_takes_the_full_checks_and_the_same_step():
    w, grad, velocity = (np.full(4, value, np.float32).view(Subclass) for value in (1.0, 0.5, 0.25))
    old_w, old_velocity = np.full(4, 1.0, np.float32), np.full(4, 0.25, np.float32)
    sgd.update(w, grad, velocity, 0.01, 0.9, 0.0005)
    old_step(old_w, np.full(4, 0.5, np.float32), old_velocity, 0.01, 0.9, 0.0005, 1.0, 1.0)
    assert np.asarray(w).tobytes() == old_w.tobytes() and np.asarray(velocity).tobytes() == old_velocity.tobytes()
