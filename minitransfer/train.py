"""The training loop: one network of the paper's grid (baseA, AnB, AnB+, BnB, random-frozen ...).

``train(TrainConfig(...))`` is what ``minitransfer train`` runs; experiments call it directly.

Files. The weights file ``out`` (e.g. ``baseA.h5``) is written once, at the end. Beside it, the
*run directory* ``<out without suffix>.run/`` (``baseA.run/``) holds:

    config.json      the fully resolved configuration (every default filled in)
    metrics.jsonl    one JSON object every log_every iterations ({"iteration", "loss", "top1", "lr",
                     "seconds"}: that iteration's batch loss and top-1, as Caffe displays them)
                     and per evaluation ({"event": "eval", "iteration", "top1", "top5", "loss"})
    eval.csv         iteration,top1,top5,loss: one row per evaluation on the half's val images
    checkpoint.h5    the latest resumable checkpoint (weights + momentum + iteration + data cursor)
    result.json      final, best and mean-of-10-best top-1 (the paper's metric), and more

Schedule. The defaults are the paper's solver for CaffeNet (450,000 iterations, step every
100,000). A shorter ``max_iter`` keeps the shape: unless ``stepsize`` is given it becomes
round(100000 · max_iter / 450000). The ``mini`` preset defaults to 300 iterations of batch 64.

Transfer. ``copy_from`` + ``n`` copies weight layers 1..n from a checkpoint (shape-checked) and
leaves n+1..8 at their Caffe fillers; ``frozen`` freezes the copied layers (AnB), otherwise they
fine-tune (AnB+). ``random_frozen`` n freezes the first n layers at their random start. The mean
image follows the copied layers: a transfer run subtracts the base checkpoint's mean. Copying from
a base trained on half A trains on half B of the same split unless ``half`` says otherwise.

Stopping. SIGINT/SIGTERM finish the current iteration, write ``checkpoint.h5`` and raise
:class:`Interrupted` (exit code 75); ``resume="auto"`` continues from it bit for bit. A non-finite
loss raises :class:`Diverged` with the layers' weight norms and the learning rate, before any
update or checkpoint, so the last good checkpoint stays intact.
"""

import contextlib
import csv
import dataclasses
import hashlib
import json
import math
import pathlib
import signal
import sys
import threading
import time

import numpy as np

from minitransfer import checkpoint as checkpoints
from minitransfer import cuda, fileio, models, optim
from minitransfer.data import dataset as datasets
from minitransfer.data import loader as loaders
from minitransfer.data import splits, synthetic
from minitransfer.layers import to_numpy
from minitransfer.ops import softmax_cross_entropy

HALVES = ("A", "B")
SPLIT_KINDS = ("random", "natural", "all")
DEVICES = ("auto", "cpu", "cuda")
MAX_TRANSFERRED = 7  # n counts weight layers 1..7; n = 8 would be the base network itself (paper, footnote 2)
# Fields that may change between an interrupted run and its resumption (they do not affect the numbers).
RESUME_FREE_FIELDS = ("resume", "overwrite", "device", "workers", "progress", "quiet", "log_every")


class ConfigError(ValueError):
    """The configuration is invalid or contradicts itself (command line: exit code 2)."""


class DataMismatch(ValueError):
    """The dataset does not fit the checkpoint: other classes, other image size (exit code 65)."""


class Diverged(RuntimeError):
    """The loss became non-finite; the message carries the diagnostic (exit code 1)."""


class Interrupted(Exception):
    """SIGINT or SIGTERM stopped the run after writing a checkpoint (exit code 75)."""

    def __init__(self, message, checkpoint_path, iteration):
        super().__init__(message)
        self.checkpoint_path = checkpoint_path
        self.iteration = iteration


@dataclasses.dataclass
class TrainConfig:
    """Everything a training run depends on. ``None`` means "the sensible default" (see
    :func:`resolve`); the resolved configuration is recorded in the run directory and checkpoints."""

    out: str = None                  # weights file; default: the paper's name (baseA.h5, A4B.h5, A4B+.h5 ...)
    data: str = None                 # dataset directory; None: the built-in synthetic set
    split: str = None                # random | natural | all; default: the base's, else random
    half: str = None                 # A | B; default: the other half of the base's, else A
    split_seed: int = None           # default: the base's, else 0
    per_class: int = None            # at most this many training images per class
    seed: int = 0                    # initialisation, data order, crops, dropout
    preset: str = None               # caffenet | mini; default: the base's, else by image size
    fc8_outputs: int = None          # default: the number of classes of the half
    copy_from: str = None            # checkpoint to copy layers 1..n from
    n: int = None                    # 1..7 layers copied (with copy_from)
    frozen: bool = False             # freeze the copied layers (AnB) instead of fine-tuning (AnB+)
    random_frozen: int = None        # 1..7: first n layers frozen at their random initialisation
    base_lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 0.0005
    gamma: float = 0.1
    stepsize: int = None             # default: 100000 scaled by max_iter/450000
    max_iter: int = None             # default: the preset's (450000 CaffeNet, 300 mini)
    batch_size: int = None           # default: the preset's (256 CaffeNet, 64 mini)
    eval_every: int = None           # default: the preset's
    eval_batch_size: int = None      # default: batch_size
    checkpoint_every: int = None     # default: the preset's
    log_every: int = None            # default: 20 (10 for mini)
    resume: str = None               # None, "auto" or a checkpoint path
    overwrite: bool = False          # start over even if out / the run's checkpoint exist
    device: str = "auto"             # auto | cpu | cuda
    workers: int = 0                 # loader worker processes
    progress: bool = None            # progress bar; default: when stderr is a terminal
    quiet: bool = False              # no output at all

    def to_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass
class TrainResult:
    """What a finished run reports (also written to ``result.json``)."""

    out: str
    run_dir: str
    iterations: int
    final: dict                      # last evaluation: top1, top5, loss
    best_top1: float
    mean10_top1: float               # the paper's metric: mean of the 10 best evaluations' top-1
    evaluations: int
    seconds: float
    ms_per_iteration: float

    def to_dict(self):
        return dataclasses.asdict(self)


def run_dir_for(out):
    """The run directory of weights file ``out``: ``baseA.h5`` → ``baseA.run``."""
    out = pathlib.Path(out)
    return out.with_name(out.stem + ".run") if out.suffix else out.with_name(out.name + ".run")


# ------------------------------------------------------------------------------------------
# Resolution: every default filled in and every input checked before anything is written.


@dataclasses.dataclass
class Plan:
    config: TrainConfig              # resolved
    dataset: object
    half: object
    preset: models.Preset
    solver: optim.Solver
    device: str
    mean: np.ndarray
    mean_source: dict
    parent: checkpoints.Checkpoint   # or None
    resume_from: checkpoints.Checkpoint  # or None
    run_dir: pathlib.Path
    classes: list


def resolve_device(device):
    """"auto" → "cuda" when CuPy sees a device, else "cpu"; "cuda" without one is an error."""
    if device not in DEVICES:
        raise ConfigError(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
    if device == "auto":
        return "cuda" if cuda.cuda_available() else "cpu"
    if device == "cuda":
        cuda.cupy()
    return device


def _check_int(name, value, low, high=None):
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low or (high and value > high):
        bound = f"{low}..{high}" if high else f">= {low}"
        raise ConfigError(f"{name} must be an integer {bound}, got {value!r}")


def class_table(dataset, class_indices):
    """[{index, wnid, name}] of the given original class indices, in that order."""
    by_index = {int(c["index"]): c for c in dataset.classes}
    return [{"index": int(i), "wnid": str(by_index[int(i)]["wnid"]), "name": str(by_index[int(i)]["name"])}
            for i in class_indices]


def classes_sha256(dataset):
    """sha256 of the dataset's whole class table as (index, wnid) pairs: which classes a split splits."""
    table = sorted((int(c["index"]), str(c["wnid"])) for c in dataset.classes)
    return hashlib.sha256(json.dumps(table).encode()).hexdigest()


def _check_same_classes(parent, dataset):
    """A transfer splits the base's dataset: the target dataset must have the same class table."""
    recorded = parent.meta.get("dataset_classes_sha256")
    if recorded and recorded != classes_sha256(dataset):
        raise DataMismatch(
            f"base checkpoint {parent.path} was trained on a dataset with other classes than {dataset.path} "
            f"({dataset.num_classes} classes here); "
            f"its halves would not be the halves of this dataset (pass --data with the base's dataset)")


def _check_classes_exist(checkpoint, dataset, what):
    """Every class the checkpoint was trained on must be in the dataset under the same index and wnid."""
    by_index = {int(c["index"]): str(c["wnid"]) for c in dataset.classes}
    for entry in checkpoint.classes:
        if by_index.get(int(entry["index"])) != entry["wnid"]:
            raise DataMismatch(
                f"{what} {checkpoint.path} was trained on classes this dataset ({dataset.path}) does not have: "
                f"class {entry['index']} is {entry['wnid']!r} ({entry['name']}) in the checkpoint, "
                f"{by_index.get(int(entry['index'])) or 'absent'} in the dataset"
            )


def resolve(config):
    """Check ``config`` against the data and checkpoints and fill in every default; writes nothing
    (except building the built-in synthetic dataset on first use). Returns a :class:`Plan`."""
    c = dataclasses.replace(config)
    if c.split is not None and c.split not in SPLIT_KINDS:
        raise ConfigError(f"split must be one of {', '.join(SPLIT_KINDS)}, got {c.split!r}")
    if c.half is not None and c.half not in HALVES:
        raise ConfigError(f"half must be A or B, got {c.half!r}")
    if c.preset is not None and c.preset not in models.PRESETS:
        raise ConfigError(f"preset must be one of {', '.join(models.PRESETS)}, got {c.preset!r}")
    for name in ("max_iter", "batch_size", "eval_every", "eval_batch_size", "checkpoint_every", "stepsize",
                 "log_every", "fc8_outputs", "per_class"):
        _check_int(name, getattr(c, name), 1)
    _check_int("seed", c.seed, 0)
    _check_int("split_seed", c.split_seed, 0)
    _check_int("workers", c.workers, 0)
    _check_int("n", c.n, 1, MAX_TRANSFERRED)
    _check_int("random_frozen", c.random_frozen, 1, MAX_TRANSFERRED)
    if c.n is not None and c.copy_from is None:
        raise ConfigError("n (layers to copy) needs copy_from (the checkpoint to copy them from)")
    if c.copy_from is not None and c.n is None:
        raise ConfigError("copy_from needs n, the number of layers to copy (1..7)")
    if c.frozen and c.copy_from is None:
        raise ConfigError("frozen applies to copied layers and needs copy_from and n (see random_frozen)")
    if c.random_frozen is not None and c.copy_from is not None:
        raise ConfigError("random_frozen and copy_from exclude each other")
    if c.resume not in (None, "auto") and not pathlib.Path(c.resume).is_file():
        raise ConfigError(f"resume must be 'auto' or an existing checkpoint, got {c.resume!r}")
    device = resolve_device(c.device)

    parent = checkpoints.load(c.copy_from, solver=False) if c.copy_from is not None else None

    c.data = str(pathlib.Path(c.data if c.data is not None else synthetic.builtin_dataset()).resolve())
    dataset = datasets.open_dataset(c.data)
    if parent is not None:
        _check_classes_exist(parent, dataset, "base checkpoint")
        _check_same_classes(parent, dataset)
        c.split = c.split or parent.meta["split_kind"] or "random"
        c.split_seed = c.split_seed if c.split_seed is not None else int(parent.meta["split_seed"])
        if c.half is None and c.split != "all":
            parent_half = parent.meta["split_half"] if parent.meta["split_kind"] == c.split else ""
            c.half = {"A": "B", "B": "A"}.get(parent_half, "A")
    c.split = c.split or "random"
    c.split_seed = 0 if c.split_seed is None else c.split_seed
    if c.split == "all":
        if c.half is not None:
            raise ConfigError("split 'all' has no halves; leave half unset")
    else:
        c.half = c.half or "A"
    try:
        half = splits.make_half(dataset, c.split, seed=c.split_seed, half=c.half, per_class=c.per_class,
                                per_class_seed=c.seed if c.per_class else None)
    except datasets.DatasetError:  # a ValueError too, but bad data rather than a bad configuration
        raise
    except ValueError as error:
        raise ConfigError(str(error)) from error

    if parent is not None:
        if c.preset is None:
            c.preset = parent.preset
    elif c.preset is None:
        c.preset = models.preset_for_image_size(dataset.image_size).name
    preset = models.PRESETS[c.preset]
    if min(dataset.image_size) < preset.crop:
        raise ConfigError(f"preset {preset.name} takes {preset.crop}x{preset.crop} crops but the images of "
                          f"{dataset.path} are {dataset.image_size[0]}x{dataset.image_size[1]}")
    c.fc8_outputs = c.fc8_outputs or half.num_classes
    if c.fc8_outputs < half.num_classes:
        raise ConfigError(f"fc8_outputs {c.fc8_outputs} is fewer than the {half.num_classes} classes of the half")
    if parent is not None:
        probe = preset.build(c.fc8_outputs)
        checkpoints.check_architecture(parent, probe, layers=probe.weight_layer_names[: c.n])
    c.max_iter = c.max_iter or preset.max_iter
    c.stepsize = c.stepsize or optim.scaled_stepsize(c.max_iter)
    c.batch_size = c.batch_size or preset.batch_size
    c.eval_batch_size = c.eval_batch_size or c.batch_size
    c.eval_every = c.eval_every or preset.eval_every
    c.checkpoint_every = c.checkpoint_every or preset.checkpoint_every
    c.log_every = c.log_every or (10 if preset.name == "mini" else 20)
    if c.progress is None:
        c.progress = sys.stderr.isatty() and not c.quiet
    try:
        solver = optim.Solver(base_lr=c.base_lr, momentum=c.momentum, weight_decay=c.weight_decay,
                              gamma=c.gamma, stepsize=c.stepsize, max_iter=c.max_iter)
    except ValueError as error:
        raise ConfigError(str(error)) from error

    if parent is not None:
        if parent.mean is None:
            raise checkpoints.CheckpointError(f"checkpoint {parent.path} has no /mean image to go with its layers")
        mean = parent.mean
        mean_source = {"kind": "checkpoint", "checkpoint": str(parent.path), "sha256": parent.sha256,
                       "from": parent.meta.get("mean_source", {})}
    else:
        mean = dataset.mean()
        mean_source = {"kind": "dataset", "dataset": c.data, "fingerprint": dataset.fingerprint}
    if tuple(mean.shape) != (*dataset.image_size, 3):
        raise DataMismatch(f"the mean image of {mean_source.get('checkpoint', c.data)} is "
                           f"{mean.shape[0]}x{mean.shape[1]}, the images of {dataset.path} are "
                           f"{dataset.image_size[0]}x{dataset.image_size[1]}")

    c.out = c.out or default_out(c, parent)
    run_dir = run_dir_for(c.out)
    classes = class_table(dataset, half.class_indices)
    resume_from = None
    run_checkpoint = run_dir / "checkpoint.h5"
    if c.resume == "auto" and run_checkpoint.exists():
        resume_from = checkpoints.load(run_checkpoint)
    elif c.resume not in (None, "auto"):
        resume_from = checkpoints.load(c.resume)
    if resume_from is not None:
        _check_resumable(resume_from, c, classes)
    elif not c.overwrite:
        for existing in (pathlib.Path(c.out), run_checkpoint):
            if existing.exists():
                raise ConfigError(f"{existing} exists; resume it (resume='auto', --resume auto) or start over "
                                  f"(overwrite=True, --overwrite)")
    return Plan(config=c, dataset=dataset, half=half, preset=preset, solver=solver, device=device, mean=mean,
                mean_source=mean_source, parent=parent, resume_from=resume_from, run_dir=run_dir, classes=classes)


def default_out(config, parent):
    """The paper's name for the network (Figure 1): ``baseA.h5``, ``A4B.h5`` (frozen), ``A4B+.h5``
    (fine-tuned), ``random2B.h5``; prefixed with the split kind unless it is "random"."""
    target = config.half or "all"
    if parent is not None:
        name = f"{parent.meta.get('split_half') or 'X'}{config.n}{target}{'' if config.frozen else '+'}"
    elif config.random_frozen is not None:
        name = f"random{config.random_frozen}{target}"
    else:
        name = f"base{target}"
    prefix = "" if config.split == "random" else f"{config.split}-"
    return f"{prefix}{name}.h5"


def _check_resumable(saved, config, classes):
    if saved.solver is None:
        raise checkpoints.CheckpointError(f"checkpoint {saved.path} has no solver state; it cannot be resumed")
    if saved.classes != classes:
        raise DataMismatch(f"checkpoint {saved.path} was trained on other classes than the half this "
                           f"configuration selects ({len(saved.classes)} vs {len(classes)} classes)")
    stored = dict(saved.meta.get("config", {}))
    current = config.to_dict()
    differ = [key for key in current if key not in RESUME_FREE_FIELDS and stored.get(key) != current[key]]
    if differ:
        listed = ", ".join(f"{key} {stored.get(key)!r} -> {current[key]!r}" for key in differ)
        raise ConfigError(f"cannot resume {saved.path} with a different configuration: {listed}")


# ------------------------------------------------------------------------------------------
# Building the network.


def build_net(plan):
    """The network of the plan: initialised, layers copied / frozen, on the plan's device."""
    c = plan.config
    net = plan.preset.build(c.fc8_outputs)
    net.initialize(c.seed)
    names = net.weight_layer_names
    if plan.parent is not None:
        copy_layers(net, plan.parent, c.n)
        net.freeze(c.n if c.frozen else 0)
    elif c.random_frozen is not None:
        net.freeze(c.random_frozen)
    if plan.resume_from is not None:
        saved = plan.resume_from
        for name in names:
            layer = net.layer(name)
            layer.set_weights(*saved.weights[name])
            vw, vb = saved.solver.velocity[name]
            layer.weight.velocity[...] = vw
            layer.bias.velocity[...] = vb
    return net.to(plan.device)


def copy_layers(net, source, n):
    """Copy weight layers 1..n of checkpoint ``source`` into ``net`` (shapes checked); the rest keep
    their fillers."""
    names = net.weight_layer_names[:n]
    checkpoints.check_architecture(source, net, layers=names)
    for name in names:
        net.layer(name).set_weights(*source.weights[name])


def _checkpoint_of(net, plan, iteration, cursor):
    c = plan.config
    parent = plan.parent
    n_frozen = sum(net.frozen)
    meta = {
        "classes": plan.classes,
        "dataset_fingerprint": plan.dataset.fingerprint,
        "dataset_classes_sha256": classes_sha256(plan.dataset),
        "split_kind": c.split, "split_seed": int(c.split_seed), "split_half": c.half or "",
        "n_copied": int(c.n or 0), "n_frozen": int(n_frozen),
        "frozen_layers": [layer.name for layer in net.weight_layers if layer.frozen],
        "random_frozen": c.random_frozen is not None,
        "parent_sha256": parent.sha256 if parent is not None else "",
        "mean_source": plan.mean_source,
        "iteration": int(iteration),
        "config": c.to_dict(),
    }
    velocity = {layer.name: (to_numpy(layer.weight.velocity), to_numpy(layer.bias.velocity))
                for layer in net.weight_layers}
    return checkpoints.Checkpoint(
        preset=net.preset, weights=net.weights(),
        frozen={layer.name: layer.frozen for layer in net.weight_layers}, meta=meta, mean=plan.mean,
        solver=checkpoints.Solver(iteration=int(iteration), seed=int(c.seed), cursor=cursor, velocity=velocity),
    )


# ------------------------------------------------------------------------------------------
# Evaluation.


def evaluate(net, batches):
    """Top-1, top-5 and mean loss of ``net`` over ``batches`` of (x, labels) (evaluation mode)."""
    k5 = min(5, net.num_outputs)
    images = 0
    sums = {"top1": 0.0, "top5": 0.0, "loss": 0.0}
    for x, labels in batches:
        loss, logits = net.forward(x, labels, train=False)
        count = int(labels.shape[0])
        sums["loss"] += float(loss) * count
        sums["top1"] += float(softmax_cross_entropy.accuracy(logits, labels, 1)) * count
        sums["top5"] += float(softmax_cross_entropy.accuracy(logits, labels, k5)) * count
        images += count
    if images == 0:
        raise DataMismatch("evaluation set is empty")
    return {key: value / images for key, value in sums.items()} | {"images": images}


def _eval_loader(plan, subset="val"):
    indices = plan.half.val_indices if subset == "val" else plan.half.train_indices
    labels = plan.half.val_labels if subset == "val" else plan.half.train_labels
    return loaders.BatchLoader(plan.dataset, subset, indices, labels, plan.config.eval_batch_size,
                               plan.preset.crop, train=False, seed=plan.config.seed, mean=plan.mean,
                               device=plan.device, workers=0)


def summarize(rows):
    """final / best / mean-of-10-best top-1 from eval rows (dicts with iteration, top1, top5, loss)."""
    if not rows:
        return {"final": {}, "best_top1": float("nan"), "mean10_top1": float("nan"), "evaluations": 0}
    best = sorted((row["top1"] for row in rows), reverse=True)
    final = max(rows, key=lambda row: row["iteration"])
    return {"final": {k: final[k] for k in ("iteration", "top1", "top5", "loss")}, "best_top1": best[0],
            "mean10_top1": float(np.mean(best[:10])), "evaluations": len(rows)}


# ------------------------------------------------------------------------------------------
# Run-directory files.


class RunFiles:
    """metrics.jsonl and eval.csv of a run directory; on resume, rows after the checkpoint are dropped."""

    EVAL_COLUMNS = ("iteration", "top1", "top5", "loss")

    def __init__(self, run_dir, start_iteration, fresh):
        self.run_dir = pathlib.Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.metrics = self.run_dir / "metrics.jsonl"
        self.eval_csv = self.run_dir / "eval.csv"
        self.checkpoint = self.run_dir / "checkpoint.h5"
        self.result = self.run_dir / "result.json"
        if fresh:
            for path in (self.metrics, self.eval_csv, self.result, self.checkpoint):
                path.unlink(missing_ok=True)
        else:
            self._truncate(start_iteration)
        if not self.eval_csv.exists():
            self.eval_csv.write_text(",".join(self.EVAL_COLUMNS) + "\n")

    def _truncate(self, iteration):
        if self.metrics.exists():
            kept = [line for line in self.metrics.read_text().splitlines()
                    if line.strip() and json.loads(line).get("iteration", 0) <= iteration]
            fileio.write_text(self.metrics, "".join(line + "\n" for line in kept))
        rows = [row for row in self.eval_rows() if row["iteration"] <= iteration]
        fileio.write_text(self.eval_csv, ",".join(self.EVAL_COLUMNS) + "\n" + "".join(
            ",".join(repr(row[key]) for key in self.EVAL_COLUMNS) + "\n" for row in rows))

    def log(self, record):
        with open(self.metrics, "a") as stream:
            stream.write(json.dumps(record) + "\n")

    def add_eval(self, iteration, scores):
        row = {"iteration": int(iteration), **{k: float(scores[k]) for k in ("top1", "top5", "loss")}}
        with open(self.eval_csv, "a") as stream:
            stream.write(",".join(repr(row[key]) for key in self.EVAL_COLUMNS) + "\n")
        self.log({"event": "eval", **row})
        return row

    def eval_rows(self):
        if not self.eval_csv.exists():
            return []
        with open(self.eval_csv, newline="") as stream:
            return [{"iteration": int(r["iteration"]), "top1": float(r["top1"]), "top5": float(r["top5"]),
                     "loss": float(r["loss"])} for r in csv.DictReader(stream)]


# ------------------------------------------------------------------------------------------
# Output: a progress bar on a terminal, plain lines otherwise.


class Progress:
    def __init__(self, total, start, bar, quiet, every, stream=None):
        self.total, self.bar, self.quiet, self.every = total, bar, quiet, every
        self.stream = stream or sys.stderr
        self.started, self.start = time.perf_counter(), start

    def iteration(self, done, loss, lr):
        if self.quiet:
            return
        rate = (done - self.start) / max(time.perf_counter() - self.started, 1e-9)
        if self.bar:
            width = 30
            filled = int(width * done / self.total)
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} "
                              f"loss {loss:.4f} lr {lr:.3g} {rate:.1f} it/s ")
            self.stream.flush()
        elif done % self.every == 0 or done == self.total:
            self.line(f"iteration {done}/{self.total} loss {loss:.4f} lr {lr:.3g} {rate:.1f} it/s")

    def line(self, text):
        if self.quiet:
            return
        if self.bar:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self):
        if self.bar and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()


# ------------------------------------------------------------------------------------------
# Signals.


@contextlib.contextmanager
def _stop_requests():
    """Turn SIGINT / SIGTERM into a flag checked between iterations (main thread only)."""
    requested = []
    if threading.current_thread() is not threading.main_thread():
        yield requested
        return

    def handler(signum, frame):
        requested.append(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield requested
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


# ------------------------------------------------------------------------------------------
# The loop.


def _norm(a):
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.sqrt(np.sum(np.square(to_numpy(a), dtype=np.float64))))


def _diagnostic(net, iteration, what, lr, checkpoint_path):
    norms = "; ".join(f"{layer.name} |W| {_norm(layer.weight.data):.4g} |b| {_norm(layer.bias.data):.4g}"
                      for layer in net.weight_layers)
    last = f"the last good checkpoint is {checkpoint_path}" if checkpoint_path.exists() else "no checkpoint was written"
    return (f"{what} at iteration {iteration} (lr {lr:.4g}); weight norms: {norms}. "
            f"Lower base_lr or check the data; {last}.")


def _weights_finite(net):
    for param in net.params:
        xp = cuda.cupy() if cuda.is_cuda_array(param.data) else np
        if not bool(xp.isfinite(param.data).all()):
            return False
    return True


def _diverged(files, net, iteration, what, lr):
    message = _diagnostic(net, iteration, what, lr, files.checkpoint)
    files.log({"event": "diverged", "iteration": iteration, "lr": lr, "message": message})
    raise Diverged(message)


def train(config, on_iteration=None):
    """Train one network as ``config`` says; returns a :class:`TrainResult`.

    ``on_iteration(done)`` is called after each completed iteration (a hook for tests and
    notebooks). Raises :class:`ConfigError`, :class:`DataMismatch`,
    ``checkpoint.CheckpointError``, ``data.dataset.DatasetError``, :class:`Diverged` or
    :class:`Interrupted`.

    Example::

        from minitransfer.train import TrainConfig, train
        base = train(TrainConfig(out="baseA.h5", half="A", max_iter=200))
        a4b = train(TrainConfig(out="A4B.h5", copy_from="baseA.h5", n=4, frozen=True, max_iter=200))
        print(a4b.mean10_top1)
    """
    plan = resolve(config)
    c = plan.config
    net = build_net(plan)
    start = plan.resume_from.solver.iteration if plan.resume_from is not None else 0
    cursor = plan.resume_from.solver.cursor if plan.resume_from is not None else None
    files = RunFiles(plan.run_dir, start, fresh=plan.resume_from is None)
    fileio.write_text(plan.run_dir / "config.json", json.dumps(c.to_dict(), indent=2) + "\n")
    progress = Progress(c.max_iter, start, bar=c.progress, quiet=c.quiet, every=c.log_every)
    if plan.resume_from is not None:
        progress.line(f"resuming {plan.resume_from.path} at iteration {start}")
    progress.line(_describe_plan(plan, net))

    started = time.perf_counter()
    lr = optim.learning_rate(plan.solver, start)
    train_batches = loaders.BatchLoader(
        plan.dataset, "train", plan.half.train_indices, plan.half.train_labels, c.batch_size, plan.preset.crop,
        train=True, seed=c.seed, mean=plan.mean, device=plan.device, workers=c.workers, cursor=cursor)

    def save_checkpoint(done):
        if not _weights_finite(net):  # never replace the last good checkpoint with a broken one
            _diverged(files, net, done, "weights became non-finite", lr)
        checkpoints.save(files.checkpoint, _checkpoint_of(net, plan, done, train_batches.cursor))

    try:
        with _stop_requests() as stop, train_batches:
            batches = iter(train_batches)
            for iteration in range(start, c.max_iter):
                x, labels = next(batches)
                with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported below
                    loss, logits = net.forward(x, labels, train=True, iteration=iteration, seed=c.seed)
                    loss_value = float(loss)
                    if not math.isfinite(loss_value):
                        _diverged(files, net, iteration, f"loss became {loss_value}", lr)
                    net.backward()
                    lr = optim.step(net.params, plan.solver, iteration)
                done = iteration + 1
                if done % c.log_every == 0 or done == c.max_iter:
                    top1 = float(softmax_cross_entropy.accuracy(logits, labels, 1))
                    files.log({"iteration": done, "loss": loss_value, "top1": top1, "lr": lr,
                               "seconds": round(time.perf_counter() - started, 3)})
                progress.iteration(done, loss_value, lr)
                if done % c.eval_every == 0 or done == c.max_iter:
                    with _eval_loader(plan) as val:
                        row = files.add_eval(done, evaluate(net, val))
                    progress.line(f"eval at {done}: top-1 {row['top1']:.4f} top-5 {row['top5']:.4f} "
                                  f"loss {row['loss']:.4f}")
                if on_iteration is not None:
                    on_iteration(done)
                if stop and done < c.max_iter:
                    save_checkpoint(done)
                    raise Interrupted(f"{stop[0]}: stopped after iteration {done}; wrote {files.checkpoint}; "
                                      f"rerun with --resume auto to continue", files.checkpoint, done)
                if done % c.checkpoint_every == 0 or done == c.max_iter:
                    save_checkpoint(done)
            final = _checkpoint_of(net, plan, c.max_iter, train_batches.cursor)
    finally:
        progress.close()
    checkpoints.save(c.out, final)
    seconds = time.perf_counter() - started
    ran = c.max_iter - start
    result = TrainResult(out=str(c.out), run_dir=str(plan.run_dir), iterations=c.max_iter,
                         seconds=round(seconds, 3), ms_per_iteration=round(1000 * seconds / max(ran, 1), 3),
                         **summarize(files.eval_rows()))
    fileio.write_text(files.result, json.dumps(result.to_dict(), indent=2) + "\n")
    progress.line(f"done: final top-1 {result.final.get('top1', float('nan')):.4f}, best {result.best_top1:.4f}, "
                  f"mean of 10 best {result.mean10_top1:.4f}; weights in {c.out}, run files in {plan.run_dir}")
    return result


def _describe_plan(plan, net):
    c = plan.config
    what = "base"
    if c.copy_from:
        what = f"copy {c.n} layers from {c.copy_from} ({'frozen' if c.frozen else 'fine-tuned'})"
    elif c.random_frozen:
        what = f"first {c.random_frozen} layers random and frozen"
    half = f"half {c.half}" if c.half else "all classes"
    return (f"{net.preset} ({net.parameter_count():,} parameters) on {plan.device}; {what}; split {c.split} "
            f"seed {c.split_seed} {half} ({plan.half.num_classes} classes); {c.max_iter} iterations of batch "
            f"{c.batch_size}, lr {c.base_lr} x{c.gamma} every {c.stepsize}")


# ------------------------------------------------------------------------------------------
# Evaluating a checkpoint (``minitransfer eval``).


def load_net(saved, device="cpu"):
    """The network stored in checkpoint ``saved`` (weights and frozen flags), on ``device``."""
    if saved.preset not in models.PRESETS:
        raise checkpoints.CheckpointError(f"checkpoint {saved.path}: unknown preset {saved.preset!r}")
    num_outputs = saved.weights[list(saved.weights)[-1]][0].shape[0]
    net = models.PRESETS[saved.preset].build(num_outputs)
    checkpoints.check_architecture(saved, net)
    for name in net.weight_layer_names:
        net.layer(name).set_weights(*saved.weights[name])
        net.layer(name).frozen = saved.frozen.get(name, False)
    return net.to(device)


def evaluate_checkpoint(path, data=None, subset="val", device="auto", batch_size=None):
    """Top-1 / top-5 / loss of a checkpoint on its half's ``subset`` images (centre crops).

    The half is rebuilt from the split recorded in the checkpoint; ``data`` defaults to the
    dataset it was trained on. Raises :class:`DataMismatch` when the classes differ.
    """
    if subset not in ("train", "val"):
        raise ConfigError(f"subset must be train or val, got {subset!r}")
    saved = checkpoints.load(path, solver=False)
    stored = saved.meta.get("config", {})
    data = data or stored.get("data") or synthetic.builtin_dataset()
    dataset = datasets.open_dataset(data)
    _check_classes_exist(saved, dataset, "checkpoint")
    kind = saved.meta.get("split_kind") or "all"
    half = splits.make_half(dataset, kind, seed=int(saved.meta.get("split_seed", 0)),
                            half=saved.meta.get("split_half") or None)
    if class_table(dataset, half.class_indices) != saved.classes:
        raise DataMismatch(f"checkpoint {path} was trained on {len(saved.classes)} classes; split {kind} half "
                           f"{half.half} of {dataset.path} has {half.num_classes} other ones")
    preset = models.PRESETS.get(saved.preset)
    mean = saved.mean if saved.mean is not None else dataset.mean()
    if tuple(mean.shape) != (*dataset.image_size, 3):
        raise DataMismatch(f"checkpoint {path} has a {mean.shape[0]}x{mean.shape[1]} mean image, the images of "
                           f"{dataset.path} are {dataset.image_size[0]}x{dataset.image_size[1]}")
    device = resolve_device(device)
    net = load_net(saved, device)
    batch_size = batch_size or stored.get("eval_batch_size") or preset.batch_size
    indices = half.val_indices if subset == "val" else half.train_indices
    labels = half.val_labels if subset == "val" else half.train_labels
    with loaders.BatchLoader(dataset, subset, indices, labels, batch_size, preset.crop, train=False,
                             mean=mean, device=device) as batches:
        scores = evaluate(net, batches)
    return {"checkpoint": str(path), "data": str(dataset.path), "subset": subset, **scores}


def describe_checkpoint(path):
    """A JSON-serialisable summary of a checkpoint: layers, shapes, frozen flags and provenance."""
    saved = checkpoints.load(path)
    meta = saved.meta
    return {
        "path": str(path), "sha256": saved.sha256, "preset": saved.preset,
        "parameters": int(sum(w.size + b.size for w, b in saved.weights.values())),
        "layers": [{"name": name, "W": list(w.shape), "b": list(b.shape), "frozen": saved.frozen[name]}
                   for name, (w, b) in saved.weights.items()],
        "classes": len(meta["classes"]),
        "split": {"kind": meta["split_kind"], "seed": meta["split_seed"], "half": meta["split_half"]},
        "n_copied": meta["n_copied"], "n_frozen": meta["n_frozen"], "random_frozen": meta["random_frozen"],
        "parent_sha256": meta["parent_sha256"], "mean_source": meta["mean_source"],
        "iteration": meta["iteration"], "resumable": saved.solver is not None,
        "dataset_fingerprint": meta["dataset_fingerprint"],
        "config": meta["config"],
    }
