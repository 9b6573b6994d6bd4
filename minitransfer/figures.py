"""The paper's figures from the trained networks (needs matplotlib: the ``plot`` extra).

- Figure 2 (§4.1): random splits; top, every network as a point (shifted left/right per
  treatment); bottom, the treatments' means as lines, baseB dotted.
- Figure 3 (§4.2–4.3): top left, the natural / man-made split (lines join networks of the same
  target task); top right, random frozen layers; bottom, each minus its own base.

A ``reference`` (the paper's runs, :func:`minitransfer.results.read_reference`) is overlaid as thin
dashed lines.
"""

import math

from minitransfer.results import mean, means_by_n, select

FIGURE_2_TREATMENTS = ("BnB", "BnB+", "AnB", "AnB+")
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


def figure_class():
    """matplotlib's Figure (no pyplot, no global state), or None without the ``plot`` extra."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    return Figure


def _spread(count):
    """Small horizontal offsets so that several points at one n stay visible."""
    return [0.0] if count == 1 else [-0.03 + 0.06 * i / (count - 1) for i in range(count)]


def _n_ticks(results):
    """0 (the base) to the largest n any run copied or froze."""
    return range(0, max((r.run.n for r in results), default=1) + 1)


def figure2(Figure, results, reference=None):
    """Figure 2: random A/B splits; points (top) and means (bottom) against n."""
    figure = Figure(figsize=(8, 8.5), constrained_layout=True)
    top, bottom = figure.subplots(2, 1, sharex=True)
    bases = select(results, "random", "baseB")
    for treatment in ("baseB",) + FIGURE_2_TREATMENTS:
        found = bases if treatment == "baseB" else select(results, "random", treatment)
        for n in sorted({r.run.n for r in found}):
            at_n = [r.mean10_top1 for r in found if r.run.n == n]
            xs = [n + OFFSET[treatment] + dx for dx in _spread(len(at_n))]
            top.plot(xs, at_n, linestyle="none", markersize=7, markeredgecolor="black", markeredgewidth=0.5,
                     **STYLE[treatment], label=treatment if n == min(r.run.n for r in found) else None)
    base = mean([r.mean10_top1 for r in bases])
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
        if not select(results, "random"):
            axes.text(0.5, 0.5, "no random-split runs", transform=axes.transAxes, ha="center")
    bottom.set_xlabel("layer n at which the network is chopped and retrained")
    bottom.set_xticks(_n_ticks(results + (reference or [])))
    return figure


def _reference_lines(axes, reference, treatments):
    for treatment in treatments:
        if treatment == "baseB":
            base = mean([r.mean10_top1 for r in select(reference, "random", "baseB")])
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
            base = mean([r.mean10_top1 for r in select(found, "natural", "baseB", target)])
            means = means_by_n(found, "natural", "AnB", target)
            xs, ys = ([0] if not math.isnan(base) else []) + list(means), \
                ([base] if not math.isnan(base) else []) + list(means.values())
            if xs:
                natural.plot(xs, ys, marker="h", color=shade, label=f"target {_target_name(target)}{suffix}",
                             **dashed)
            if not suffix and means:
                points = [r for r in select(found, "natural", target=target) if r.run.treatment in ("baseB", "AnB")]
                natural.plot([r.run.n for r in points], [r.mean10_top1 for r in points], linestyle="none",
                             marker="h", color=shade, markersize=7, markeredgecolor="black", markeredgewidth=0.5)
        base = mean([r.mean10_top1 for r in select(found, "all", "baseB")])
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
            base = mean([r.mean10_top1 for r in select(found, split, "baseB", target)])
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
        axes.set_xticks(_n_ticks(results + (reference or [])))
        axes.grid(alpha=0.3)
        axes.set_xlabel("n")
        axes.set_ylabel("top-1 accuracy" if axes is not normalised else "accuracy − base accuracy")
        if any(not line.get_label().startswith("_") for line in axes.lines):
            axes.legend(fontsize=7, loc="best")
        if not axes.lines:
            axes.text(0.5, 0.5, empty, transform=axes.transAxes, ha="center", fontsize=9)
    figure.suptitle("Figure 3: performance against n for dissimilar tasks and random weights")
    return figure


