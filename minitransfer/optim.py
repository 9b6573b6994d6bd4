"""Caffe's momentum SGD and its step learning-rate schedule (DESIGN.md §1; paper, supplement A).

For every trainable parameter, with ``lr = base_lr · γ^⌊iter/stepsize⌋``:

    g = ∇W + weight_decay · decay_mult · W
    V = momentum · V + lr · lr_mult · g
    W = W − V

Weights have lr_mult 1 / decay_mult 1, biases lr_mult 2 / decay_mult 0. A frozen parameter
(Caffe's ``lr_mult: 0`` plus no decay) is skipped entirely: no update, no decay, no change to its
momentum buffer. The arithmetic is ``minitransfer.ops.sgd.update`` (NumPy or the CUDA kernel);
given the device's step scalars (a training step's lean path), one launch of
``sgd.update_all`` updates every parameter, reading the learning rate from device memory.

The paper trains for 450,000 iterations and divides the rate by 10 every 100,000. A shorter run
keeps the same shape: :meth:`Schedule.scaled` of :data:`PAPER` scales the step proportionally to
``max_iter``. Its reduced-data runs (supplement B) used another solver: base_lr 0.0125, a step every
64,000 of 200,000 iterations (:data:`REDUCED`), scaled the same way.

Every rate is used in float32: one that is inf there, or below its smallest normal number (0 there, or next
to it), is refused (:func:`number_fault`, which the command line's options ask too), and a run's solver
(:func:`run_solver`) must keep its stepped rate within float32's normal numbers until ``max_iter``.
"""

import contextlib
import contextvars
import dataclasses
import math
import numbers

import numpy as np

from minitransfer.errors import MinitransferError
from minitransfer.ops import sgd

FLOAT32_TINY = float(np.finfo(np.float32).tiny)  # the smallest base_lr: ~1.2e-38
FLOAT32_MAX = float(np.finfo(np.float32).max)  # ~3.4e38: more is inf in float32
MAX_MOMENTUM = float(np.nextafter(np.float32(1), np.float32(0)))  # the largest float32 below 1: 0.99999994
PAPER_MAX_ITER = 450_000
PAPER_STEPSIZE = 100_000
RATES = ("base_lr", "momentum", "weight_decay", "gamma")  # the solver's real numbers, each used in float32


@dataclasses.dataclass(frozen=True)
class Schedule:
    """A solver's learning rate and the shape of its step schedule: ``stepsize`` of ``max_iter``."""

    base_lr: float
    stepsize: int
    max_iter: int

    def scaled(self, max_iter):
        """The stepsize for a run of ``max_iter`` iterations: the same fraction of the run, >= 1."""
        return max(1, round(self.stepsize * max_iter / self.max_iter))


PAPER = Schedule(base_lr=0.01, stepsize=PAPER_STEPSIZE, max_iter=PAPER_MAX_ITER)
REDUCED = Schedule(base_lr=0.0125, stepsize=64_000, max_iter=200_000)  # the paper's reduced-data runs


def number_fault(name, value, got=None, zero=False, float32=True):
    """Why ``value``, given for ``name`` (a solver's `momentum`, the command line's --momentum), is no number
    training computes with, in the words of both the solver and the command line, or None: no finite number;
    with ``float32`` (a rate of the solver: the update computes in float32), one that is inf there or, in size,
    below its smallest normal number (0 there, or next to it: a rate, decay or momentum that changes nothing;
    0 itself allowed where ``zero``). ``got``: the value as the user gave it (default: its repr)."""
    got = repr(value) if got is None else got
    if not math.isfinite(value):
        return f"{name} must be a finite number, got {got}"
    if float32 and abs(value) > FLOAT32_MAX:
        return (f"{name} must be at most {FLOAT32_MAX:.4g} (float32's largest number: training computes in float32, "
                f"where a larger value is inf), got {got}")
    if float32 and abs(value) < FLOAT32_TINY and not (zero and value == 0):
        return (f"{name} must be {'0 or ' if zero else ''}>= {FLOAT32_TINY:.4g} (float32's smallest normal number: "
                f"training computes in float32, where a smaller value changes nothing), got {got}")
    return None


@dataclasses.dataclass(frozen=True)
class Solver:
    """Solver hyper-parameters; the defaults are the paper's (Caffe's reference CaffeNet solver)."""

    base_lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 0.0005
    gamma: float = 0.1
    stepsize: int = PAPER_STEPSIZE
    max_iter: int = PAPER_MAX_ITER

    def __post_init__(self):
        for name in RATES:  # an infinite rate or decay diverges at once
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
                raise ValueError(f"solver: `{name}` must be a finite number, got {value!r}")
        if not self.base_lr > 0:
            raise ValueError(f"solver: `base_lr` must be > 0, got {self.base_lr!r}")
        # a momentum that rounds to 1 in float32 never lets a past gradient fade (V = V + lr·g)
        if not 0 <= self.momentum < 1 or np.float32(self.momentum) == 1:
            rounded = f" (1 in float32, which the update computes in: at most {MAX_MOMENTUM})" \
                if 0 <= self.momentum < 1 else ""
            raise ValueError(f"solver: `momentum` must lie in [0, 1), got {self.momentum!r}{rounded}")
        if not self.weight_decay >= 0:
            raise ValueError(f"solver: `weight_decay` must be >= 0, got {self.weight_decay!r}")
        if not 0 < self.gamma <= 1:
            raise ValueError(f"solver: `gamma` must lie in (0, 1], got {self.gamma!r}")
        for name in RATES:  # the update computes in float32: a value below its normal numbers is 0 or next to it
            fault = number_fault(f"`{name}`", getattr(self, name), zero=name in ("momentum", "weight_decay"))
            if fault is not None:  # (a rate that changes no weight, a decay or momentum that does nothing)
                raise ValueError(f"solver: {fault}")
        for name in ("stepsize", "max_iter"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
                    or int(value) != value or value < 1:
                raise ValueError(f"solver: `{name}` must be an integer >= 1, got {value!r}")


CAFFE = Solver()  # the paper's solver, every default: what a run's momentum and decay default to
SOLVER_FIELDS = tuple(field.name for field in dataclasses.fields(Solver))  # a run configuration's fields of its solver


class ScheduleError(MinitransferError, ValueError):
    """A schedule :func:`run_solver` refuses: its rate stepped below float32's normal numbers before its end."""


# The schedule's fields the caller of run_solver can set, which its refusal advises changing: all of them for
# train; `experiment` has no gamma (:func:`schedule_set_by`)
SCHEDULE_FIELDS = ("gamma", "stepsize", "max_iter")
_SCHEDULE_SETTABLE = contextvars.ContextVar("schedule_settable", default=SCHEDULE_FIELDS)


@contextlib.contextmanager
def schedule_set_by(fields):
    """While this holds, a schedule :func:`run_solver` refuses is advised changed by ``fields`` only (those of
    :data:`SCHEDULE_FIELDS` its caller sets: `experiment`'s ("stepsize", "max_iter")); the others are quoted
    as values, not as options to give."""
    token = _SCHEDULE_SETTABLE.set(tuple(name for name in SCHEDULE_FIELDS if name in fields))
    try:
        yield
    finally:
        _SCHEDULE_SETTABLE.reset(token)


def run_solver(**fields):
    """The :class:`Solver` of a training run of ``max_iter`` iterations, whose schedule must keep the rate
    within float32's normal numbers to the end: ``base_lr`` 0.01 stepped by ``gamma`` 1e-20 four times is 1e-82,
    0 in float32, and the run's last stages changed no weight (a Solver alone may have a max_iter it never
    reaches: one stepped by hand, ``Solver(stepsize=2)``, which is not refused). ValueError naming the fields
    (:class:`ScheduleError` for the schedule, advising the fields :func:`schedule_set_by` lets its caller set)."""
    solver = Solver(**fields)
    last = (solver.max_iter - 1) // solver.stepsize  # the last step the run reaches
    if solver.base_lr * solver.gamma ** last >= FLOAT32_TINY:
        return solver
    low, high = 0, last  # the first step whose rate is below float32's normal numbers: base_lr's is not
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if solver.base_lr * solver.gamma ** middle >= FLOAT32_TINY else (low, middle)
    settable = _SCHEDULE_SETTABLE.get()
    gamma = "`gamma`" if "gamma" in settable else "gamma"  # quoted, a field the command line words as its option
    advice = " or ".join(f"`{name}`" for name in ("gamma", "stepsize") if name in settable)
    advice = ", or ".join(([f"give a larger {advice}"] if advice else [])
                          + (["a smaller `max_iter`"] if "max_iter" in settable else []))
    raise ScheduleError(f"solver: {gamma} {solver.gamma!r} steps the learning rate below {FLOAT32_TINY:.4g} "
                        f"(float32's smallest normal number: training computes in float32, where a smaller rate "
                        f"changes no weight) "
                        f"from iteration {high * solver.stepsize} of {solver.max_iter} (step {high}: `base_lr` "
                        f"{solver.base_lr!r} * {solver.gamma!r}^{high} = {solver.base_lr * solver.gamma ** high:.4g})"
                        + (f": {advice}" if advice else ""))


def solver_fault(values):
    """Why a :class:`Solver` of ``values`` (a mapping: a run's recorded configuration, of which the
    :data:`SOLVER_FIELDS` it sets count; any other is ignored) cannot be, in :class:`Solver`'s words,
    or None where it can."""
    try:
        Solver(**{name: values[name] for name in SOLVER_FIELDS if values.get(name) is not None})
    except ValueError as error:
        return str(error)
    return None


def learning_rate(solver, iteration):
    """Caffe's "step" policy: ``base_lr · γ^⌊iteration/stepsize⌋``."""
    return solver.base_lr * solver.gamma ** (iteration // solver.stepsize)


def last_rate_change(solver):
    """The iteration from which :func:`learning_rate` no longer changes before ``max_iter``: the
    last multiple of ``stepsize`` below it (0 when the rate never steps: γ = 1 or one stage)."""
    if solver.gamma == 1:
        return 0
    return solver.stepsize * ((solver.max_iter - 1) // solver.stepsize)


def step(params, solver, iteration, scalars=None, loss=None):
    """Apply one momentum-SGD update (in place) to every non-frozen parameter; returns the lr used.

    ``params`` are :class:`minitransfer.layers.Param` objects whose ``grad`` holds ∇W of this
    iteration's loss. With ``scalars`` (a ``cuda.StepScalars``; CUDA only, UNVERIFIED ON A GPU)
    the learning rate is written to the device and one launch updates every parameter, none of
    them unless ``loss`` (a device scalar, when given) is finite; the same bits as one update per
    parameter.
    """
    lr = learning_rate(solver, iteration)
    trainable = [param for param in params if not param.frozen]
    for param in trainable:
        if param.grad is None:
            raise ValueError(f"solver: parameter {param.name} is trainable but has no gradient (run backward first)")
    if scalars is not None:
        scalars.write(lr=lr)
        sgd.update_all([(p.data, p.grad, p.velocity, p.lr_mult, p.decay_mult) for p in trainable], lr,
                       solver.momentum, solver.weight_decay, lr_on_device=scalars.lr, loss=loss)
        return lr
    for param in trainable:
        sgd.update(
            param.data, param.grad, param.velocity, lr, solver.momentum, solver.weight_decay,
            lr_mult=param.lr_mult, decay_mult=param.decay_mult,
        )
    return lr
