"""preflight's estimate of a NumPy training step against what the step really holds: tracemalloc's peak
over real steps (NumPy reports its arrays' memory to it), the weights built inside the trace.

The estimate counted every layer's output and its gradient, ReLU and dropout outputs that the fused stages
never keep apart, all the columns and the largest scratch on top: 1.39-1.54 times the measured peak
(micro at 32-4096, mini at 16-1024), while leaving a pooling's argmax out."""

import re
import tracemalloc

import numpy as np
import pytest

from minitransfer import config, models, optim, preflight_memory
from minitransfer.memory_limit import Available
from minitransfer.step import TrainingStep

TOLERANCE = 0.15


def _measured_step(preset, batch, classes=4):
    """(net, tracemalloc's peak in bytes over two training steps of ``preset`` at ``batch``: the net built,
    its batch made and both steps run inside the trace; the second step holds the first's gradients)."""
    warm = models.get(preset).build(classes)  # one-off allocations of a first step (imports, caches) outside
    TrainingStep(warm, optim.Solver(base_lr=0.001), 0)(*_batch(warm, 2, classes), 0)

    def steps():
        net = models.get(preset).build(classes)
        x, labels = _batch(net, batch, classes)
        step = TrainingStep(net, optim.Solver(base_lr=0.001), 0)
        for iteration in range(2):
            step(x, labels, iteration)
        return net

    return _traced(steps)


def _traced(work):
    """(``work()``'s value, tracemalloc's peak in bytes while it ran, above what was traced as it began)."""
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        made = work()
        return made, tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


def _batch(net, batch, classes):
    rng = np.random.default_rng(0)
    return (rng.standard_normal((batch, *net.input_shape), dtype=np.float32),
            rng.integers(0, classes, batch).astype(np.int32))


@pytest.mark.parametrize("preset, batch", [("micro", 64), ("micro", 512), ("mini", 16), ("mini", 128)])
def test_the_estimate_of_a_training_step_is_what_the_step_holds(preset, batch):
    net, measured = _measured_step(preset, batch)
    image, crop = net.input_shape[1:], net.input_shape[1]
    crops = preflight_memory.FLOAT32 * batch * int(np.prod(net.input_shape))  # the loader's float32 crops: x
    loader = preflight_memory.loader_bytes(image, crop, batch, 0)
    estimate = preflight_memory.training_bytes(net, image, batch) - loader + crops
    assert abs(estimate - measured) <= TOLERANCE * measured, (estimate, measured)


@pytest.mark.parametrize("preset, batch", [("micro", 512), ("mini", 128)])
def test_the_estimate_of_an_evaluation_batch_is_what_the_pass_holds(preset, batch):
    """It counted the largest activation and the largest scratch twice each, 1.8 times the measured peak."""
    warm = models.get(preset).build(4)
    warm.forward(*_batch(warm, 2, 4), train=False)

    def forward():
        net = models.get(preset).build(4)  # its weights and momentum, as a checkpoint's net has
        x, labels = _batch(net, batch, 4)
        net.forward(x, labels, train=False)
        return net, x

    (net, x), measured = _traced(forward)
    image, crop = net.input_shape[1:], net.input_shape[1]
    estimate = (preflight_memory.evaluation_bytes(net, image, batch, gradients=False)
                - preflight_memory.loader_bytes(image, crop, batch, 0) + x.nbytes)
    assert abs(estimate - measured) <= TOLERANCE * measured, (estimate, measured)


def test_a_training_steps_estimate_counts_the_loaders_batch_and_the_checkpoint_beside_the_step():
    """training_bytes is the step with the loader's batch, or the weights, momentum and gradients with the
    checkpoint's file image when that is larger (caffenet at a small batch)."""
    net = models.get("mini").build(4)
    image = (36, 36)
    loader = preflight_memory.loader_bytes(image, 32, 128, 0)
    assert preflight_memory.training_bytes(net, image, 128) == preflight_memory.step_bytes(net, 128) + loader
    assert loader >= 128 * (36 * 36 * 3 + 4 * 3 * 32 * 32)  # the uint8 images read and their float32 crops


@pytest.mark.parametrize("field, workers, available", [("batch_size", 0, 3 * 2**20), ("batch_size", 2, 200 * 2**20),
                                                       ("workers", 64, 2**30)])
def test_a_refusal_names_the_largest_value_that_fits_by_the_same_estimate(synthetic_8, monkeypatch, field, workers,
                                                                        available):
    """A refusal said "lower `batch_size`", leaving the value that fits to guessing; the value it names fits
    by the estimate that refused the run, with the process's growth beyond its arrays (15%), and one more does
    not."""
    monkeypatch.setattr(preflight_memory, "available_memory", lambda: Available(available, "a test's limit"))
    plan = config.resolve(config.TrainConfig(data=synthetic_8, preset="mini", batch_size=512, workers=workers,
                                             eval_batch_size=4, device="cpu", quiet=True), checksums=False)
    with pytest.raises(preflight_memory.OutOfMemory, match=f"; lower `{field}`: `{field}=" + r"\d+` fits$") as refused:
        preflight_memory.check_memory(plan)
    fits = int(re.search(r"=(\d+)` fits$", str(refused.value)).group(1))

    def need(value):
        setattr(plan.config, field, value)
        return preflight_memory.memory_needs(plan, plan.preset.build(plan.config.fc8_outputs))[0].bytes

    assert need(fits + 1) * 1.15 > available >= need(fits) * 1.15
    preflight_memory.check_memory(plan)  # the run at that value goes on


def test_a_refusal_where_even_one_image_does_not_fit_says_so():
    net = models.get("caffenet").build(4)

    def need(batch):
        return preflight_memory.training_bytes(net, (256, 256), batch)

    step = preflight_memory.Need("a training step of caffenet at `batch_size=256`", "batch_size", need(256), 256, need)
    with pytest.raises(preflight_memory.OutOfMemory, match=r"; even `batch_size=1` needs about 1\.\d GiB: it does not "
                                                           r"fit here$"):
        preflight_memory.check_needs([step], Available(2**29, "a test's limit"))


def test_a_step_whose_arrays_fit_but_not_its_process_is_refused_saying_why():
    """The estimate counts the arrays (tracemalloc's account); the process grows 7-35% beyond them (HDF5's buffers,
    the allocator's free blocks): a step just below what is available was let through, to be killed by the
    kernel. Refused within 15% of it, saying why (the need quoted is the arrays')."""
    need = preflight_memory.Need("a training step of mini at `batch_size=64`", "batch_size", 100 * 2**20)
    with pytest.raises(preflight_memory.OutOfMemory, match=r"needs about 100 MiB of memory; 110 MiB is available "
                                                           r"\(a test's limit\), less than its process grows to "
                                                           r"\(about 115 MiB: "):
        preflight_memory.check_needs([need], Available(110 * 2**20, "a test's limit"))
    preflight_memory.check_needs([need], Available(116 * 2**20, "a test's limit"))
