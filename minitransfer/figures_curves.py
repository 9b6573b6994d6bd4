"""Every run's learning curves, training loss and validation top-1 against iterations, by treatment
(needs matplotlib: the ``plot`` extra; :mod:`minitransfer.figures` draws them); runs still rising at
the end are drawn in red.
"""

from minitransfer.experiment import CROSS
from minitransfer.figures_paper import accuracy_ticks, legend_below, say_in_panel
from minitransfer.run_labels import held_labels

NO_LOSSES, NO_EVALUATIONS = "no training loss logged (metrics.jsonl)", "no evaluation recorded (eval.csv)"


# Runs still rising named in a panel's legend: a grid of 1,000 runs trained too short had a legend
# of hundreds of names, taller than the figure; findings.md names every one.
RISING_NAMED = 8


def curves(Figure, results):
    """Training loss (top row) and validation top-1 (bottom row) against iterations, one column per
    group of runs (:func:`_group`) in the order a reader looks for them (:data:`COLUMNS`), titled by
    the runs it holds (:func:`_title`); a run still rising at the end is red, the first
    :data:`RISING_NAMED` of a group named. The runs' lines are drawn as an image in the SVG too: a
    grid's 1,000 runs made 20 MB of vector paths. A panel's runs not named are a few collections of
    lines, not a line each: 2,000 runs' lines, one artist each, took 8 s to draw and save."""
    from matplotlib.ticker import EngFormatter

    groups = {}
    for r in results:
        groups.setdefault(_group(r.run), []).append(r)
    # A column is 3.2 inches; the title needs two columns' width (one group's figure cut it at both edges)
    figure = Figure(figsize=(3.2 * max(len(groups), 2), 6), constrained_layout=True)
    axes = figure.subplots(2, max(len(groups), 1), squeeze=False)
    for column, (name, members) in enumerate(sorted(groups.items(), key=_column_order)):
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
                    panel.plot(*zip(*points_of(r)), rasterized=True, label=shortened(r.run.name), **RISING_STYLE)
        loss_axes.set_title(_title(name, members), fontsize=10)
        _loss_scale(loss_axes, [loss for r in members for _, loss in r.losses])
        top1_axes.set_ylabel("validation top-1")
        top1_axes.set_xlabel("iteration")
        for each in (loss_axes, top1_axes):  # 450,000 iterations: "100k", not digits running into each other
            each.xaxis.set_major_formatter(EngFormatter(sep=""))
        for each, why in ((loss_axes, NO_LOSSES), (top1_axes, NO_EVALUATIONS)):
            each.grid(alpha=0.3)
            if not each.lines and not each.collections:  # no axis of nothing: 0 to 1 iteration, "200m"
                each.set_xticks([])
                each.set_yticks([])
                say_in_panel(each, why)
            elif each is top1_axes:
                accuracy_ticks(each)
        if rising:
            more = len(rising) - len(named)
            # below the panel, as the paper figures' legends: inside it (loc="best") it could cover the curves
            legend = legend_below(top1_axes, fontsize=6, title_fontsize=7, title=f"still rising ({len(rising)}"
                                  + (f"; {more} more in findings.md)" if more else ")"))
            for text in legend.get_texts():  # a name is no formula: "lr$\x$" stopped the report, "a$b$" italic
                text.set_parse_math(False)
    figure.suptitle("learning curves:\na run whose accuracy still rises at the end has not converged")
    return figure


NATURAL, CROSS_TARGET, CROSS_SOURCE = "natural split", "across datasets", "across datasets: source base"


def _group(run):
    """The column of ``run``'s curves: the natural split's runs, a cross-dataset grid's runs on its
    target dataset, and its source base (trained and scored on the other dataset: its curves are not
    the target's) each one column; every other run its pooled treatment's (baseA with baseB)."""
    if run.split == "natural":
        return NATURAL
    if run.split == CROSS:
        return CROSS_SOURCE if run.treatment == "source" else CROSS_TARGET
    return run.treatment


# The columns' order: the bases, the selffers and transfers (fine-tuned beside frozen), the natural
# split's and a cross-dataset grid's runs (its source base first), the controls on every class last;
# alphabetically they began with AnB and put the bases between the cross-dataset runs and the controls.
COLUMNS = ("baseB", "BnB", "BnB+", "AnB", "AnB+", NATURAL, CROSS_SOURCE, CROSS_TARGET, "random", "reduced")


def _column_order(group):
    """The key of a (name, runs) column by :data:`COLUMNS`; a group not there after them, by name."""
    name, _ = group
    return (COLUMNS.index(name) if name in COLUMNS else len(COLUMNS)), name


LOSS_SHOWN = 1e30  # above, a loss (a hand-edited 1e308) is off the log axis: matplotlib's ticks overflowed there


def _loss_scale(axes, losses):
    """The loss panel ``axes`` on a log scale: one run's spike (a loss of 46 on a batch) drew every other
    run's fall from 1.4 to 0.1 as a flat line at the bottom of its panel. A loss of 0 (a small set
    learnt by heart) is not drawn there, and the axis reaches at most three decades below the median
    of the ``losses`` (one of 1e-7 stretched it over eight) and six above; without any loss above 0,
    linear."""
    positive = sorted(loss for loss in losses if 0 < loss < LOSS_SHOWN)
    if not positive:
        axes.set_ylabel("training loss (logged batches)")
        return
    median = positive[(len(positive) - 1) // 2]
    axes.set_yscale("log", nonpositive="mask")
    axes.set_ylim(max(positive[0], median / 1e3) / 1.5, min(positive[-1], median * 1e6) * 1.5)
    axes.set_ylabel("training loss (logged batches, log scale)")
    # the ticks as numbers: a loss falling from 3 to 1.5 was labelled 3×10⁰, 2×10⁰ and 10⁰
    axes.yaxis.set_major_formatter(_plain_log_formatter())
    axes.yaxis.set_minor_formatter(_plain_log_formatter(labelOnlyBase=False))


def _plain_log_formatter(**options):
    """matplotlib's formatter of a log axis, labelling the ticks it labels (every decade; between them, where
    the axis spans a decade or two), each as a plain number: "2", "0.3", "100"."""
    from matplotlib.ticker import LogFormatterSciNotation

    class Plain(LogFormatterSciNotation):
        def __call__(self, value, pos=None):
            return f"{value:g}" if super().__call__(value, pos) else ""

    return Plain(**options)


def _title(group, members):
    """A column's title, naming the runs it holds as the paper names them (:func:`held_labels`:
    "baseA, baseB", not the pooled "baseB" of both) and how many: "baseA, baseB (2 runs)"."""
    runs = f"{len(members)} run{'s' if len(members) != 1 else ''}"
    held = held_labels(r.run for r in members)
    if group == CROSS_SOURCE:
        return f"{held} ({runs}): the source base,\nscored on the source dataset"
    if group in (NATURAL, CROSS_TARGET):
        return f"{group} ({runs}):\n{held}"
    return f"{held} ({runs})"


# A run's name in a legend: a longer one (a folder of runs named by their options, 250 characters) made
# a legend wider than the figure, its panels squeezed to nothing ("constrained_layout not applied").
NAME_SHOWN = 40


def shortened(name):
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
        axes.autoscale_view()  # matplotlib 3.8 does not (newer ones do): the axes stayed 0..1, the lines off it
    points = [curve[0] for curve in segments if len(curve) == 1]
    if points:
        axes.plot(*zip(*points), linestyle="none", marker="o", markersize=3, rasterized=True, label="_runs",
                  color=style["color"], alpha=style.get("alpha"))
