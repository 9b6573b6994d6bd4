"""The paper's figures from the trained networks (needs matplotlib: the ``plot`` extra).

Every network is a dot; each treatment's mean is a line with error bars of ± one standard
deviation across its networks (the seed spread), as in the paper's Figure 2. Accuracies are the
paper's metric, the mean of the 10 best top-1 evaluations on the target task's validation images
(of all of them, for a run that made fewer: the axis says so);
the relative panels show each network minus the base of its own target, in percentage points.

- figure2 (§4.1): random A/B splits; top, accuracies; bottom, relative to the own base.
- figure3 (§4.2–4.3): natural split (by target: its halves named after the families the dataset
  records, natural / man-made for ImageNet), random frozen layers (all classes), and both with the
  random split's AnB relative to their bases.
- figure_cross: transfer across datasets (bases on the source dataset S, targets on T), drawn when
  the grid has such runs.
- figure_s1 (supplement B): reduced-data runs, accuracy against the training images asked for per
  class (--per-class), on linear and logarithmic x axes, with the images used written beside a
  count some classes could not give; drawn when the grid has such runs.
- curves: every run's training loss and validation top-1 against iterations, by treatment; runs
  still rising at the end are drawn in red.

A ``reference`` (the paper's runs, :func:`minitransfer.paper_runs.read_reference`) is overlaid as thin
dashed lines of its means.
"""

import contextlib
import functools
import io
import math

from minitransfer import models, run_search, stopping
from minitransfer.data import inputs
from minitransfer.experiment import HALVES
from minitransfer.results import Spread, metric_words, natural_families, relative_by_n, select

POINTS = 100
DPI = 120  # of the PNGs, and of the images in the SVGs
# The file stems of every figure draw_all may give (the report removes those it did not draw).
FIGURES = ("figure2", "figure3", "figure_cross", "figure_s1", "curves")
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
NO_RELATIVE = "no network with an accuracy and its own base"
NO_LOSSES, NO_EVALUATIONS = "no training loss logged (metrics.jsonl)", "no evaluation recorded (eval.csv)"


def figure_class():
    """matplotlib's Figure (no pyplot, no global state), or None without the ``plot`` extra."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    return Figure


def render(figure, suffix):
    """``figure`` as the bytes of a ``suffix`` file (png or svg) at :data:`DPI`: the same figure
    gives the same bytes (matplotlib's SVG otherwise records the time of writing and draws its
    element ids at random)."""
    import matplotlib
    buffer = io.BytesIO()
    # No layout from the user's matplotlibrc where _laid_out turns the figure's own off
    rc = {"svg.hashsalt": "minitransfer", "figure.autolayout": False, "figure.constrained_layout.use": False}
    with matplotlib.rc_context(rc), _laid_out(figure) if suffix == "svg" else contextlib.nullcontext():
        figure.savefig(buffer, dpi=DPI, format=suffix, metadata={"Date": None} if suffix == "svg" else None)
    return buffer.getvalue()


@contextlib.contextmanager
def _laid_out(figure):
    """``figure`` laid out at :data:`DPI` as for a PNG, its layout engine off meanwhile: savefig
    lays a figure out by drawing it once before it saves it, and for an SVG that drawing rasterized
    the rasterized artists too (matplotlib 3.11 turns off its vector drawing only): 2,000 runs'
    learning curves took twice a PNG's time."""
    layout, dpi = figure.get_layout_engine(), figure.dpi
    if layout is None:
        yield
        return
    try:
        figure.set_dpi(DPI)
        figure.draw_without_rendering()
        figure.set_layout_engine(None)
        yield
    finally:
        figure.set_layout_engine(layout)
        figure.set_dpi(dpi)


def draw_all(Figure, results, reference=None):
    """{file stem: figure} of every figure the runs allow: figure2 with random-split runs, figure3
    with natural-split or random-frozen ones (each also with the paper's runs as ``reference``: they
    have both), not drawn empty for a grid of other runs alone (a cross-dataset grid's)."""
    figures = {}
    if reference or select(results, "random"):
        figures["figure2"] = figure2(Figure, results, reference)
    if reference or select(results, "natural") or select(results, "all", "random"):
        figures["figure3"] = figure3(Figure, results, reference)
    figures["curves"] = curves(Figure, results)
    if select(results, "cross"):
        figures["figure_cross"] = figure2(Figure, results, split="cross",
                                          title="transfer across datasets: bases on S, targets on T",
                                          names=CROSS_NAMES)
    if select(results, "all", "reduced"):
        figures["figure_s1"] = figure_s1(Figure, results, reference)
    for figure in figures.values():
        readable(figure)
    return figures


def readable(figure):
    """Every text of ``figure`` (a run's name, a dataset's family) drawn with glyphs for its
    characters: one of a script its font lacks (CJK in DejaVu Sans) was an empty box, and a
    "Glyph ... missing from font" warning on stderr for each. Such a text falls back to a font on
    this machine that has them (:func:`_font_with`), else shows them escaped (\\u57fa), in the
    figure only: the tables keep the names. A text with a "$" is a name, not a formula: families
    "US$" and "HK$" lost their dollars to an italic formula, and "x$\\y" stopped the report."""
    from matplotlib import font_manager
    from matplotlib.text import Text

    for text in figure.findobj(Text):
        if "$" in text.get_text():  # no text of ours is a formula; ticks are labelled later, at drawing
            text.set_parse_math(False)
        font = font_manager.get_font(font_manager.findfont(text.get_fontproperties()))
        missing = frozenset(c for c in text.get_text() if not c.isspace() and not font.get_char_index(ord(c)))
        fallback = _font_with(missing) if missing else None
        if fallback:
            text.set_fontfamily([*text.get_fontfamily(), fallback])
        elif missing:
            text.set_text("".join(c.encode("unicode_escape").decode() if c in missing else c
                                  for c in text.get_text()))


@functools.lru_cache(maxsize=None)
def _font_with(characters):
    """The name of a font matplotlib knows on this machine (regular ones first) that has a glyph for
    every one of ``characters``, or None; not matplotlib's Last Resort font, whose glyphs are boxes."""
    from matplotlib import font_manager

    entries = sorted(font_manager.fontManager.ttflist, key=lambda e: (e.style != "normal", e.weight != 400, e.name))
    for entry in entries:
        if entry.name.startswith("Last Resort"):
            continue
        try:
            font = font_manager.get_font(entry.fname)
        except (OSError, RuntimeError):  # a font file that cannot be read is no font
            continue
        if all(font.get_char_index(ord(c)) for c in characters):
            return entry.name
    return None


class DrawNotice(run_search.WalkNotice):
    """Life shown while the figures of many runs are drawn and rendered (2,000 runs' learning
    curves, as PNG and SVG, take seconds each): as the search for the runs shows it, a line on stderr
    each time :data:`minitransfer.run_search.WALK_NOTICE_SECONDS` have passed since the last ("drawing
    the figures of 2,000 runs: curves.svg (10 of 10 files) ..."), and one at the end where one was
    said. Made with the runs drawn as the lines name them ("2,000 runs")."""

    def _say(self, text):
        stopping.warn(inputs.display_name(f"drawing the figures of {self.runs_dir}: {text}"))


def spread_plot(axes, by_n, label, style, offset=0.0, scale=1.0):
    """Every value of {n: [values]} as a dot at n + offset, and their means ± one standard deviation
    as a line with error bars (labelled ``label``; no bar where one network gives no spread, rather
    than a bar of zero); NaN values (networks without an evaluation) are left out, and nothing is
    drawn without a value."""
    by_n = {n: [v for v in values if not math.isnan(v)] for n, values in by_n.items()}
    ns = sorted(n for n, values in by_n.items() if values)
    if not ns:
        return
    for n in ns:
        values = [v * scale for v in by_n[n]]
        xs = [n + offset + dx for dx in _jitter(len(values))]
        axes.plot(xs, values, linestyle="none", markersize=5, alpha=0.55, markeredgecolor="black",
                  markeredgewidth=0.4, **style)
    spreads = [Spread.of(by_n[n]) for n in ns]
    axes.errorbar([n + offset for n in ns], [s.mean * scale for s in spreads],
                  yerr=[s.std * scale for s in spreads], capsize=3, linewidth=1.8,
                  markersize=7, label=f"{label} (mean ± s.d.)", **style)


CROSS_NAMES = {"baseB": "baseT", "BnB": "TnT", "BnB+": "TnT+", "AnB": "SnT", "AnB+": "SnT+"}  # S: source, T: target


def figure2(Figure, results, reference=None, split="random", title="Figure 2: random A/B splits", names=None):
    """Accuracies (top) and accuracies relative to each network's own base (bottom) against n;
    ``names``: the legend's names of the treatments where they are not the paper's (:data:`CROSS_NAMES`)."""
    names = names or {}
    figure = Figure(figsize=(8, 8.5), constrained_layout=True)
    top, bottom = figure.subplots(2, 1, sharex=True)
    bases = [r for r in select(results, split, "baseB")]
    spread_plot(top, {0: [r.mean10_top1 for r in bases]} if bases else {},
                names.get("baseB", "bases") + (" (A and B pooled)" if split == "random" else ""), STYLE["baseB"])
    for treatment in TREATMENTS:
        label = names.get(treatment, treatment)
        spread_plot(top, _accuracy_by_n(results, split, treatment), label, STYLE[treatment], OFFSET[treatment])
        spread_plot(bottom, relative_by_n(results, split, treatment), label, STYLE[treatment], OFFSET[treatment],
                    scale=POINTS)
    if reference:
        _reference_lines(top, reference)
    bottom.axhline(0, color="black", linestyle=":", linewidth=1)
    top.set_title(f"{title}:\nevery network, and each treatment's mean ± s.d."
                  + (" (thin dashed: the paper's runs)" if reference else ""))
    bottom.set_title("relative to the base of each network's own target")
    _finish([(top, _accuracy_label(select(results, split))), (bottom, RELATIVE_LABEL)], results + (reference or []))
    _say_if_empty(top, _no_accuracy(select(results, split), f"no {split}-split runs"))
    _say_if_empty(bottom, NO_RELATIVE)
    return figure


def _accuracy_label(runs, images="target validation images"):
    """The y label of an accuracy panel of ``runs``, its metric in words true of them
    (:func:`minitransfer.comparisons.metric_words`: a run of 3 evaluations has no 10 best)."""
    words = metric_words(runs).replace("; ", ";\n")
    return f"top-1 accuracy, {images}\n({words})"


def _no_accuracy(runs, none):
    """Why a panel of ``runs`` drew no network: ``none`` when there are no such runs."""
    return f"no accuracy to draw: none of the {len(runs)} networks made an evaluation" if runs else none


def _say_if_empty(axes, why):
    """A panel that drew no network (no mean ± s.d.; its zero line and the paper's lines are not
    networks) says ``why`` in its middle."""
    if not axes.containers:
        _say(axes, why)


def _say(axes, why):
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
        means = {n: Spread.of(values).mean for n, values in _accuracy_by_n(reference, "random", treatment).items()}
        if means:
            style = dict(STYLE[treatment], markerfacecolor="none")
            axes.plot(list(means), list(means.values()), linestyle="--", linewidth=0.9, markersize=5,
                      label=f"{treatment} (paper)", **style)


def figure3(Figure, results, reference=None):
    """The natural split by target (top left; its halves named by :func:`natural_families`), random
    frozen layers (top right), and both with the random split's AnB relative to their own bases
    (bottom)."""
    figure = Figure(figsize=(10, 8.5), constrained_layout=True)
    grid = figure.add_gridspec(2, 2)
    natural, random_weights = figure.add_subplot(grid[0, 0]), figure.add_subplot(grid[0, 1])
    relative = figure.add_subplot(grid[1, :])
    names = natural_families(results)
    for target, name in zip(HALVES, names):
        style, offset = STYLE[f"natural {target}"], -0.1 if target == "A" else 0.1
        by_n = _accuracy_by_n(results, "natural", "AnB", target)
        bases = [r.mean10_top1 for r in select(results, "natural", "baseB", target)]
        spread_plot(natural, _with_base(bases, by_n), f"target {name}", style, offset)
        spread_plot(relative, relative_by_n(results, "natural", "AnB", target), f"{name} target: AnB", style,
                    offset, scale=POINTS)
    randoms = _accuracy_by_n(results, "all", "random")
    if randoms:  # the all-classes base of a reduced-data grid alone is no random-weights run
        bases = [r.mean10_top1 for r in select(results, "all", "baseB")]
        spread_plot(random_weights, _with_base(bases, randoms), "random frozen layers", STYLE["random"])
    spread_plot(relative, relative_by_n(results, "all", "random"), "random frozen layers", STYLE["random"], 0.2,
                scale=POINTS)
    spread_plot(relative, relative_by_n(results, "random", "AnB"), "random A/B split: AnB", STYLE["AnB"], -0.2,
                scale=POINTS)
    if reference:
        for target, name in zip(HALVES, natural_families(reference)):
            means = {n: Spread.of(v).mean for n, v in _accuracy_by_n(reference, "natural", "AnB", target).items()}
            if means:
                natural.plot(list(means), list(means.values()), linestyle="--", linewidth=0.9,
                             label=f"target {name} (paper)",
                             **dict(STYLE[f"natural {target}"], markerfacecolor="none"))
    relative.axhline(0, color="black", linestyle=":", linewidth=1)
    natural.set_title(f"natural split: {names[0]} (A) / {names[1]} (B), by target task")
    random_weights.set_title("first n layers random and frozen (all classes)")
    relative.set_title("relative to each network's own base: dissimilar tasks and random features")
    _finish([(natural, _accuracy_label(select(results, "natural"))),
             (random_weights, _accuracy_label(select(results, "all", "random") + select(results, "all", "baseB"))),
             (relative, RELATIVE_LABEL)],
            results + (reference or []))
    _say_if_empty(natural, _no_accuracy(select(results, "natural"),
                                        "no natural-split runs (experiment --split natural)"))
    _say_if_empty(random_weights, _no_accuracy(select(results, "all", "random"),
                                               "no random-weights runs (experiment --random-frozen 1-7)"))
    _say_if_empty(relative, NO_RELATIVE)
    figure.suptitle("Figure 3: dissimilar tasks and random weights")
    return figure


PER_CLASS_LABEL = "training images asked for per class (--per-class)"
FULL_DATA = "base: every training image, full schedule"


def figure_s1(Figure, results, reference=None):
    """Supplement B's Figure S1: the reduced-data runs' accuracies against the training images asked
    for per class (--per-class, as the paper's Table S1 gives them), on linear (top) and logarithmic
    (bottom) x axes; every network a dot, each count's mean ± s.d., and beside a count that some
    classes could not give the images its runs used (:func:`_images_used`). The all-classes base,
    trained on every image (and on the longer schedule that reduced-data runs shorten), is a
    horizontal line, with a band of ± s.d. over several bases.
    The paper's runs (its Table S1, and its base) are dashed."""
    from matplotlib.ticker import LogFormatter

    figure = Figure(figsize=(8, 8.5), constrained_layout=True)
    linear, logarithmic = figure.subplots(2, 1)
    reduced = select(results, "all", "reduced")
    bases = [r.mean10_top1 for r in select(results, "all", "baseB")]
    for axes in (linear, logarithmic):
        spread_plot(axes, _accuracy_by_per_class(reduced), "reduced data", STYLE["reduced"])
        _images_used(axes, reduced)
        _base_line(axes, bases)
        if reference:
            _reference_s1(axes, reference)
    logarithmic.set_xscale("log")
    logarithmic.xaxis.set_major_formatter("{x:g}")  # 1, 10, 100 rather than 10^0, 10^1, 10^2
    # A range within about a decade labels its minor ticks too (--per-class 10,20,50): 20, 30, not 2×10^1
    logarithmic.xaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.4)))
    linear.set_title("linear axes")
    logarithmic.set_title("logarithmic x axis: the smallest training sets apart")
    accuracy = _accuracy_label(reduced + select(results, "all", "baseB"), "validation images of every class")
    asked = PER_CLASS_LABEL + _per_class_caveat(reduced)
    _label(linear, asked, accuracy, legend=False)
    _label(logarithmic, asked.replace(" (--per-class)", " (--per-class; logarithmic)"), accuracy, legend=False)
    if _labelled(linear):  # one legend for both panels' same lines, where accuracy rising with data leaves room
        linear.legend(loc="lower right", fontsize=7)
    for axes in (linear, logarithmic):
        _say_if_empty(axes, _no_accuracy(reduced, "no reduced-data runs (experiment --per-class 10,100)"))
    figure.suptitle("Figure S1: accuracy against training set size (all classes, reduced data):\nevery network, "
                    "and each size's mean ± s.d." + (" (dashed: the paper's runs, Table S1)" if reference else ""))
    return figure


def _per_class_caveat(reduced):
    """What the x axis of Figure S1 does not say: the images used, where some count's runs used fewer
    (a class with fewer keeps all it has), or could not be told (their dataset not readable here)."""
    if any(_used(r) for r in reduced):
        return "\nwhere a class had fewer it kept all it had: the images used are written at the point"
    if any(not r.kept_per_class for r in reduced):
        return "\nwhere a class had fewer it kept all it had (the datasets cannot be read here to tell)"
    return ""


def _used(result):
    """The training images a class a reduced-data run used, in words, where that is not the count it
    asked for: "used 500", "used 983 on average (732 to 1000)"; "" where every class had that many,
    or where its dataset cannot be read (:attr:`minitransfer.comparisons.Result.kept_per_class`)."""
    if not result.kept_per_class:
        return ""
    fewest, average, most = result.kept_per_class
    if fewest == most == result.run.per_class:
        return ""
    return f"used {most:,}" if fewest == most else f"used {average:,.0f} on average ({fewest:,} to {most:,})"


def _images_used(axes, reduced):
    """Beside the mean of each count of images asked for whose runs used fewer (:func:`_used`), what
    they used: --per-class 1000 on a dataset of 500 images a class is drawn at 1000, trained on 500."""
    for count, accuracies in _accuracy_by_per_class(reduced).items():
        used = next((_used(r) for r in reduced if r.run.per_class == count and _used(r)), "")
        spread = Spread.of(accuracies)
        if used and spread.count:
            axes.annotate(f"{count:,} asked for:\n{used}", (count, spread.mean), xytext=(-4, -8), ha="right",
                          va="top", textcoords="offset points", fontsize=7, color=STYLE["reduced"]["color"])


def _accuracy_by_per_class(reduced):
    """{training images per class: [accuracies]} of reduced-data runs, ascending."""
    return {count: [r.mean10_top1 for r in reduced if r.run.per_class == count]
            for count in sorted({r.run.per_class for r in reduced})}


def _base_line(axes, accuracies):
    """The all-classes bases' mean as a horizontal line, with a band of ± one s.d. where several give one."""
    spread = Spread.of(accuracies)
    if not spread.count:
        return
    networks = "1 network" if spread.count == 1 else f"mean ± s.d. of {spread.count} networks"
    axes.axhline(spread.mean, color="black", linewidth=1.2, label=f"{FULL_DATA} ({networks})")
    if spread.count > 1:
        axes.axhspan(spread.mean - spread.std, spread.mean + spread.std, color="black", alpha=0.12)


def _reference_s1(axes, reference):
    """The paper's reduced-data runs (Table S1) and its all-classes base, dashed."""
    means = {count: Spread.of(values).mean
             for count, values in _accuracy_by_per_class(select(reference, "all", "reduced")).items()}
    if means:
        axes.plot(list(means), list(means.values()), linestyle="--", linewidth=0.9, markersize=5,
                  label="reduced data (paper, Table S1)", **dict(STYLE["reduced"], markerfacecolor="none"))
    base = Spread.of([r.mean10_top1 for r in select(reference, "all", "baseB")]).mean
    if not math.isnan(base):
        axes.axhline(base, color="grey", linestyle="--", linewidth=0.8, label=f"{FULL_DATA} (paper)")


# Runs still rising named in a panel's legend: a grid of 1,000 runs trained too short had a legend
# of hundreds of names, taller than the figure; findings.md names every one.
RISING_NAMED = 8


def curves(Figure, results):
    """Training loss (top row) and validation top-1 (bottom row) against iterations, one column per
    group of runs; a run still rising at the end is red, the first :data:`RISING_NAMED` of a group
    named. The runs' lines are drawn as an image in the SVG too: a grid's 1,000 runs made 20 MB of
    vector paths. A panel's runs not named are a few collections of lines, not a line each: 2,000
    runs' lines, one artist each, took 8 s to draw and save."""
    from matplotlib.ticker import EngFormatter

    groups = {}
    for r in results:
        key = {"natural": "natural split", "cross": "across datasets"}.get(r.run.split, r.run.treatment)
        groups.setdefault(key, []).append(r)
    # A column is 3.2 inches; the title needs two columns' width (one group's figure cut it at both edges)
    figure = Figure(figsize=(3.2 * max(len(groups), 2), 6), constrained_layout=True)
    axes = figure.subplots(2, max(len(groups), 1), squeeze=False)
    for column, (name, members) in enumerate(sorted(groups.items())):
        loss_axes, top1_axes = axes[0][column], axes[1][column]
        steady, rising = [], []
        for r in members:  # still_rising reads the whole curve: once a run
            (rising if r.still_rising else steady).append(r)
        named = rising[:RISING_NAMED]
        for panel, points_of in ((loss_axes, lambda r: r.losses), (top1_axes, lambda r: r.curve)):
            _lines(panel, [points_of(r) for r in steady], **STEADY)
            _lines(panel, [points_of(r) for r in rising[RISING_NAMED:]], **RISING_STYLE)
            for r in named:  # drawn last: the red of the runs named is above the others
                if points_of(r):
                    panel.plot(*zip(*points_of(r)), rasterized=True, label=_shortened(r.run.name), **RISING_STYLE)
        loss_axes.set_title(f"{name} ({len(members)} run{'s' if len(members) != 1 else ''})")
        loss_axes.set_ylabel("training loss (logged batches)")
        top1_axes.set_ylabel("validation top-1")
        top1_axes.set_xlabel("iteration")
        for each in (loss_axes, top1_axes):  # 450,000 iterations: "100k", not digits running into each other
            each.xaxis.set_major_formatter(EngFormatter(sep=""))
        for each, why in ((loss_axes, NO_LOSSES), (top1_axes, NO_EVALUATIONS)):
            each.grid(alpha=0.3)
            if not each.lines and not each.collections:  # no axis of nothing: 0 to 1 iteration, "200m"
                each.set_xticks([])
                each.set_yticks([])
                _say(each, why)
        if rising:
            more = len(rising) - len(named)
            legend = top1_axes.legend(fontsize=6, title_fontsize=7, title=f"still rising ({len(rising)}"
                                      + (f"; {more} more in findings.md)" if more else ")"))
            for text in legend.get_texts():  # a name is no formula: "lr$\x$" stopped the report, "a$b$" italic
                text.set_parse_math(False)
    figure.suptitle("learning curves:\na run whose accuracy still rises at the end has not converged")
    return figure


# A run's name in a legend: a longer one (a folder of runs named by their options, 250 characters) made
# a legend wider than the figure, its panels squeezed to nothing ("constrained_layout not applied").
NAME_SHOWN = 40


def _shortened(name):
    """``name`` in at most :data:`NAME_SHOWN` characters, its start and its end (which tells a run
    from its neighbours: A1B+) kept, with "…" between; findings.md names the run in full."""
    if len(name) <= NAME_SHOWN:
        return name
    end = NAME_SHOWN // 2
    return f"{name[:NAME_SHOWN - end - 1]}…{name[-end:]}"


STEADY = dict(color="#3060a0", linewidth=0.7, alpha=0.6)
RISING_STYLE = dict(color="red", linewidth=1.2)


def _lines(axes, curves, **style):
    """The ``curves`` (each a sequence of (x, y) points; the empty left out) as one rasterized
    collection of lines in ``axes``, none where no curve has a point; a curve of one point (a run
    of one evaluation, a line of no length: its panel looked empty) is a dot too."""
    from matplotlib.collections import LineCollection

    segments = [curve for curve in curves if curve]
    if segments:
        axes.add_collection(LineCollection(segments, rasterized=True, label="_runs", **style))
    points = [curve[0] for curve in segments if len(curve) == 1]
    if points:
        axes.plot(*zip(*points), linestyle="none", marker="o", markersize=3, rasterized=True, label="_runs",
                  color=style["color"], alpha=style.get("alpha"))


def _finish(panels, results):
    """The n axis of ``panels`` from 0 to :func:`_top_n`, half a layer of room at either end, and
    their labels."""
    top = _top_n(results)
    for axes, ylabel in panels:
        axes.set_xticks(range(top + 1))
        axes.set_xlim(-0.5, top + 0.5)
        _label(axes, N_LABEL, ylabel)


def _top_n(results):
    """The highest n of an axis of ``results``: their highest; for a grid still at its bases (n 0
    alone, whose dots spread across an axis of one tick), the layers its preset copies (the paper's
    n 1..7, those of CaffeNet where the runs do not say), as its transfers will."""
    top = max((r.run.n for r in results), default=0)
    presets = {models.PRESETS[r.preset].copyable for r in results if r.preset in models.PRESETS}
    return top or max(presets, default=models.get("caffenet").copyable)


def _label(axes, xlabel, ylabel, legend=True):
    """The axes' labels, a light grid, and (``legend``) a legend of what the panel labelled."""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.grid(alpha=0.3)
    if legend and _labelled(axes):
        axes.legend(loc="best", fontsize=7, ncol=2)


def _labelled(axes):
    return any(not line.get_label().startswith("_") for line in axes.lines + axes.containers)


def _jitter(count):
    """Small horizontal offsets so that several dots at one n stay visible."""
    return [0.0] if count == 1 else [-0.04 + 0.08 * i / (count - 1) for i in range(count)]
