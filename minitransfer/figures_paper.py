"""The paper's Figures 2 and 3, and the cross-dataset figure drawn as Figure 2 is (needs matplotlib:
the ``plot`` extra; :mod:`minitransfer.figures` draws them all), with what every figure's panels
share: the paper's colours (:data:`STYLE`), every network a dot and each treatment's mean ± s.d.
(:func:`spread_plot`; the legend says of how many networks, :func:`drawn`), the n axis and the
panels' labels.
"""

import math
import textwrap

from minitransfer import figure_fonts, models
from minitransfer.figures_gaps import GAP_LABEL, join_measured, say_gaps
from minitransfer.experiment import HALVES
from minitransfer.comparisons import built_bases
from minitransfer.report_tables import pooled_label
from minitransfer.results import Spread, metric_words, natural_families, relative_by_n, select

POINTS = 100
TREATMENTS = ("BnB", "BnB+", "AnB", "AnB+")
# Paper's colours: dark / light blue for BnB / BnB+, dark / light red for AnB / AnB+.
STYLE = {
    "baseB": dict(color="black", marker="o", markerfacecolor="white"),
    "BnB": dict(color="#1f3f99", marker="o"),
    "BnB+": dict(color="#7fb2f0", marker="o"),
    "AnB": dict(color="#a3141c", marker="D"),
    "AnB+": dict(color="#f08a8a", marker="D"),
    "natural A": dict(color="#e07b00", marker="h"),
    "natural B": dict(color="#8c4a00", marker="h"),
    "random": dict(color="#555555", marker="s"),
    "reduced": dict(color="#2a7f3f", marker="o"),
}
OFFSET = {"baseB": 0.0, "BnB": -0.2, "BnB+": -0.07, "AnB": 0.07, "AnB+": 0.2}
RELATIVE_LABEL = "accuracy − own base\n(percentage points)"
N_LABEL = "n: layers copied from the base (0: the base itself)"
RANDOM_N_LABEL = "n: first layers random and frozen (0: the base itself)"  # Figure 3, top right: nothing copied
# Figure 3, bottom: both, in the paper's words (§4.3)
EITHER_N_LABEL = "n: layers that are either random or were trained on a different base (0: the base itself)"
TITLE_LINE = 80  # characters of a title's line that fit the width of figure2 and figure_s1
NO_RELATIVE = "no network with an accuracy and its own base"
# Characters of a line that fit: a title over figure3's half-width panels (its natural split's, with
# ImageNet's family names, is that long), a legend entry's (one column of them under such a panel)
PANEL_TITLE_LINE = 57
LEGEND_LINE = 75


def spread_plot(axes, by_n, label, style, offset=0.0, scale=1.0, per="n", gaps=True):
    """Every value of {n: [values]} as a dot at n + offset, and their means ± one standard deviation
    as a line with error bars (labelled ``label`` and how many networks each point is, :func:`drawn`;
    no bar where one network gives no spread, rather than a bar of zero); NaN values (networks
    without an evaluation) are left out, and nothing is drawn without a value. ``gaps``: the keys are
    whole layers, the line solid only between adjacent ones (:func:`minitransfer.figures_gaps.join_measured`); False for a
    quantity between whose values a line is read as such (Figure S1's training images). Returns the
    networks of each point drawn."""
    by_n = {n: [v for v in values if not math.isnan(v)] for n, values in by_n.items()}
    ns = sorted(n for n, values in by_n.items() if values)
    if not ns:
        return []
    for n in ns:
        values = [v * scale for v in by_n[n]]
        xs = [n + offset + dx for dx in _jitter(len(values))]
        axes.plot(xs, values, linestyle="none", markersize=5, alpha=0.55, markeredgecolor="black",
                  markeredgewidth=0.4, **style)
    spreads = [Spread.of(by_n[n]) for n in ns]
    counts = [s.count for s in spreads]
    bars = axes.errorbar([n + offset for n in ns], [s.mean * scale for s in spreads],
                         yerr=[s.std * scale for s in spreads], capsize=3, linewidth=1.8,
                         markersize=7, label=wrapped(f"{label} ({drawn(counts, per)})", LEGEND_LINE), **style)
    if gaps:
        join_measured(axes, bars.lines[0], ns)
    return counts


def wrapped(text, width):
    """``text`` on lines of at most ``width`` characters (broken at spaces), as it is where it fits: a
    natural split's families, those of its half B joined ("aquatic mammals + fish + ..." of CIFAR-100's
    superclasses), made a title and legends wider than the figure, which the layout then squeezed off it."""
    cells = figure_fonts.text_cells(text)  # a Chinese or Japanese character is about two letters wide
    return text if cells <= width else textwrap.fill(text, max(1, width * len(text) // cells), break_on_hyphens=False)


def drawn(counts, per="n"):
    """What points of ``counts`` networks each are, in a legend: "1 network per n", "mean ± s.d. of
    3 networks", "mean of 1 to 3 networks per n, ± s.d. of 2 or more"; never a "mean ± s.d." of one
    network (a trial of one network a treatment read as a spread that was not there)."""
    fewest, most = min(counts), max(counts)
    each = f" per {per}" if len(counts) > 1 else ""
    if most == 1:
        return f"1 network{each}"
    if fewest == most:
        return f"mean ± s.d. of {most} networks{each}"
    if fewest == 1:
        return f"mean of 1 to {most} networks{each}, ± s.d. of 2 or more"
    return f"mean ± s.d. of {fewest} to {most} networks{each}"


def means_drawn(counts, whose="treatment", remark=""):
    """What a figure's title says it draws, by the ``counts`` of networks of its points: "every
    network, and each treatment's mean ± s.d.", "... mean (± s.d. where 2 or more networks)", or,
    every point one network, that there is no mean nor s.d.; then ``remark``, on a line of its own
    where one line would not fit the figure (:data:`TITLE_LINE`)."""
    if counts and max(counts) == 1:
        said = "every network (each point one network: no mean, no s.d.)"
    elif counts and min(counts) == 1:
        said = f"every network, and each {whose}'s mean (± s.d. where 2 or more networks)"
    else:
        said = f"every network, and each {whose}'s mean ± s.d."
    if not remark:
        return said
    return said + ("\n" if len(f"{said} {remark}") > TITLE_LINE else " ") + remark


CROSS_NAMES = {"baseB": "baseT", "BnB": "TnT", "BnB+": "TnT+", "AnB": "SnT", "AnB+": "SnT+"}  # S: source, T: target


def figure2(Figure, results, reference=None, split="random", title="Figure 2: random A/B splits", names=None,
            bases=None):
    """Accuracies (top) and accuracies relative to each network's own base (bottom) against n;
    ``names``: the legend's names of the treatments where they are not the paper's (:data:`CROSS_NAMES`);
    ``bases``: the :class:`minitransfer.comparisons.Bases` of ``results`` (built now where None)."""
    names, own_bases = names or {}, built_bases(results, bases)
    figure = Figure(figsize=(8, 8.5), constrained_layout=True)
    top, bottom = figure.subplots(2, 1, sharex=True)
    bases = [r for r in select(results, split, "baseB")]
    counts = spread_plot(top, {0: [r.mean10_top1 for r in bases]} if bases else {},
                         names.get("baseB", "bases") + (pooled_label(results, own_bases) if split == "random" else ""),
                         STYLE["baseB"])
    for treatment in TREATMENTS:
        label = names.get(treatment, treatment)
        counts += spread_plot(top, _accuracy_by_n(results, split, treatment), label, STYLE[treatment],
                              OFFSET[treatment])
        spread_plot(bottom, relative_by_n(results, split, treatment, bases=own_bases), label, STYLE[treatment],
                    OFFSET[treatment], scale=POINTS)
    if reference:
        _reference_lines(top, reference)
    bottom.axhline(0, color="black", linestyle=":", linewidth=1)
    top.set_title(f"{title}:\n" + means_drawn(counts, remark="(thin dashed: the paper's runs)" if reference else ""))
    bottom.set_title("relative to the base of each network's own target")
    _finish([(top, accuracy_label(select(results, split), reference=select(reference or [], "random"))),
             (bottom, RELATIVE_LABEL)], results + (reference or []))
    accuracy_ticks(top)
    say_if_empty(top, no_accuracy(select(results, split), f"no {split}-split runs"))
    say_if_empty(bottom, NO_RELATIVE)
    return figure


def accuracy_label(runs, images="target validation images", reference=()):
    """The y label of an accuracy panel of ``runs``, the runs it draws, its metric in words true of them
    (:func:`minitransfer.comparisons.metric_words`: a run of 3 evaluations has no 10 best). A panel
    without a run that made an evaluation draws no accuracy and names no metric (before, it claimed
    "mean of the 10 best evaluations" beside a panel of "mean of all 2 evaluations"). ``reference``: the
    paper's runs the panel draws dashed (--reference), their metric named apart, as theirs: the label of
    runs of 3 evaluations called the paper's lines, means of their 10 best, "mean of all 3 evaluations" too.
    Where both metrics are the same it is said once; the lines are short enough for the shortest panel
    (Figure 3's top-left clipped "the paper's, dashed: mean of the 10 best evaluations")."""
    if not any(r.evaluations for r in runs):
        return f"top-1 accuracy, {images}"
    words = metric_words(runs).replace("; ", ";\n")
    if not any(r.evaluations for r in reference):
        return f"top-1 accuracy, {images}\n({words})"
    paper = metric_words(reference)
    if paper == metric_words(runs):
        return f"top-1 accuracy,\n{images}\n({words},\nthese runs' and the paper's, dashed)"
    return f"top-1 accuracy,\n{images}\n(these runs: {words};\nthe paper's, dashed:\n{paper})"


def accuracy_ticks(axes):
    """The y ticks of an accuracy panel, its data all drawn, only where an accuracy can be (0 to 1): the margin
    around networks that all scored 1.0 (an easy dataset) was labelled 1.02 and 1.04, around networks that all
    scored 0, -0.02 and -0.04. The panel's range stays as it was, every point and error bar inside."""
    low, high = axes.get_ylim()  # the locator's ticks run past them: set, they would widen the panel
    axes.set_yticks([tick for tick in axes.get_yticks() if max(low, -1e-9) <= tick <= min(high, 1 + 1e-9)])


def no_accuracy(runs, none):
    """Why a panel of ``runs`` drew no network: ``none`` when there are no such runs."""
    return f"no accuracy to draw: none of the {len(runs)} networks made an evaluation" if runs else none


def say_if_empty(axes, why):
    """A panel that drew no network (no mean ± s.d.; its zero line and the paper's lines are not
    networks) says ``why`` in its middle."""
    if not axes.containers:
        say_in_panel(axes, why)


def say_in_panel(axes, why):
    """``why`` in the middle of ``axes``, on white: the paper's lines of an empty panel ran through it."""
    axes.text(0.5, 0.5, why, transform=axes.transAxes, ha="center", fontsize=8, zorder=5,
              bbox=dict(facecolor="white", edgecolor="none", alpha=0.85))


def _with_base(bases, by_n):
    """{0: the bases' accuracies, n: ...}: a line from the base through the treatment's n."""
    return ({0: bases} if bases else {}) | by_n


def _accuracy_by_n(results, split, treatment, target=None):
    found = select(results, split, treatment, target)
    return {n: [r.mean10_top1 for r in found if r.run.n == n] for n in sorted({r.run.n for r in found})}


def _reference_lines(axes, reference):
    base = Spread.of([r.mean10_top1 for r in select(reference, "random", "baseB")]).mean
    if not math.isnan(base):
        axes.axhline(base, color="grey", linestyle="--", linewidth=0.8, label="bases (paper)")
    for treatment in TREATMENTS:
        _paper_line(axes, _accuracy_by_n(reference, "random", treatment), f"{treatment} (paper)", STYLE[treatment])


def _paper_line(axes, by_n, label, style, scale=1):
    """The paper's runs ``by_n`` ({n: [values]}) as their means, thin, dashed, hollow markers; nothing where none."""
    means = {n: scale * Spread.of(values).mean for n, values in sorted(by_n.items())}
    if means:
        line, = axes.plot(list(means), list(means.values()), linestyle="--", linewidth=0.9, markersize=5,
                          label=wrapped(label, LEGEND_LINE), **dict(style, markerfacecolor="none"))
        join_measured(axes, line, list(means))


def figure3(Figure, results, reference=None, bases=None, reference_bases=None):
    """The natural split by target (top left; its halves named by :func:`natural_families`), random
    frozen layers (top right), and both with the random split's AnB relative to their own bases
    (bottom); ``bases``: the :class:`minitransfer.comparisons.Bases` of ``results`` (built now where None),
    ``reference_bases``: those of the paper's runs ``reference``, likewise."""
    own_bases = built_bases(results, bases)
    figure = Figure(figsize=(10, 8.5), constrained_layout=True)
    grid = figure.add_gridspec(2, 2)
    natural, random_weights = figure.add_subplot(grid[0, 0]), figure.add_subplot(grid[0, 1])
    relative = figure.add_subplot(grid[1, :])
    names = [figure_fonts.drawable(name) for name in natural_families(results)]
    for target, name in zip(HALVES, names):
        style, offset = STYLE[f"natural {target}"], -0.1 if target == "A" else 0.1
        by_n = _accuracy_by_n(results, "natural", "AnB", target)
        bases = [r.mean10_top1 for r in select(results, "natural", "baseB", target)]
        spread_plot(natural, _with_base(bases, by_n), f"target {name}", style, offset)
        spread_plot(relative, relative_by_n(results, "natural", "AnB", target, own_bases),
                    _natural_transfer(name, target), style, offset, scale=POINTS)
    randoms = _accuracy_by_n(results, "all", "random")
    random_drawn = []
    if randoms:  # the all-classes base of a reduced-data grid alone is no random-weights run
        all_bases = select(results, "all", "baseB")
        random_drawn = select(results, "all", "random") + all_bases
        spread_plot(random_weights, _with_base([r.mean10_top1 for r in all_bases], randoms), "random frozen layers",
                    STYLE["random"])
    spread_plot(relative, relative_by_n(results, "all", "random", bases=own_bases), "random frozen layers",
                STYLE["random"], 0.2, scale=POINTS)
    spread_plot(relative, relative_by_n(results, "random", "AnB", bases=own_bases), "random A/B split: AnB",
                STYLE["AnB"], -0.2, scale=POINTS)
    if reference:
        _reference_figure3(natural, random_weights, relative, reference, built_bases(reference, reference_bases))
    relative.axhline(0, color="black", linestyle=":", linewidth=1)
    natural.set_title(wrapped(f"natural split: {names[0]} (A) / {names[1]} (B), by target task", PANEL_TITLE_LINE))
    random_weights.set_title("first n layers random and frozen (all classes)")
    relative.set_title("relative to each network's own base: dissimilar tasks and random features")
    _finish([(natural, accuracy_label(select(results, "natural"), reference=select(reference or [], "natural"))),
             (random_weights, accuracy_label(random_drawn, reference=[r for r in select(reference or [], "all")
                                                                      if r.run.treatment in ("random", "baseB")]),
              RANDOM_N_LABEL),
             (relative, RELATIVE_LABEL, EITHER_N_LABEL)],
            results + (reference or []))
    accuracy_ticks(natural)
    accuracy_ticks(random_weights)
    say_if_empty(natural, no_accuracy(select(results, "natural"),
                                        "no natural-split runs (experiment --split natural)"))
    advice = f"experiment --random-frozen 1-{_copyable(results)}"
    say_if_empty(random_weights, no_accuracy(select(results, "all", "random"), f"no random-weights runs ({advice})"))
    say_if_empty(relative, NO_RELATIVE)
    figure.suptitle("Figure 3: dissimilar tasks and random weights")
    return figure


def _natural_transfer(name, target):
    """The legend's name of the natural split's transfers onto ``target`` (its family ``name``): onto
    half A, B's layers, BnA, as results.md names it."""
    return f"{name} target: {'BnA' if target == 'A' else 'AnB'}"


def _reference_figure3(natural, random_weights, relative, reference, paper_bases):
    """The paper's runs on figure3's panels, dashed: its natural split by target with its bases at n=0
    (top left), its random weights with netbase at n=0 (top right), and below, as the paper's Figure 3
    has them, all three relative to their own bases (its natural halves', its random splits' and netbase:
    ``paper_bases``, the :class:`minitransfer.comparisons.Bases` of the paper's runs, not the report's of its own)."""
    for target, name in zip(HALVES, map(figure_fonts.drawable, natural_families(reference))):
        style = STYLE[f"natural {target}"]
        bases = [r.mean10_top1 for r in select(reference, "natural", "baseB", target)]
        _paper_line(natural, _with_base(bases, _accuracy_by_n(reference, "natural", "AnB", target)),
                    f"target {name} (paper)", style)
        _paper_line(relative, relative_by_n(reference, "natural", "AnB", target, paper_bases),
                    _natural_transfer(name, target) + " (paper)", style, scale=POINTS)
    netbase = [r.mean10_top1 for r in select(reference, "all", "baseB")]
    _paper_line(random_weights, _with_base(netbase, _accuracy_by_n(reference, "all", "random")),
                "random frozen layers (paper)", STYLE["random"])
    _paper_line(relative, relative_by_n(reference, "all", "random", bases=paper_bases), "random frozen layers (paper)",
                STYLE["random"], scale=POINTS)
    _paper_line(relative, relative_by_n(reference, "random", "AnB", bases=paper_bases), "random A/B split: AnB (paper)",
                STYLE["AnB"], scale=POINTS)


def _finish(panels, results):
    """The n axis of ``panels`` ((axes, y label[, n label: :data:`N_LABEL` where not given])) from 0 to
    :func:`_top_n`, half a layer of room at either end, and their labels."""
    top = _top_n(results)
    say_gaps([axes for axes, *_ in panels])
    for axes, ylabel, *n_label in panels:
        axes.set_xticks(range(top + 1))
        axes.set_xlim(-0.5, top + 0.5)
        label_axes(axes, n_label[0] if n_label else N_LABEL, ylabel)


def _copyable(results):
    """The top copyable layer of the network of ``results`` (the largest where several; CaffeNet's 7 where
    the runs name no preset known here, :func:`minitransfer.models.known_preset`, one's own too):
    "--random-frozen 1-7" was advised for a network of 4."""
    return models.top_copyable(r.preset for r in results)


def _top_n(results):
    """The highest n of an axis of ``results``: their highest; for a grid still at its bases (n 0
    alone, whose dots spread across an axis of one tick), the layers its preset copies (the paper's
    n 1..7, those of CaffeNet where the runs do not say), as its transfers will."""
    return max((r.run.n for r in results), default=0) or _copyable(results)


def label_axes(axes, xlabel, ylabel, legend=True):
    """The axes' labels, a light grid, and (``legend``) a legend of what the panel labelled, below
    the panel (:func:`legend_below`)."""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.grid(alpha=0.3)
    if legend and has_legend_entries(axes):
        legend_below(axes)


def legend_below(axes, **options):
    """A legend of what ``axes`` labelled (returned), below its x axis and that axis' label, outside
    the panel: inside it (loc="best"), the natural split's legend of many entries found no empty
    corner and sat on the dots. The layout makes room for it; its drop, in points, is the height of
    the tick labels and the axis label as the fonts set them (:func:`_x_axis_height`), whatever the
    panel's size. Two columns of entries under a panel as wide as the figure, one under a narrower
    one (two were wider than figure3's half-width panels, which the layout then squeezed off the
    figure). The entry saying what a dotted line across a gap is (:data:`minitransfer.figures_gaps.GAP_LABEL`) comes last, after the networks'.
    ``options``: more of matplotlib's ``legend`` options, or others than these (a title)."""
    from matplotlib.transforms import ScaledTranslation

    entries = sorted(zip(*axes.get_legend_handles_labels()), key=lambda entry: entry[1] == GAP_LABEL)

    drop = ScaledTranslation(0, -_x_axis_height(axes) / 72, axes.figure.dpi_scale_trans)
    spec = axes.get_subplotspec()
    wide = spec is None or spec.colspan.stop - spec.colspan.start == spec.get_gridspec().ncols
    return axes.legend(*zip(*entries), **{"loc": "upper center", "bbox_to_anchor": (0.5, 0),
                                          "bbox_transform": axes.transAxes + drop, "fontsize": 7,
                                          "ncol": 2 if wide else 1, **options})


def _x_axis_height(axes):
    """Points from the bottom of ``axes`` to below its x axis' label: the ticks, their labels where
    shown (figure2's top panel shares the bottom one's n axis and hides its own: the room kept for
    them was a gap between its label and its legend) and the label's lines, with their pads."""
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties

    shown = bool(axes.xaxis.get_ticklabels())  # the visible ones
    tick_label = FontProperties(size=rcParams["xtick.labelsize"]).get_size_in_points() if shown else 0
    label = axes.xaxis.label
    lines = label.get_text().count("\n") + 1 if label.get_text() else 0
    return (rcParams["xtick.major.size"] + (rcParams["xtick.major.pad"] + 1.2 * tick_label if shown else 0)
            + rcParams["axes.labelpad"] + 1.2 * label.get_size() * lines + 4)


def has_legend_entries(axes):
    return any(not line.get_label().startswith("_") for line in axes.lines + axes.containers)


def _jitter(count):
    """Small horizontal offsets so that several dots at one n stay visible."""
    return [0.0] if count == 1 else [-0.04 + 0.08 * i / (count - 1) for i in range(count)]
