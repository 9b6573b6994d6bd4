"""The one thing that stops a run before it starts that only this machine can tell: a batch too large
for its memory.

:func:`check_memory` refuses a training or evaluation batch whose estimated memory
(:func:`training_bytes`, :func:`evaluation_bytes`) exceeds what this process has available (the
system's MemAvailable or its cgroup's headroom, :func:`minitransfer.memory_limit.available_memory`),
before anything is allocated: the kernel's out-of-memory killer would end the run without a word
(exit 137). :func:`check_evaluation_memory` does the same for ``evaluate_checkpoint``, and
:func:`minitransfer.grid_preflight.check_memory` for the runs a grid trains at once. The warnings
``train`` prints before a run are :mod:`minitransfer.preflight`'s.
"""

import math
import typing

import numpy as np

from minitransfer import preflight_step
from minitransfer.data.loader import prefetch_slots
from minitransfer.disk_space import BINARY, size_said
from minitransfer.errors import MinitransferError
from minitransfer.memory_limit import available_memory
from minitransfer.transfer import plan_frozen

GIB = 2**30
FLOAT32 = 4  # bytes
# Writing a checkpoint builds its file in an io.BytesIO (fileio.write_hdf5): the weights and momentum, in a buffer
# Python grows an eighth beyond its size (tracemalloc: 2.25 times the weights' bytes on caffenet; the RSS 2.4 times)
CHECKPOINT_COPIES = 2 * 9 / 8
# What the process grows by beyond the arrays it holds (tracemalloc's account, which the estimates are): HDF5's
# buffers, the C allocator's free blocks, modules imported on the way; measured 1.07-1.35 times the arrays' peak
# over train(max_iter=2) (8 MiB more at mini's 24 MiB, 150 MiB at caffenet's 1.1 GiB): a refusal compares this
RESIDENT_GROWTH = 1.15
# A Python process with minitransfer's imports (RSS measured: a loader worker 45-56 MiB, a training
# process before its first step 51 MiB)
PROCESS_BYTES = 64 * 2**20


class OutOfMemory(MinitransferError, MemoryError):
    """A training step, an evaluation batch or the runs a grid trains at once need more memory than
    this process has available (exit code 1)."""


class Need(typing.NamedTuple):
    """The memory one thing a run does needs: what it is (quoting the field that sets its size), that field, bytes;
    where known, the field's value and the bytes it would need at another (``at(value)``, growing with it), from
    which a refusal finds the value that fits (:func:`check_needs`); ``alone``, the need without loader workers
    that a refusal advises where even the smallest value of the field does not fit (a batch too large for workers=0
    to fit, or workers that batch_size=1 does not make fit)."""

    what: str
    field: str
    bytes: int
    value: int = None
    at: typing.Callable = None
    alone: "Need" = None


def check_memory(plan):
    """Raise :class:`OutOfMemory` when one training step at ``batch_size``, or one evaluation batch
    at ``eval_batch_size`` (at most the validation images), needs more memory than is available
    (:func:`available_memory`; no check where that is unknown): of the net as the run trains it, its frozen
    layers and its `precision` (:func:`as_trained`)."""
    available = available_memory()
    if available is not None:
        net = as_trained(plan.preset.build(plan.config.fc8_outputs), plan_frozen(plan), plan.config.precision)
        check_needs(memory_needs(plan, net), available)


def as_trained(net, frozen, precision):
    """``net`` (a preset's, just built) with its first ``frozen`` weight layers frozen and computing in
    ``precision``, as a run trains it, for the estimates: a frozen layer holds no gradient and the step runs no
    backward below the lowest trainable one; the TF32 emulations round or split each product's operands into
    new arrays."""
    net.freeze(frozen)
    return net.to("cpu", precision=precision)


def check_evaluation_memory(net, image_size, images, batch_size, device):
    """Raise :class:`OutOfMemory` when evaluating ``net`` on ``images`` images of ``image_size`` in
    batches of ``batch_size`` (``evaluate_checkpoint``) needs more memory than is available."""
    available = available_memory()
    if available is not None:
        def needed(batch):  # a checkpoint's net: no gradients
            return evaluation_bytes(net, image_size, min(batch, images), device, gradients=False)

        check_needs([Need(f"an evaluation batch of {net.preset} at `batch_size={batch_size}`", "batch_size",
                          needed(batch_size), batch_size, needed)], available)


def memory_needs(plan, net, device=None):
    """The :class:`Need` of one training step and of one evaluation batch of ``plan``'s ``net``
    (built from ``plan.preset``) on ``device`` (default: the plan's), each with the validation images the run
    keeps (:func:`kept_validation`). The step's field to lower is
    `workers` where the loader's processes take most of it: 64 of them on a 4 GiB SLURM job were
    told to lower `batch_size`, which could not make them fit."""
    c, image_size, device = plan.config, plan.dataset.image_size, device or plan.device
    images = len(plan.task.val_indices)
    between, first = kept_validation(plan, net, device)

    def trained(batch, workers):
        return training_bytes(net, image_size, batch, workers, device) + between

    def evaluated(batch):
        return evaluation_bytes(net, image_size, min(batch, images), device) + first

    step, without_workers = trained(c.batch_size, c.workers), trained(c.batch_size, 0)
    with_workers = f" with `workers={c.workers}`" if c.workers else ""
    if step - without_workers > without_workers:
        field, value, at = "workers", c.workers, lambda workers: trained(c.batch_size, workers)
    else:
        field, value, at = "batch_size", c.batch_size, lambda batch: trained(batch, c.workers)
    alone = Need("", "batch_size", without_workers, c.batch_size, lambda batch: trained(batch, 0))
    return (Need(f"a training step of {net.preset} at `batch_size={c.batch_size}`{with_workers}", field, step, value,
                 at, alone if c.workers else None),
            Need(f"an evaluation batch of {net.preset} at `eval_batch_size={c.eval_batch_size}`", "eval_batch_size",
                 evaluated(c.eval_batch_size), c.eval_batch_size, evaluated))


def kept_validation(plan, net, device):
    """(bytes held between evaluations, bytes held by the first one) of the validation images a run on the CPU keeps
    once its first evaluation has prepared them (:mod:`minitransfer.training_run`): their float32 centre crops and
    labels, where those take at most ``KEEP_VALIDATION_BYTES``; for a frozen ``net``, the output of its frozen
    stages instead where that takes no more (``evaluate.through_frozen``), made beside the crops. A run of mini
    with 3200 validation images held 39 MiB beyond its estimate from its first evaluation on (twice its step)."""
    from minitransfer.training_run import KEEP_VALIDATION_BYTES  # which imports (through evaluate) this module

    images = len(plan.task.val_indices)
    crops = images * (FLOAT32 * 3 * plan.preset.crop ** 2 + FLOAT32)  # and each image's int32 label
    if device != "cpu" or crops > KEEP_VALIDATION_BYTES:
        return 0, 0
    start = net.lowest_trainable_stage() or 0
    if start:
        outputs = images * (FLOAT32 * math.prod(dict(net.shapes())[net.stages[start - 1].layers[-1].name]) + FLOAT32)
        if outputs <= KEEP_VALIDATION_BYTES:
            return outputs, crops + outputs
    return crops, crops


def check_needs(needs, available):
    """Raise :class:`OutOfMemory` for the first of ``needs`` whose :func:`resident` size is larger than ``available``
    (a :class:`minitransfer.memory_limit.Available`), naming the field to lower and, where the need
    says what it would be at another value (:class:`Need`), the largest value that fits by the same
    estimate, or that even the smallest does not."""
    for need in needs:
        if resident(need.bytes) > available.bytes:
            grown = "" if need.bytes > available.bytes else (
                f", less than its process grows to (about {in_units(resident(need.bytes), math.ceil)}: "
                f"HDF5's buffers and the allocator's free blocks beside the arrays)")
            raise OutOfMemory(f"{need.what} needs about {in_units(need.bytes, math.ceil)} of memory; "
                              f"{in_units(available.bytes, math.floor)} is available ({available.source}){grown}; "
                              f"{_lower(need, available.bytes)}")


def _lower(need, available):
    """The advice of a refusal of ``need``: lower its field, to the largest value below its own that
    ``need.at`` fits in ``available`` bytes (a bisection: the need grows with the value), or none
    fits: what the smallest (0 workers, 1 image) needs, and, where ``need.alone`` says, what fits without
    workers (the other field lowered too)."""
    smallest = 0 if need.field == "workers" else 1
    if need.at is None or need.value is None or need.value <= smallest:
        return f"lower `{need.field}`"
    if resident(need.at(smallest)) > available:
        least = need.at(smallest)
        grown = "" if least > available else f", its process about {in_units(resident(least), math.ceil)}"
        even = f"even `{need.field}={smallest}` needs about {in_units(least, math.ceil)}{grown}"
        if need.alone is None:
            return f"{even}: it does not fit here"
        if resident(need.alone.bytes) <= available:
            return f"{even}; `workers=0` fits"
        return f"{even}; with `workers=0`, {_lower(need.alone, available)}"
    fits, too_large = smallest, need.value
    while too_large - fits > 1:
        middle = (fits + too_large) // 2
        fits, too_large = (middle, too_large) if resident(need.at(middle)) <= available else (fits, middle)
    return f"lower `{need.field}`: `{need.field}={fits}` fits"


def resident(needed):
    """How much the process grows by to hold arrays of ``needed`` bytes (:data:`RESIDENT_GROWTH`): what a
    refusal compares with what is available, so that a run estimated just below it is not then killed."""
    return math.ceil(needed * RESIDENT_GROWTH)


def in_units(count, rounding=round):
    """A byte count in the binary unit it reaches (as SLURM's --mem and cgroups count:
    :func:`minitransfer.disk_space.size_said`), in tenths of a GiB from 1 GiB up, else whole (MiB, KiB, bytes:
    below a MiB it said "0 MiB"), rounded by ``rounding`` (a need up and what is available down: a step refused
    by a little read as needing "1.0 GiB" of 1.0 GiB)."""
    return size_said(count, 0 if count < GIB else 1, BINARY, rounding)


def training_bytes(net, image_size, batch, workers=0, device="cpu"):
    """Host memory of one training step of ``net`` at ``batch`` on images of ``image_size`` (H, W),
    in bytes. On the CPU: the step (:func:`step_bytes`) or, when larger, the parameters with what
    writing a checkpoint takes (the step's arrays freed by then); the loader's batch
    (:func:`loader_bytes`). On CUDA the step lives on the GPU (its memory is not estimated: an allocation
    that fails there raises ``step.OutOfDeviceMemory``); the host holds the loader's batch.

    tracemalloc's peak over ``train(max_iter=2)`` (the checkpoint written) was 1.00-1.02 times this (caffenet at
    1 and 4, mini at 64 and 256, micro at 256 and 1024); the growth of the peak RSS, which also counts HDF5's
    buffers, the C allocator's free blocks and modules imported on the way, 1.07-1.35 times (8 MiB more at
    mini's 24 MiB, 150 MiB at caffenet's 1.1 GiB)."""
    loader = loader_bytes(image_size, net.input_shape[1], batch, workers, device)
    if device != "cpu":
        return loader
    checkpoint = int(CHECKPOINT_COPIES * FLOAT32 * net.parameter_count())  # once the step's arrays are freed
    return max(step_bytes(net, batch), _parameter_bytes(net) + checkpoint) + loader


def step_bytes(net, batch):
    """The most memory one NumPy training step of ``net`` at ``batch`` holds (the loader's batch aside): the
    parameters with their momentum and, those not frozen, their gradients, and the larger of the stages' arrays at
    the step's peak (:func:`minitransfer.preflight_step.step_peak`, in the net's precision, none below its lowest
    trainable layer kept for a backward) and the update's temporaries."""
    return _parameter_bytes(net) + max(preflight_step.step_peak(net, batch), preflight_step.update_peak(net))


def evaluation_bytes(net, image_size, batch, device="cpu", gradients=True):
    """Host memory of evaluating ``net`` on a batch of ``batch`` images, in bytes: on the CPU the
    parameters with their momentum (and, ``gradients``, a training run's gradients of those not frozen, held
    while it evaluates) and the most the forward pass holds at once, in the net's precision
    (:func:`minitransfer.preflight_step.evaluation_peak`); the loader's batch (:func:`loader_bytes`).
    tracemalloc's peak over a pass: 0.96-1.0 times this (micro at 256 and 2048, mini at 256 and 1024,
    caffenet at 4 and 16)."""
    loader = loader_bytes(image_size, net.input_shape[1], batch, 0, device)
    if device != "cpu":
        return loader
    parameters = _parameter_bytes(net) if gradients else 2 * FLOAT32 * net.parameter_count()
    return parameters + preflight_step.evaluation_peak(net, batch) + loader


def loader_bytes(image_size, crop, batch, workers, device="cpu"):
    """A data loader's memory for batches of ``batch`` images: the batch as read (uint8), its
    workers' shared-memory slots (:func:`minitransfer.data.loader.prefetch_slots`) and processes,
    and the augmented float32 crops (CPU) or the pinned copy of the batch sent to the GPU (CUDA)."""
    image = int(np.prod(image_size)) * 3
    augmented = FLOAT32 * 3 * crop * crop if device == "cpu" else image
    return batch * (image * (1 + prefetch_slots(workers)) + augmented) + workers * PROCESS_BYTES


def _parameter_bytes(net):
    """The weights and momentum of every parameter, and the gradients of those not frozen (a frozen one has none)."""
    return FLOAT32 * sum(param.data.size * (2 + (not param.frozen)) for param in net.params)
