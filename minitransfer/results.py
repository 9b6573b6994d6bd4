"""The trained networks of a grid, read back from their run directories, and the paper's own runs.

Everything is read from the runs themselves: each ``*.run/`` directory under RUNS with a
``result.json`` (written by ``train``: final / best / mean-of-10-best top-1) is one network, and its
treatment comes from ``treatment.json`` (written by ``experiment``) or, for a run trained by hand,
from its ``config.json`` (split, half, copy_from, n, frozen, random_frozen, per_class).

Treatments as in the paper (footnote 3 of §4.1: AnA counts as BnB and BnA as AnB): baseB (every
base of a random split), BnB and BnB+ (selffer, frozen / fine-tuned), AnB and AnB+ (transfer),
random (first n layers random and frozen, all classes), reduced (fewer images).

:func:`read_reference` reads the original runs' numbers (``run<TAB>mean_top10_val_top1<TAB>...``,
the run names of yosinski/convnet_transfer: half0A, transfer0A0B_1_3, transfer-ft0A0B_1_3,
transfernatmanAB_1_3, nolearn_1_3, netbase, reduced-0010).
"""

import csv
import dataclasses
import json
import math
import os
import pathlib
import re

from minitransfer.experiment import CROSS, RESULT_FILE, SOURCE, TARGET, TREATMENT_FILE, Run


class BadReference(ValueError):
    """The ``--reference`` file cannot be read as the paper's runs (exit code 65)."""


@dataclasses.dataclass(frozen=True)
class Result:
    """One trained network: its treatment (as :class:`minitransfer.experiment.Run`) and accuracies."""

    run: Run
    final_top1: float
    best_top1: float
    mean10_top1: float
    evaluations: int

    def row(self):
        r = self.run
        return {"run": r.name, "label": r.label, "treatment": r.treatment, "split": r.split,
                "split_seed": r.split_seed if r.split == "random" else "", "target": r.target or "",
                "n": r.n, "final_top1": self.final_top1, "best_top1": self.best_top1,
                "mean10_top1": self.mean10_top1, "evaluations": self.evaluations}


def collect(runs_dir):
    """``(results, unfinished)``: every ``*.run`` directory under ``runs_dir`` with a result, sorted
    by name, and the names of planned runs without one."""
    runs_dir = pathlib.Path(runs_dir)
    results, unfinished = [], []
    for folder in sorted(runs_dir.rglob("*.run")):
        if not folder.is_dir():
            continue
        name = folder.relative_to(runs_dir).with_suffix("").as_posix()
        if not (folder / RESULT_FILE).is_file():
            if (folder / TREATMENT_FILE).is_file() or (folder / "config.json").is_file():
                unfinished.append(name)
            continue
        result = json.loads((folder / RESULT_FILE).read_text())
        run = _treatment(folder, name)
        results.append(Result(run, float(result.get("final", {}).get("top1", math.nan)),
                              float(result.get("best_top1", math.nan)), float(result.get("mean10_top1", math.nan)),
                              int(result.get("evaluations", 0))))
    return results, unfinished


def _treatment(folder, name):
    if (folder / TREATMENT_FILE).is_file():
        return dataclasses.replace(Run.from_json(json.loads((folder / TREATMENT_FILE).read_text())), name=name)
    config = json.loads((folder / "config.json").read_text())
    split, seed, half = config.get("split") or "random", int(config.get("split_seed") or 0), config.get("half")
    if config.get("copy_from"):
        parent = _config_of(pathlib.Path(config["copy_from"]))
        if not _same_path(parent.get("data"), config.get("data")):  # a base trained on another dataset
            return Run(name, "transfer", CROSS, 0, target=TARGET, source=SOURCE, n=int(config["n"]),
                       fine_tuned=not config.get("frozen"))
        source = parent.get("half")
        kind = "selffer" if source == half else "transfer"
        return Run(name, kind, split, seed, target=half, source=source, n=int(config["n"]),
                   fine_tuned=not config.get("frozen"))
    if config.get("random_frozen"):
        return Run(name, "random-frozen", split, seed, target=half, n=int(config["random_frozen"]))
    if config.get("per_class"):
        return Run(name, "reduced", split, seed, target=half, per_class=int(config["per_class"]))
    return Run(name, "base", split, seed, target=half)


def _config_of(weights):
    """The training configuration of a checkpoint: its run's config.json, else its HDF5 attribute."""
    config = weights.with_name(weights.stem + ".run") / "config.json"
    if config.is_file():
        return json.loads(config.read_text())
    import h5py

    with h5py.File(weights, "r") as f:
        return json.loads(f.attrs.get("config", "{}"))


def _same_path(a, b):
    return a is None or b is None or os.path.realpath(a) == os.path.realpath(b)


REFERENCE_PATTERNS = (
    (re.compile(r"half(\d)([AB])$"), lambda m: Run(m[0], "base", "random", int(m[1]), target=m[2])),
    (re.compile(r"halfnatman([AB])$"), lambda m: Run(m[0], "base", "natural", 0, target=m[1])),
    (re.compile(r"netbase$"), lambda m: Run(m[0], "base", "all", 0)),
    (re.compile(r"nolearn_1_(\d)$"), lambda m: Run(m[0], "random-frozen", "all", 0, n=int(m[1]))),
    (re.compile(r"reduced-(\d+)$"), lambda m: Run(m[0], "reduced", "all", 0, per_class=int(m[1]))),
    (re.compile(r"transfer(-ft)?(\d)([AB])\d([AB])_1_(\d)$"),
     lambda m: Run(m[0], "selffer" if m[3] == m[4] else "transfer", "random", int(m[2]), target=m[4], source=m[3],
                   n=int(m[5]), fine_tuned=bool(m[1]))),
    (re.compile(r"transfer(-ft)?natman([AB])([AB])_1_(\d)$"),
     lambda m: Run(m[0], "selffer" if m[2] == m[3] else "transfer", "natural", 0, target=m[3], source=m[2],
                   n=int(m[4]), fine_tuned=bool(m[1]))),
)


def read_reference(path):
    """The original paper's runs from a TSV (``run``, ``mean_top10_val_top1`` columns) as results
    (final and best unknown: NaN). Unknown run names are an error naming the line."""
    results = []
    with open(path, newline="") as stream:
        for line_number, row in enumerate(csv.DictReader(stream, delimiter="\t"), start=2):
            try:
                results.append(_reference_result(row))
            except (KeyError, TypeError, ValueError) as error:
                raise BadReference(f"report: {path} line {line_number}: {error} (expected the columns run and "
                                   f"mean_top10_val_top1, tab-separated)") from None
    return results


def _reference_result(row):
    name = (row.get("run") or "").strip()
    for pattern, build in REFERENCE_PATTERNS:
        match = pattern.match(name)
        if match:
            return Result(build(match), math.nan, math.nan, float(row["mean_top10_val_top1"]),
                          int(row.get("n_test_points") or 0))
    raise ValueError(f"unknown run name {name!r}")


def mean(values):
    values = [v for v in values if not math.isnan(v)]
    return sum(values) / len(values) if values else math.nan


def select(results, split, treatment=None, target=None):
    return [r for r in results if r.run.split == split and (treatment is None or r.run.treatment == treatment)
            and (target is None or r.run.target == target)]


def means_by_n(results, split="random", treatment="AnB", target=None):
    """{n: mean accuracy} of one treatment (mean of 10 best), n ascending."""
    found = select(results, split, treatment, target)
    return {n: mean([r.mean10_top1 for r in found if r.run.n == n]) for n in sorted({r.run.n for r in found})}


