"""preflight's memory estimate of a frozen net and of the TF32 emulations, against what they hold: tracemalloc's
peak (NumPy reports its arrays to it) over real training steps and evaluations, the net built inside the trace.

A frozen net (`train --copy-from X --n N --frozen`, `--random-frozen N`) was estimated as the same net trained
whole: every layer's gradients and a backward to the bottom, which the step never runs below its lowest trainable
layer (measured 1.4-2.8 times over, micro and mini with 1-7 layers frozen). The TF32 emulations on the CPU
(`--precision tf32`, `tf32x3`) round or split each product's operands into copies, which it left out: a step
0.41-0.84 times, an evaluation 0.21-0.36 times what it held. Each caller sized a net built anew, neither frozen
nor in the run's precision: train's check, the grid's and its dry run's memory line."""

import dataclasses
import pathlib
import re
import tracemalloc

import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer import config, models, optim, preflight_memory, transfer
from minitransfer import experiment as grid
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic
from minitransfer.memory_limit import Available
from minitransfer.step import TrainingStep

TOLERANCE = 0.05  # measured within 2.5% (micro at 128-512, mini at 16-128, caffenet at 1-2)
FAST = {"max_iter": 2, "batch_size": 8, "eval_batch_size": 8, "quiet": True, "device": "cpu", "seed": 0}


def _net(preset, frozen, precision):
    net = models.get(preset).build(4)
    net.freeze(frozen)
    return net.to("cpu", precision=precision)


def _inputs(net, batch):
    rng = np.random.default_rng(0)
    return (rng.standard_normal((batch, *net.input_shape), dtype=np.float32),
            rng.integers(0, 4, batch).astype(np.int32))


def _peak(work):
    """(``work()``'s value, tracemalloc's peak in bytes while it ran: it traces only what is allocated after it
    starts); ``work`` runs once before, untraced: a first call's one-off allocations (imports, caches) are not the
    estimate's."""
    work()
    tracemalloc.start()
    made = work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return made, peak


@pytest.mark.parametrize("preset, batch, frozen, precision", [
    ("micro", 128, 1, "ieee"), ("micro", 128, 7, "ieee"), ("mini", 64, 3, "ieee"), ("mini", 2, 7, "ieee"),
    ("micro", 128, 0, "tf32"), ("mini", 32, 2, "tf32"), ("mini", 64, 0, "tf32x3"), ("micro", 128, 6, "tf32x3")])
def test_a_step_of_a_frozen_net_or_in_tf32_is_estimated_as_it_holds(preset, batch, frozen, precision):
    """Two steps (the second holds the first's gradients), the net, its momentum and the batch made inside the
    trace, against the step's estimate with the batch it is given. At batch 2 the parameters are most of it: a
    frozen one's gradient counted, mini with 7 layers frozen was 1.31 times over."""
    def steps():
        net = _net(preset, frozen, precision)
        x, labels = _inputs(net, batch)
        step = TrainingStep(net, optim.Solver(base_lr=0.001), 0)
        for iteration in range(2):
            step(x, labels, iteration)
        return net, x.nbytes + labels.nbytes

    (net, inputs), measured = _peak(steps)
    estimate = preflight_memory.step_bytes(net, batch) + inputs
    assert abs(estimate - measured) <= TOLERANCE * measured, (estimate, measured)


@pytest.mark.parametrize("preset, batch, precision", [("micro", 256, "tf32"), ("mini", 64, "tf32x3")])
def test_an_evaluation_in_tf32_is_estimated_as_it_holds(preset, batch, precision):
    def forward():
        net = _net(preset, 0, precision)  # its weights and momentum, as a checkpoint's net has
        x, labels = _inputs(net, batch)
        net.forward(x, labels, train=False)
        return net, x.nbytes

    (net, inputs), measured = _peak(forward)
    image = net.input_shape[1:]
    estimate = (preflight_memory.evaluation_bytes(net, image, batch, gradients=False)
                - preflight_memory.loader_bytes(image, image[0], batch, 0) + inputs)
    assert abs(estimate - measured) <= TOLERANCE * measured, (estimate, measured)


@pytest.fixture(scope="module")
def base(tmp_path_factory, synthetic_8):
    """A micro base trained on half A of an 8-class set (2 iterations): its weights file."""
    out = tmp_path_factory.mktemp("base") / "baseA.h5"
    training.train(config.TrainConfig(data=synthetic_8, preset="micro", half="A", out=str(out), **FAST))
    return str(out)


@pytest.mark.parametrize("fields", [{"random_frozen": 5, "precision": "tf32"}, {"n": 5, "frozen": True},
                                    {"n": 2, "frozen": False, "precision": "tf32x3"}],
                         ids=["random-frozen-tf32", "frozen-transfer", "fine-tuned-tf32x3"])
def test_trains_check_sizes_the_net_train_builds(synthetic_8, base, tmp_path, monkeypatch, fields):
    """The needs train's check compares are those of the net ``transfer.build_net`` makes of the plan: its layers
    frozen, in its precision (a net built anew, whole and in ieee, was sized instead)."""
    copied = {"copy_from": base, "half": "B"} if "n" in fields else {"half": "A"}
    plan = config.resolve(config.TrainConfig(data=synthetic_8, preset="micro", out=str(tmp_path / "run.h5"),
                                             **dict(FAST, batch_size=256), **copied, **fields), checksums=False)
    checked = []
    monkeypatch.setattr(preflight_memory, "available_memory", lambda: Available(2**40, "a test's"))
    monkeypatch.setattr(preflight_memory, "check_needs", lambda needs, available: checked.append(needs))
    preflight_memory.check_memory(plan)
    built = transfer.build_net(plan)
    assert [need.bytes for need in checked[0]] == [need.bytes for need in preflight_memory.memory_needs(plan, built)]


def _limited(monkeypatch, available):
    monkeypatch.setattr(preflight_memory, "available_memory", lambda: Available(available, "a test's limit"))


def test_a_frozen_transfer_refused_as_its_base_would_be_now_trains(synthetic_8, base, tmp_path, monkeypatch):
    """`train --copy-from baseA.h5 --n 7 --frozen` where there is room for the frozen net's step but not the whole
    net's: it was refused (exit 1), sized as a net training every layer; the same transfer fine-tuned still is."""
    plan = config.resolve(config.TrainConfig(data=synthetic_8, preset="micro", copy_from=base, n=7, frozen=True,
                                             half="B", **dict(FAST, batch_size=512)), checksums=False)
    frozen = max(need.bytes for need in preflight_memory.memory_needs(plan, transfer.build_net(plan)))
    whole = preflight_memory.training_bytes(models.get("micro").build(4), (36, 36), 512)
    assert whole > 2 * frozen  # what the check said the frozen transfer needs, before
    _limited(monkeypatch, preflight_memory.resident(frozen) + 2**20)
    command = ["train", "--data", synthetic_8, "--preset", "micro", "--copy-from", base, "--n", "7", "--half", "B",
               "--batch-size", "512", "--max-iter", "2", "--eval-batch-size", "8", "--seed", "1", "--device", "cpu",
               "--quiet"]
    done = CliRunner().invoke(main, [*command, "--frozen", "-o", str(tmp_path / "A7B.h5")])
    assert done.exit_code == 0, done.output
    done = CliRunner().invoke(main, [*command, "-o", str(tmp_path / "A7B+.h5")])
    assert done.exit_code == 1 and re.search(r"out of memory: a training step of micro at --batch-size 512 needs about "
                                             r"\d+ MiB", done.output), done.output


def test_a_dry_run_of_frozen_transfers_left_to_train_says_they_fit(synthetic_8, tmp_path, monkeypatch):
    """A grid whose bases are trained, its frozen transfers left: its dry run's memory line sized each as its base
    (every layer trained) and said "too little: each such run would stop as it starts" where they fit."""
    out, runs = tmp_path / "grid", grid.plan_grid(layers=(7,), fine_tuned=False)
    options = {"data": str(pathlib.Path(synthetic_8).resolve()), "preset": "micro", "max_iter": 2, "batch_size": 512,
               "seed": 0, "device": "cpu"}  # as the command below gives them to its runs
    for run in runs[:2]:
        training.train(config.TrainConfig(**grid.run_fields(run, out, options), quiet=True))
    assert [run.name for run in runs] == ["random0/baseA", "random0/baseB", "random0/B7B", "random0/A7B"]
    plans = [config.resolve(config.TrainConfig(**grid.run_fields(run, out, options), quiet=True), checksums=False)
             for run in runs[2:]]
    frozen = max(need.bytes for plan in plans for need in preflight_memory.memory_needs(plan,
                                                                                       transfer.build_net(plan)))
    _limited(monkeypatch, preflight_memory.resident(frozen) + preflight_memory.PROCESS_BYTES + 2**20)
    command = ["experiment", "--data", synthetic_8, "-o", str(out), "--preset", "micro", "--layers", "7",
               "--max-iter", "2", "--batch-size", "512", "--seed", "0", "--device", "cpu", "--dry-run"]
    done = CliRunner().invoke(main, [*command, "--no-fine-tuned"])
    assert done.exit_code == 0 and "would stop as it starts" not in done.output, done.output
    done = CliRunner().invoke(main, command)  # B7B+ and A7B+ fine-tune every layer
    assert done.exit_code == 0 and "too little: each such run would stop as it starts" in done.output, done.output


@pytest.fixture(scope="module")
def many_validation_images(tmp_path_factory):
    """8 classes of 36 x 36 images, 40 training and 200 validation images each: half A's 800 validation crops
    of mini take 9.4 MiB, kept by a run between its evaluations."""
    path = tmp_path_factory.mktemp("data") / "synthetic-8-val200"
    synthetic.build_synthetic(path, classes=8, train_per_class=40, val_per_class=200, size=36, seed=1)
    return str(path)


@pytest.mark.parametrize("fields", [{}, {"random_frozen": 3}], ids=["whole", "random-frozen"])
def test_a_run_is_estimated_with_the_validation_images_it_keeps(many_validation_images, tmp_path, fields):
    """A run on the CPU keeps its validation crops (for a frozen net, its frozen layers' outputs of them) from its
    first evaluation on, where they take at most 64 MiB (training_run.KEEP_VALIDATION_BYTES): tracemalloc's peak
    over a run evaluating after each iteration was 1.4-2.6 times the larger of its needs, which left them out."""
    train = config.TrainConfig(data=many_validation_images, preset="mini", half="A", batch_size=64, max_iter=2,
                               eval_every=1, eval_batch_size=64, quiet=True, device="cpu", seed=0,
                               out=str(tmp_path / "run.h5"), **fields)
    plan = config.resolve(train, checksums=False)
    estimate = max(need.bytes for need in preflight_memory.memory_needs(plan, transfer.build_net(plan)))
    _, measured = _peak(lambda: training.train(dataclasses.replace(train, overwrite=True)))
    assert abs(estimate - measured) <= TOLERANCE * measured, (estimate, measured)
