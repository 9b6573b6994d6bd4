"""The paper's grid of networks (Yosinski et al. 2014, §2 and §4): planning and local scheduling.

Every network of the grid is an ordinary ``minitransfer train`` run: weights ``OUT/<name>.h5`` and
its run directory ``OUT/<name>.run/`` (config.json, metrics.jsonl, eval.csv, checkpoint.h5,
result.json, written by ``train``), where the experiment adds ``treatment.json`` (which treatment
the run is) and ``train.log`` (the run's output). Names::

    random0/baseA  random0/baseB          base networks on the halves of random split seed 0
    random0/B3B    random0/B3B+           selffer, frozen / fine-tuned (first 3 layers of baseB)
    random0/A3B    random0/A3B+           transfer from A to B, frozen / fine-tuned
    random0/A3A ... random0/B3A+          the other direction (``both_directions``; B3A alone: ``reverse_layers``)
    natural/baseA  natural/A3B  natural/B3A   natural (A) / man-made (B) split, frozen transfers
    natural-1/...  all-1/...  cross-1/... further replicates (own bases and training seeds)
    all/base       all/random3            all classes; first 3 layers random and frozen (§4.3)
    all/reduced-0010                      all classes, 10 training images per class (supp. B)

A transfer or selffer run depends on the base it copies from. :mod:`minitransfer.scheduler` runs
the grid on this machine; :mod:`minitransfer.slurm` writes it as SLURM job arrays.
``OUT/experiment.json`` records the plan (:mod:`minitransfer.grid_plan_file` writes it). Where each
run stands is in :mod:`minitransfer.grid_status`, the GPUs a grid hands out in
:mod:`minitransfer.grid_gpus`, what a grid warns of before it trains in :mod:`minitransfer.grid_caveats`,
and the options its runs share, which it checks, in :mod:`minitransfer.grid_options`.
"""

import collections.abc
import dataclasses
import numbers
import pathlib
import re
import sys
import time

import numpy as np

from minitransfer import config, config_checks, config_wording, name_lists
from minitransfer.grid_options import ALL_CLASSES, SOURCE_DATA, check_options
from minitransfer.rundir import run_dir_for
from minitransfer.train_config import derived_seed

TREATMENT_FILE = "treatment.json"
PLAN_FILE = "experiment.json"
SLURM_SCRIPTS = "slurm_scripts"  # the plan's key of the folder of the SLURM scripts it was written for
PLAN_ID = "plan_id"  # the plan's key of its id: a task of SLURM scripts trains only while OUT's plan has theirs
CHECKPOINT_FILE = "checkpoint.h5"
LOG_FILE = "train.log"
EXIT_INTERRUPTED = 75
SPLITS = ("random", "natural")
HALVES = ("A", "B")
# A cross-dataset grid: the bases of its transfers are trained on another dataset (every class of
# it), "S" for source; its targets on this one ("T"); the options' key of the source dataset is
# grid_options.SOURCE_DATA.
CROSS, SOURCE, TARGET = "cross", "S", "T"
# A step of a grid's planning that goes through every run (checking what OUT holds, writing the plan)
# says how far it has got this often: a thousand runs' weights to hash or files to sync on a network
# disk took a minute without a word.
PROGRESS_SECONDS = 10


@dataclasses.dataclass(frozen=True)
class Run:
    """One network of the grid.

    ``kind``: "base", "selffer", "transfer", "random-frozen" or "reduced". ``target``: the half it
    is trained on ("A"/"B"; None for all classes); ``source``: the half its first ``n`` layers were
    trained on (None unless copied); ``parent``: the name of the run it copies from."""

    name: str
    kind: str
    split: str
    split_seed: int
    target: str = None
    source: str = None
    n: int = 0
    fine_tuned: bool = False
    per_class: int = None
    parent: str = None

    @property
    def label(self):
        """The paper's name: baseB, A3B, B3B+, random3, reduced-0010; all2all for a copy from every class
        onto every class of one dataset (trained by hand: the selffer of a transfer across datasets)."""
        if self.kind == "base":
            return f"base{self.target or ''}"
        if self.kind == "random-frozen":
            return f"random{self.n}"
        if self.kind == "reduced":
            return f"reduced-{self.per_class:04d}"
        return f"{self.source or 'all'}{self.n}{self.target or 'all'}{'+' if self.fine_tuned else ''}"

    @property
    def treatment(self):
        """The paper's aggregated treatment (its footnote 3: AnA counts as BnB and BnA as AnB):
        baseB, BnB, BnB+, AnB, AnB+, random, reduced; and "source", the base of a cross-dataset grid
        trained on the other dataset."""
        plus = "+" if self.fine_tuned else ""
        if self.kind == "base" and self.split == CROSS and self.target == SOURCE:
            return "source"
        return {"base": "baseB", "selffer": f"BnB{plus}", "transfer": f"AnB{plus}",
                "random-frozen": "random", "reduced": "reduced"}[self.kind]

    @property
    def base(self):
        """The base run this one copies from (its :attr:`parent`), or None."""
        return Run(self.parent, "base", self.split, self.split_seed, target=self.source) if self.parent else None

    def to_json(self):
        return dict(dataclasses.asdict(self), label=self.label, treatment=self.treatment)

    @classmethod
    def from_json(cls, record):
        fields = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in record.items() if key in fields})


def parse_layers(text, highest):
    """``"1-7"`` / ``"1,3,5"`` / ``"2-4,7"`` → sorted tuple of the n of the paper, each in 1..``highest``
    (the preset's copyable layers); ``()`` for a text without any. An empty entry beside others
    (``"1,,3"``: an n left out by a slip) and a number Python reads but a person would not write
    so (``"1_0"``, non-ASCII digits) are refused, not skipped or read: a ValueError that names no
    option, which its caller names (--layers, --random-frozen)."""
    parts = [part.strip() for part in str(text).split(",")]
    if not any(parts):
        return ()
    if not all(parts):
        raise ValueError(f"{text!r} has an empty entry between its commas (expected e.g. 1-7 or 1,3,5)")
    layers = set()
    for part in parts:
        match = _LAYER_RANGE.fullmatch(part)
        if match is None:
            raise ValueError(f"cannot read {part!r} in {text!r} (expected e.g. 1-7 or 1,3,5)")
        first, last = int(match["first"]), int(match["last"] or match["first"])
        if first > last:
            raise ValueError(f"{part!r} runs backwards (write {last}-{first})")
        if not 1 <= first <= last <= highest:
            raise ValueError(f"{part!r} is outside 1..{highest} {config.weight_layers_counted(highest)}")
        layers.update(range(first, last + 1))
    return tuple(sorted(layers))


_LAYER_RANGE = re.compile(r"(?P<first>[0-9]+)\s*(?:-\s*(?P<last>[0-9]+))?")


def plan_grid(random_seeds=(0,), natural=False, layers=tuple(range(1, 8)), both_directions=False,
              frozen=True, fine_tuned=True, selffer=True, random_frozen=(), per_class=(), cross=False, replicates=1,
              selffer_fine_tuned=True, reverse_layers=(), claim_seeds=()):
    """The list of runs, parents before children.

    For each random split seed: baseA, baseB, then for each n in ``layers`` the selffer BnB(+) and
    the transfer AnB(+) (``frozen`` and/or ``fine_tuned``; ``selffer_fine_tuned`` False leaves out
    BnB+); ``both_directions`` adds AnA(+) and BnA(+); ``reverse_layers`` adds only the frozen BnA
    at those n (twice the transfers where a claim needs them, compared with baseA).
    ``claim_seeds``: more random split seeds, each with only the networks that the claims about the
    lowest and the top n of ``layers`` compare: baseA, baseB, the frozen AnB and BnA at the lowest
    n, the frozen BnB and AnB at the top n, and with ``fine_tuned`` AnB+ at both (eight a split).
    ``natural``: baseA (natural), baseB (man-made) and the frozen transfers AnB and BnA (Figure 3).
    ``random_frozen``: layers n for the random-weights control, on all classes, with its base.
    ``per_class``: reduced-data runs on all classes (training images kept per class).
    ``cross``: transfer across datasets: cross/baseS on every class of the source dataset (the
    options' ``source_data``), cross/baseT on every class of this one, and for each n the transfers
    SnT(+) and the selffers TnT(+).
    ``replicates``: networks per point of the natural split, of the all-classes controls and of a
    cross-dataset grid, each with its own base and training seed (folders natural, natural-1, ...;
    all, all-1, ...; cross, cross-1, ...); a random split's replicates are its split seeds.
    Arguments it cannot plan (a flag that is not True or False, NumPy's too; layers, seeds or counts
    that are no sequence of integers in range, or repeat one; frozen and fine_tuned both False;
    reverse_layers outside layers; claim_seeds without layers or among random_seeds) are a
    ``ConfigError`` naming them (a ``ValueError``, as :func:`minitransfer.scheduler.run_grid`'s are)."""
    for name, flag in (("natural", natural), ("both_directions", both_directions), ("frozen", frozen),
                       ("fine_tuned", fine_tuned), ("selffer", selffer), ("cross", cross),
                       ("selffer_fine_tuned", selffer_fine_tuned)):
        config_checks.check_flag(name, flag, "plan_grid: ")
    if not (frozen or fine_tuned):
        raise config.ConfigError("plan_grid: at least one of frozen and fine_tuned must be planned")
    if isinstance(replicates, bool) or not isinstance(replicates, numbers.Integral) or replicates < 1:
        raise config.ConfigError(f"plan_grid: replicates must be >= 1, got {replicates!r}")
    layers, reverse_layers, random_frozen = (_integers(name, values, 1, high=None) for name, values in (
        ("layers", layers), ("reverse_layers", reverse_layers), ("random_frozen", random_frozen)))
    per_class = _integers("per_class", per_class, 1, config_checks.MAX_COUNT)  # as train takes it
    random_seeds, claim_seeds = _integers("random_seeds", random_seeds, 0), _integers("claim_seeds", claim_seeds, 0)
    if not set(reverse_layers) <= set(layers):
        raise config.ConfigError(f"plan_grid: reverse_layers {tuple(reverse_layers)} must be among the layers "
                                 f"{tuple(layers)}")
    if claim_seeds and not layers:
        raise config.ConfigError("plan_grid: claim_seeds compare networks at the lowest and top of the layers; "
                                 "give layers")
    if set(random_seeds) & set(claim_seeds):
        raise config.ConfigError(f"plan_grid: claim_seeds {tuple(claim_seeds)} overlap the random_seeds "
                                 f"{tuple(random_seeds)}")
    runs = []
    for seed in random_seeds:
        runs += _split_runs("random", seed, layers, both_directions, frozen, fine_tuned, selffer,
                            selffer_fine_tuned=selffer_fine_tuned, reverse_layers=reverse_layers)
    for seed in claim_seeds:
        runs += _claim_split_runs(seed, min(layers), max(layers), fine_tuned)
    for replicate in range(replicates if natural else 0):
        runs += _split_runs("natural", replicate, layers, True, True, False, False)
    for replicate in range(replicates if cross else 0):
        runs += _split_runs(CROSS, replicate, layers, False, frozen, fine_tuned, selffer, halves=(SOURCE, TARGET))
    for replicate in range(replicates if random_frozen or per_class else 0):
        folder = _folder("all", replicate)
        runs.append(Run(f"{folder}/base", "base", "all", replicate))
        runs += [Run(f"{folder}/random{n}", "random-frozen", "all", replicate, n=n) for n in random_frozen]
        runs += [Run(f"{folder}/reduced-{count:04d}", "reduced", "all", replicate, per_class=count)
                 for count in per_class]
    return runs


def _integers(name, values, low, high=config_checks.MAX_SEED):
    """``values`` (layers, seeds, counts) as a tuple of ints, each in ``low``..``high`` (a valid seed
    by default; no bound above for None: layers, which run_grid checks against the preset), none
    repeated (each network would be planned twice, and trained twice at once on a cluster)."""
    # a generator (range's, a comprehension's) read once: checked, then planned nothing; None: a TypeError
    given = tuple(values) if isinstance(values, collections.abc.Iterable) and not isinstance(values, str) else values
    if not isinstance(given, tuple) or not all(
            isinstance(value, numbers.Integral) and not isinstance(value, bool) and low <= value
            and (high is None or value <= high) for value in given):
        bound = f", each {low} or more" if high is None else f" in {low}..{high}"
        raise config.ConfigError(f"plan_grid: {name} must be a sequence of integers{bound}, got {values!r}")
    values = tuple(int(value) for value in given)
    repeated = sorted({value for value in values if values.count(value) > 1})
    if repeated:
        raise config.ConfigError(f"plan_grid: {name} repeat {'split seed' if name.endswith('seeds') else 'value'} "
                                 f"{', '.join(map(str, repeated))}")
    return values


def _folder(split, seed):
    """random3 for a random split; natural, natural-1, ... (all, all-1, ...) for replicates."""
    if split == "random":
        return f"random{seed}"
    return split if seed == 0 else f"{split}-{seed}"


def _split_runs(split, seed, layers, both_directions, frozen, fine_tuned, selffer, halves=HALVES,
                selffer_fine_tuned=True, reverse_layers=()):
    folder = _folder(split, seed)
    runs = _base_runs(folder, split, seed, halves)
    targets = halves if both_directions else halves[1:]
    for n in layers:
        for target in targets:
            other = halves[0] if target == halves[1] else halves[1]
            sources = ((target, "selffer"),) if selffer else ()
            for source, kind in sources + ((other, "transfer"),):
                for tuned in (False, True):
                    if (tuned and not fine_tuned) or (not tuned and not frozen) \
                            or (tuned and kind == "selffer" and not selffer_fine_tuned):
                        continue
                    runs.append(_copy_run(folder, kind, split, seed, source, n, target, tuned))
        if n in reverse_layers and not both_directions:
            runs.append(_copy_run(folder, "transfer", split, seed, halves[1], n, halves[0], False))
    return runs


def _claim_split_runs(seed, lowest, top, fine_tuned):
    folder = _folder("random", seed)
    copies = [("transfer", "A", lowest, "B", False), ("transfer", "B", lowest, "A", False),
              ("selffer", "B", top, "B", False), ("transfer", "A", top, "B", False)]
    copies += [("transfer", "A", n, "B", True) for n in (lowest, top) if fine_tuned]
    return _base_runs(folder, "random", seed, HALVES) + [
        _copy_run(folder, kind, "random", seed, source, n, target, tuned)
        for kind, source, n, target, tuned in dict.fromkeys(copies)]  # once each when lowest == top


def _base_runs(folder, split, seed, halves):
    """The base of each half of a split."""
    return [Run(f"{folder}/base{half}", "base", split, seed, target=half) for half in halves]


def _copy_run(folder, kind, split, seed, source, n, target, tuned):
    """The run ``source`` n ``target`` (+ when ``tuned``) of a split: the first n layers from its base ``source``."""
    return Run(f"{folder}/{source}{n}{target}{'+' if tuned else ''}", kind, split, seed, target=target,
               source=source, n=n, fine_tuned=tuned, parent=f"{folder}/base{source}")


def run_seed(seed, run):
    """A distinct, stable training seed per run (the upper layers' draws differ between runs)."""
    return derived_seed(seed, run.name)


def train_arguments(run, out, options):
    """The ``train`` arguments of ``run`` (after the command itself). ``options``: configuration
    fields shared by every run, name → value (``{"data": ..., "preset": "mini", "max_iter": 300}``),
    and under :data:`~minitransfer.grid_options.ALL_CLASSES` those that differ for the runs on every
    class; the seed (default 0) is made distinct per run."""
    return config_wording.command_line(dict(run_fields(run, out, options), resume="auto"))


def run_fields(run, out, options):
    """The configuration fields ``run`` is trained with (those the grid sets; the rest are train's
    defaults); options :func:`~minitransfer.grid_options.check_options` refuses, and a cross-dataset
    grid's source base without the options' source dataset, are a ``ConfigError``."""
    check_options(options)
    options = dict(options)
    source_data = options.pop(SOURCE_DATA, None)
    all_classes = options.pop(ALL_CLASSES, None) or {}
    if run.split == CROSS:  # every class of the source or of the target dataset
        if run.target == SOURCE and source_data is None:  # train would take its default, the built-in dataset
            raise config.ConfigError(f"run {run.name} trains on the source dataset of a cross-dataset grid: "
                                     f"give it (--source-data)")
        fields = {"split": "all", "data": source_data if run.target == SOURCE else options.get("data")}
        options.pop("data", None)
    else:
        fields = {"split": run.split, "split_seed": run.split_seed if run.split == "random" else None,
                  "half": run.target}
    if run.parent:
        fields.update(copy_from=str(weights_path(out, run.parent)), n=run.n, frozen=not run.fine_tuned)
    if run.kind == "random-frozen":
        fields["random_frozen"] = run.n
    fields["per_class"] = run.per_class
    fields.update(options)
    if run.split == "all":
        fields.update(all_classes)
    fields["seed"] = run_seed(int(options.get("seed") or 0), run)
    fields["out"] = str(weights_path(out, run.name))
    # a notebook's NumPy numbers as train() takes them (np.float32(0.01) is 0.009999999776482582, whose
    # str() would give its runs 0.01): the grid's runs train with the values train() would record
    return {name: value.item() if isinstance(value, np.generic) else value for name, value in fields.items()}


some_names = name_lists.some_names  # the grid's modules' name for it, as before it moved to name_lists


def weights_path(out, name):
    """``OUT/random0/A3B.h5``: where the run called ``name`` writes its weights."""
    return pathlib.Path(out) / f"{name}.h5"


def run_dir(out, run):
    """``OUT/random0/A3B.run``: the run's directory (``train`` puts it beside the weights)."""
    return run_dir_for(weights_path(out, run.name))


def default_train_command():
    """How to call ``minitransfer`` from a subprocess: the installed script beside this Python when
    there is one, else the same Python running the package (``python -m minitransfer``). Both answer a
    stop from the command's first instant (:func:`minitransfer.stopping.stop_as_it_starts`): a run
    the grid or SLURM stops as it starts exits 75, not 143."""
    script = pathlib.Path(sys.executable).with_name("minitransfer")
    if script.exists():
        return [str(script), "train"]
    return [sys.executable, "-m", "minitransfer", "train"]


def counted(runs, what, progress):
    """``runs``, one by one, telling ``progress`` (a callable taking a line, or None) every
    :data:`PROGRESS_SECONDS` "WHAT: K of N runs" while they last."""
    runs = list(runs)
    last = time.monotonic()
    for index, run in enumerate(runs):
        if progress is not None and time.monotonic() - last >= PROGRESS_SECONDS:
            progress(f"{what}: {index} of {len(runs)} runs")
            last = time.monotonic()
        yield run
