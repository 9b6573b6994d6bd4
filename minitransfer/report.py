"""The paper's results from run directories: the results table, Figure 2, Figure 3 and Table 1.

Everything is read from the runs themselves: each ``*.run/`` directory under RUNS with a
``result.json`` (written by ``train``: final / best / mean-of-10-best top-1) is one network, and its
treatment comes from ``treatment.json`` (written by ``experiment``) or, for a run trained by hand,
from its ``config.json`` (split, half, copy_from, n, frozen, random_frozen, per_class).

Accuracy is the paper's metric, the mean of the 10 best validation top-1 evaluations, unless a
column says otherwise. Treatments as in the paper (footnote 3 of §4.1: AnA counts as BnB and BnA
as AnB): baseB (every base of a random split), BnB and BnB+ (selffer, frozen / fine-tuned), AnB and
AnB+ (transfer), random (first n layers random and frozen, all classes), reduced (fewer images).

- Figure 2 (§4.1): random splits; top, every network as a point (shifted left/right per
  treatment); bottom, the treatments' means as lines, baseB dotted.
- Figure 3 (§4.2–4.3): top left, the natural / man-made split (lines join networks of the same
  target task); top right, random frozen layers; bottom, each minus its own base.
- Table 1 (§4.1): mean boost of AnB+ over baseB and over BnB+ for layers 1–7, 3–7, 5–7: the mean
  over the layers n in the range of (mean AnB+ at n − mean baseB) and (mean AnB+ at n − mean BnB+ at n).

``--reference FILE`` reads the original runs' numbers (``run<TAB>mean_top10_val_top1<TAB>...``, the
run names of yosinski/convnet_transfer: half0A, transfer0A0B_1_3, transfer-ft0A0B_1_3,
transfernatmanAB_1_3, nolearn_1_3, netbase, reduced-0010) and overlays their means.
"""

import csv
import dataclasses
import json
import math
import pathlib
import re

from minitransfer.experiment import RESULT_FILE, TREATMENT_FILE, Run

FIGURE_2_TREATMENTS = ("BnB", "BnB+", "AnB", "AnB+")
TABLE_1_RANGES = ((1, 7), (3, 7), (5, 7))
COLUMNS = ("run", "label", "treatment", "split", "split_seed", "target", "n", "final_top1", "best_top1",
           "mean10_top1", "evaluations")
# Paper's colours: dark / light blue for BnB / BnB+, dark / light red for AnB / AnB+.
STYLE = {
    "baseB": dict(color="black", marker="o", markerfacecolor="white"),
    "BnB": dict(color="#1f3f99", marker="o"),
    "BnB+": dict(color="#7fb2f0", marker="o"),
    "AnB": dict(color="#a3141c", marker="D"),
    "AnB+": dict(color="#f08a8a", marker="D"),
    "natural": dict(color="#e07b00", marker="h"),
    "random": dict(color="#555555", marker="s"),
}
OFFSET = {"baseB": 0.0, "BnB": -0.2, "BnB+": -0.07, "AnB": 0.07, "AnB+": 0.2}
PLOT_HINT = "pip install 'minitransfer[plot]'"


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


# ---- reading runs ---------------------------------------------------------------------------

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
        source = _half_of(pathlib.Path(config["copy_from"]))
        kind = "selffer" if source == half else "transfer"
        return Run(name, kind, split, seed, target=half, source=source, n=int(config["n"]),
                   fine_tuned=not config.get("frozen"))
    if config.get("random_frozen"):
        return Run(name, "random-frozen", split, seed, target=half, n=int(config["random_frozen"]))
    if config.get("per_class"):
        return Run(name, "reduced", split, seed, target=half, per_class=int(config["per_class"]))
    return Run(name, "base", split, seed, target=half)


def _half_of(weights):
    """The half a checkpoint was trained on, from its run's config.json or its HDF5 attributes."""
    config = weights.with_name(weights.stem + ".run") / "config.json"
    if config.is_file():
        return json.loads(config.read_text()).get("half")
    import h5py

    with h5py.File(weights, "r") as f:
        return str(f.attrs.get("split_half", "")) or None


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
            name = (row.get("run") or "").strip()
            for pattern, build in REFERENCE_PATTERNS:
                match = pattern.match(name)
                if match:
                    results.append(Result(build(match), math.nan, math.nan, float(row["mean_top10_val_top1"]),
                                          int(row.get("n_test_points") or 0)))
                    break
            else:
                raise ValueError(f"report: {path} line {line_number}: unknown run name {name!r}")
    return results


# ---- tables ---------------------------------------------------------------------------------

def _mean(values):
    values = [v for v in values if not math.isnan(v)]
    return sum(values) / len(values) if values else math.nan


def _select(results, split, treatment=None, target=None):
    return [r for r in results if r.run.split == split and (treatment is None or r.run.treatment == treatment)
            and (target is None or r.run.target == target)]


def means_by_n(results, split="random", treatment="AnB", target=None):
    """{n: mean accuracy} of one treatment (mean of 10 best), n ascending."""
    found = _select(results, split, treatment, target)
    return {n: _mean([r.mean10_top1 for r in found if r.run.n == n]) for n in sorted({r.run.n for r in found})}


def table1(results, ranges=TABLE_1_RANGES):
    """Rows of Table 1: layers, mean boost of AnB+ over baseB and over BnB+ (NaN where a control is
    missing), and the layers that had AnB+ runs."""
    base = _mean([r.mean10_top1 for r in _select(results, "random", "baseB")])
    tuned, selffer = means_by_n(results, treatment="AnB+"), means_by_n(results, treatment="BnB+")
    rows = []
    for first, last in ranges:
        layers = [n for n in tuned if first <= n <= last]
        both = [n for n in layers if n in selffer]
        rows.append({"layers": f"{first}-{last}", "boost_over_baseB": _mean([tuned[n] - base for n in layers]),
                     "boost_over_BnB+": _mean([tuned[n] - selffer[n] for n in both]),
                     "layers_with_runs": ",".join(map(str, layers))})
    return rows


def _format(value):
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4f}"
    return str(value)


def write_csv(path, rows, columns):
    with open(path, "w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns)
        writer.writeheader()
        writer.writerows({key: _format(row[key]) for key in columns} for row in rows)


def markdown_table(rows, columns):
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_format(row[key]) or "–" for key in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _percent(value):
    return "–" if math.isnan(value) else f"{100 * value:+.1f}%"


def table1_markdown(rows, reference_rows=None):
    columns = ["layers aggregated", "mean boost over baseB", "mean boost over selffer BnB+", "layers with AnB+ runs"]
    if reference_rows:
        columns += ["paper's runs: over baseB", "paper's runs: over BnB+"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for index, row in enumerate(rows):
        cells = [row["layers"], _percent(row["boost_over_baseB"]), _percent(row["boost_over_BnB+"]),
                 row["layers_with_runs"] or "–"]
        if reference_rows:
            cells += [_percent(reference_rows[index]["boost_over_baseB"]),
                      _percent(reference_rows[index]["boost_over_BnB+"])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# ---- figures --------------------------------------------------------------------------------

def _figure_class():
    """matplotlib's Figure (no pyplot, no global state), or None without the ``plot`` extra."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    return Figure


def _spread(count):
    """Small horizontal offsets so that several points at one n stay visible."""
    return [0.0] if count == 1 else [-0.03 + 0.06 * i / (count - 1) for i in range(count)]


def figure2(Figure, results, reference=None):
    """Figure 2: random A/B splits; points (top) and means (bottom) against n."""
    figure = Figure(figsize=(8, 8.5), constrained_layout=True)
    top, bottom = figure.subplots(2, 1, sharex=True)
    bases = _select(results, "random", "baseB")
    for treatment in ("baseB",) + FIGURE_2_TREATMENTS:
        found = bases if treatment == "baseB" else _select(results, "random", treatment)
        for n in sorted({r.run.n for r in found}):
            at_n = [r.mean10_top1 for r in found if r.run.n == n]
            xs = [n + OFFSET[treatment] + dx for dx in _spread(len(at_n))]
            top.plot(xs, at_n, linestyle="none", markersize=7, markeredgecolor="black", markeredgewidth=0.5,
                     **STYLE[treatment], label=treatment if n == min(r.run.n for r in found) else None)
    base = _mean([r.mean10_top1 for r in bases])
    for axes in (top, bottom):
        if not math.isnan(base):
            axes.axhline(base, color="black", linestyle=":", linewidth=1)
    if not math.isnan(base):
        bottom.plot([0], [base], linestyle="none", markersize=8, label="baseB", **STYLE["baseB"])
    for treatment in FIGURE_2_TREATMENTS:
        means = means_by_n(results, treatment=treatment)
        if means:
            bottom.plot(list(means), list(means.values()), linewidth=2, markersize=6, label=treatment,
                        **STYLE[treatment])
    if reference:
        _reference_lines(bottom, reference, ("baseB",) + FIGURE_2_TREATMENTS)
    top.set_title("Figure 2: random A/B splits, every network (mean of 10 best top-1)")
    bottom.set_title("treatment means" + (" (thin dashed: the paper's runs)" if reference else ""))
    for axes in (top, bottom):
        axes.set_ylabel("top-1 accuracy")
        axes.grid(alpha=0.3)
        if any(not line.get_label().startswith("_") for line in axes.lines):
            axes.legend(loc="best", fontsize=8, ncol=3)
        if not _select(results, "random"):
            axes.text(0.5, 0.5, "no random-split runs", transform=axes.transAxes, ha="center")
    bottom.set_xlabel("layer n at which the network is chopped and retrained")
    bottom.set_xticks(range(0, 8))
    return figure


def _reference_lines(axes, reference, treatments):
    for treatment in treatments:
        if treatment == "baseB":
            base = _mean([r.mean10_top1 for r in _select(reference, "random", "baseB")])
            if not math.isnan(base):
                axes.axhline(base, color="grey", linestyle="--", linewidth=0.8, label="baseB (paper)")
            continue
        means = means_by_n(reference, treatment=treatment)
        if means:
            style = dict(STYLE[treatment], markerfacecolor="none")
            axes.plot(list(means), list(means.values()), linestyle="--", linewidth=0.9, markersize=5,
                      label=f"{treatment} (paper)", **style)


def _target_name(target):
    return {"A": "natural", "B": "man-made"}[target]


def figure3(Figure, results, reference=None):
    """Figure 3: natural / man-made split (top left), random frozen layers (top right), and both
    with the random-split AnB, each minus its base (bottom)."""
    figure = Figure(figsize=(10, 8.5), constrained_layout=True)
    grid = figure.add_gridspec(2, 2)
    natural, random_weights = figure.add_subplot(grid[0, 0]), figure.add_subplot(grid[0, 1])
    normalised = figure.add_subplot(grid[1, :])
    sources = [("", results)] + ([(" (paper)", reference)] if reference else [])

    for suffix, found in sources:
        dashed = dict(linestyle="--", linewidth=0.9, markerfacecolor="none") if suffix else dict(linewidth=2)
        for target, shade in (("A", "#e07b00"), ("B", "#8c4a00")):
            base = _mean([r.mean10_top1 for r in _select(found, "natural", "baseB", target)])
            means = means_by_n(found, "natural", "AnB", target)
            xs, ys = ([0] if not math.isnan(base) else []) + list(means), \
                ([base] if not math.isnan(base) else []) + list(means.values())
            if xs:
                natural.plot(xs, ys, marker="h", color=shade, label=f"target {_target_name(target)}{suffix}",
                             **dashed)
            if not suffix and means:
                points = [r for r in _select(found, "natural", target=target) if r.run.treatment in ("baseB", "AnB")]
                natural.plot([r.run.n for r in points], [r.mean10_top1 for r in points], linestyle="none",
                             marker="h", color=shade, markersize=7, markeredgecolor="black", markeredgewidth=0.5)
        base = _mean([r.mean10_top1 for r in _select(found, "all", "baseB")])
        means = means_by_n(found, "all", "random")
        xs, ys = ([0] if not math.isnan(base) else []) + list(means), \
            ([base] if not math.isnan(base) else []) + list(means.values())
        if xs:
            random_weights.plot(xs, ys, marker="s", color="#555555", label=f"random frozen layers{suffix}", **dashed)

        for label, split, treatment, target, style in (
                ("random A/B split: AnB", "random", "AnB", None, STYLE["AnB"]),
                ("natural target: AnB", "natural", "AnB", "A", dict(color="#e07b00", marker="h")),
                ("man-made target: AnB", "natural", "AnB", "B", dict(color="#8c4a00", marker="h")),
                ("random frozen layers", "all", "random", None, STYLE["random"])):
            base = _mean([r.mean10_top1 for r in _select(found, split, "baseB", target)])
            means = means_by_n(found, split, treatment, target)
            if means and not math.isnan(base):
                line_style = dict(style, **dashed) if suffix else dict(style, linewidth=2)
                normalised.plot([0] + list(means), [0.0] + [m - base for m in means.values()], markersize=6,
                                label=label + suffix, **line_style)

    natural.set_title("natural / man-made split (lines join a target task)")
    random_weights.set_title("first n layers random and frozen (all classes)")
    normalised.set_title("relative to each base: transfer and random features")
    normalised.axhline(0, color="black", linestyle=":", linewidth=1)
    for axes, empty in ((natural, "no natural-split runs (experiment --split natural)"),
                        (random_weights, "no random-weights runs (experiment --random-frozen 1-7)"),
                        (normalised, "no runs with their base")):
        axes.set_xticks(range(0, 8))
        axes.grid(alpha=0.3)
        axes.set_xlabel("n")
        axes.set_ylabel("top-1 accuracy" if axes is not normalised else "accuracy − base accuracy")
        if any(not line.get_label().startswith("_") for line in axes.lines):
            axes.legend(fontsize=7, loc="best")
        if not axes.lines:
            axes.text(0.5, 0.5, empty, transform=axes.transAxes, ha="center", fontsize=9)
    figure.suptitle("Figure 3: performance against n for dissimilar tasks and random weights")
    return figure


# ---- the report -----------------------------------------------------------------------------

@dataclasses.dataclass
class Report:
    """What :func:`write_report` wrote: paths by kind, the runs read, and the unfinished runs."""

    files: dict
    results: list
    unfinished: list
    figures: bool


def write_report(runs_dir, out_dir=None, reference=None, figures=True):
    """Read every run under ``runs_dir`` and write into ``out_dir`` (default ``runs_dir/report``):
    results.csv / results.md (one row per network), table1.csv / table1.md, and (``figures``, with
    matplotlib) figure2.png / .svg and figure3.png / .svg. ``reference``: a TSV of the paper's runs
    to overlay. ``Report.figures`` says whether the figures were drawn.

    Example: ``write_report("grid", reference="../shared/data/reference/yosinski_logs_mean_top10_accuracy.tsv")``
    """
    runs_dir = pathlib.Path(runs_dir)
    out_dir = pathlib.Path(out_dir) if out_dir else runs_dir / "report"
    out_dir.mkdir(parents=True, exist_ok=True)
    results, unfinished = collect(runs_dir)
    reference_results = read_reference(reference) if reference else None
    files = {}

    rows = [r.row() for r in results]
    write_csv(out_dir / "results.csv", rows, COLUMNS)
    files["results.csv"] = out_dir / "results.csv"
    lines = [f"# Results of {len(results)} networks in {runs_dir}", "",
             "Top-1 validation accuracy: final, best, and the paper's metric (mean of the 10 best evaluations).", ""]
    lines.append(markdown_table(rows, COLUMNS))
    if unfinished:
        lines += ["", f"Not finished ({len(unfinished)}): " + ", ".join(unfinished)]
    (out_dir / "results.md").write_text("\n".join(lines) + "\n")
    files["results.md"] = out_dir / "results.md"

    boosts = table1(results)
    reference_boosts = table1(reference_results) if reference_results else None
    write_csv(out_dir / "table1.csv", boosts, ("layers", "boost_over_baseB", "boost_over_BnB+", "layers_with_runs"))
    files["table1.csv"] = out_dir / "table1.csv"
    text = ["# Table 1: performance boost of AnB+ over controls, averaged over ranges of layers", "",
            table1_markdown(boosts, reference_boosts)]
    if reference_boosts:
        text.append("The paper's columns are computed the same way from the original runs' logs (--reference); "
                    "the paper's printed Table 1 used the fewer runs finished at publication.")
    (out_dir / "table1.md").write_text("\n".join(text) + "\n")
    files["table1.md"] = out_dir / "table1.md"

    Figure = _figure_class() if figures and results else None
    if Figure is not None:
        for name, draw in (("figure2", figure2), ("figure3", figure3)):
            figure = draw(Figure, results, reference_results)
            for suffix in ("png", "svg"):
                path = out_dir / f"{name}.{suffix}"
                figure.savefig(path, dpi=120)
                files[path.name] = path
    return Report(files=files, results=results, unfinished=unfinished, figures=Figure is not None)
