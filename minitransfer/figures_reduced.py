"""Supplement B's Figure S1: the reduced-data runs' accuracy against the training images asked for
per class (needs matplotlib: the ``plot`` extra; :mod:`minitransfer.figures` draws it where a grid
has such runs).
"""

import math
import textwrap

import numpy as np

from minitransfer.experiment import some_names
from minitransfer.figures_paper import (STYLE, accuracy_label, accuracy_ticks, has_legend_entries, label_axes,
                                        means_drawn, no_accuracy, say_if_empty, spread_plot)
from minitransfer.results import Spread, select
from minitransfer.run_facts import at_chance_kinds, cannot_be_told, runs_against_chance

PER_CLASS_LABEL = "training images asked for per class (--per-class)"
FULL_DATA = "base: every training image"
LABEL_GAP = (10, 8)  # points from a point to the near corner of its label of the images used: across, up or down
MARKER = 4  # points either side of a mean that its label of images used leaves free
NOTE_LINE = 110  # characters of a line of the note under the figure that fit its width
APART = 1.5  # the least ratio of a power of ten to a count labelled on the log axis for it to be labelled too
NOTE_SIZE, NOTE_SPACING = 8, 1.2  # the note's font size (points) and matplotlib's line spacing, in font sizes


def figure_s1(Figure, results, reference=None):
    """Supplement B's Figure S1: the reduced-data runs' accuracies against the training images asked
    for per class (--per-class, as the paper's Table S1 gives them), on linear (top) and logarithmic
    (bottom) x axes; every network a dot, each count's mean ± s.d. (of how many networks:
    :func:`minitransfer.figures_paper.drawn`), and beside a count that some
    classes could not give the images its runs used (:func:`_images_used`), and under the figure the
    counts whose runs are no better than chance (:func:`at_chance_note`). The all-classes base,
    trained on every image (on its own schedule: :func:`_base_words`), is a horizontal line, with a
    band of ± s.d. over several bases.
    The paper's runs (its Table S1, and its base) are dashed."""
    from matplotlib.ticker import MaxNLocator

    reduced = select(results, "all", "reduced")
    note = at_chance_note(reduced)  # its lines make the figure taller, not the panels and their labels' room shorter
    figure = Figure(figsize=(8, 8.5 + _lines(note) * NOTE_SIZE * NOTE_SPACING / 72), constrained_layout=True)
    linear, logarithmic = figure.subplots(2, 1)
    bases = select(results, "all", "baseB")
    by_count = _accuracy_by_per_class(reduced)  # worked out once: both panels and the labels of the images used
    base_accuracies, base_words = [r.mean10_top1 for r in bases], _base_words(bases, reduced)
    paper = _reference_means(reference) if reference else None
    for axes in (linear, logarithmic):
        counts = spread_plot(axes, by_count, "reduced data", STYLE["reduced"], per="size", gaps=False)
        _base_line(axes, base_accuracies, base_words)
        if paper:
            _reference_s1(axes, *paper)
    # A count of images is whole: one count alone (--per-class 1) had ticks at 0.96 .. 1.04, 1 and 2 at 1.2, 1.4
    linear.xaxis.set_major_locator(MaxNLocator("auto", integer=True, min_n_ticks=1, steps=[1, 2, 2.5, 5, 10]))
    _count_ticks(logarithmic, [count for count, values in by_count.items() if not all(map(math.isnan, values))])
    linear.set_title("linear axes")
    logarithmic.set_title("logarithmic x axis: the smallest training sets apart")
    accuracy = accuracy_label(reduced + bases, "validation images of every class",
                              select(reference or [], "all"))
    asked = PER_CLASS_LABEL + _per_class_caveat(reduced)
    label_axes(linear, asked, accuracy, legend=False)
    label_axes(logarithmic, asked.replace(" (--per-class)", " (--per-class; logarithmic)"), accuracy, legend=False)
    if has_legend_entries(linear):  # one legend for both panels' lines, where they leave room: lower right where
        linear.legend(loc="best", fontsize=7)  # accuracy rises with data; there, it hid a largest count that diverged
    for axes in (linear, logarithmic):
        accuracy_ticks(axes)
        say_if_empty(axes, no_accuracy(reduced, "no reduced-data runs (experiment --per-class 10,100)"))
    figure.suptitle("Figure S1: accuracy against training set size (all classes, reduced data):\n"
                    + means_drawn(counts, "size", "(dashed: the paper's runs, Table S1)" if reference else ""))
    if note:
        figure.supxlabel(note, fontsize=NOTE_SIZE)
    _images_used(figure, (linear, logarithmic), reduced, by_count)
    return figure


def _count_ticks(axes, counts):
    """The logarithmic x axis of ``axes`` ticked and labelled at the ``counts`` measured (training images per class
    with an accuracy drawn), and at the powers of ten within its limits that lie apart from them (:data:`APART`: a
    scale for the paper's dashed runs beside), in plain numbers (5, 20, not 5×10^0), its minor ticks left unlabelled.
    Before, matplotlib's decades and, within about one, its minor ticks were labelled: --per-class 5,20 got 6, 10,
    20, not 5, its leftmost point. Without counts (no reduced-data runs with an accuracy), matplotlib's ticks, in
    plain numbers. Called once every point is drawn (the limits read here)."""
    from matplotlib.ticker import FixedLocator, LogFormatter, NullFormatter

    axes.set_xscale("log")
    axes.xaxis.set_major_formatter("{x:g}")  # 1, 10, 100 rather than 10^0, 10^1, 10^2
    if not counts:  # a range within about a decade labels its minor ticks too: 20, 30, not 2×10^1
        axes.xaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.4)))
        return
    low, high = axes.get_xlim()
    decades = [10 ** k for k in range(math.ceil(math.log10(low)), math.floor(math.log10(high)) + 1)]
    apart = [decade for decade in decades if all(max(decade, c) / min(decade, c) >= APART for c in counts)]
    axes.xaxis.set_major_locator(FixedLocator(sorted({*counts, *apart})))
    axes.xaxis.set_minor_formatter(NullFormatter())


def at_chance_note(reduced):
    """The note under Figure S1 naming the counts of images asked for whose ``reduced`` runs are no better
    than chance (:func:`minitransfer.run_facts.runs_against_chance`), their runs as the runs to read with
    care name them (:func:`minitransfer.run_caveats.reduced_at_chance`): a point at chance is what guessing
    scores, not what the training images taught (1 image a class at 99.3% on a set whose largest class holds
    97.1% of the validation images drew as well learned); "" where none is."""
    found = runs_against_chance(reduced, "reduced")[0]
    if not found:
        return ""
    _, untold, counts = at_chance_kinds(found)
    said = (f"reduced-data runs no better than chance{f', or {cannot_be_told(counts)},' if untold else ''} "
            f"(see the runs to read with care): their points are what guessing scores, not what their training "
            f"images taught")
    for asked in sorted({r.run.per_class for r, *_ in found}):
        nothing, untold, _ = at_chance_kinds([each for each in found if each[0].run.per_class == asked])
        said += f"\n--per-class {asked}: {some_names(nothing + untold)}"
    return "\n".join(textwrap.fill(line, NOTE_LINE) for line in said.split("\n"))


def _lines(text):
    """The lines of ``text``: 0 for ""."""
    return text.count("\n") + 1 if text else 0


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


def _images_used(figure, panels, reduced, by_count):
    """Beside the mean of each count of images asked for (``by_count``: :func:`_accuracy_by_per_class` of
    ``reduced``) whose runs used fewer (:func:`_used`), what
    they used: --per-class 1000 on a dataset of 500 images a class is drawn at 1000, trained on 500.
    Each label hangs from its point by a leader, on the side of it towards the middle of its panel, or
    the nearest place inside the panel clear of the other labels, the points and the legend
    (:func:`_place`). Called once ``figure`` holds everything else: the labels are placed on its layout."""
    spreads, labels = {count: Spread.of(accuracies) for count, accuracies in by_count.items()}, {}
    for count, spread in spreads.items():
        used = next((_used(r) for r in reduced if r.run.per_class == count and _used(r)), "")
        if used and spread.count:
            labels[count] = spread.mean, f"{count:,} asked for:\n{used}"
    if not labels:
        return
    from matplotlib.transforms import Bbox

    figure.draw_without_rendering()  # the panels' layout, limits and legends final, in pixels
    color, marker = STYLE["reduced"]["color"], MARKER * figure.dpi / 72
    means = [(count, spread.mean) for count, spread in spreads.items()]
    for axes in panels:
        taken = [Bbox.from_bounds(x - marker, y - marker, 2 * marker, 2 * marker)
                 for x, y in axes.transData.transform(means)]
        taken += [axes.get_legend().get_window_extent()] if axes.get_legend() else []
        for count, (mean, words) in labels.items():
            right, upper = (axes.transData + axes.transAxes.inverted()).transform((count, mean)) > 0.5
            label = axes.annotate(words, (count, mean), xytext=(0, 0), textcoords="offset points",
                                  ha="right" if right else "left", va="top" if upper else "bottom",
                                  fontsize=7, color=color, arrowprops=dict(arrowstyle="-", color=color, linewidth=0.6,
                                                                           shrinkA=0, shrinkB=2))
            label.set_in_layout(False)  # inside its panel: it must not move the panel
            taken.append(_place(axes, label, right, upper, taken))


def _place(axes, label, right, upper, taken):
    """Moves ``label`` (drawn at its point) to the free place inside ``axes`` nearest :data:`LABEL_GAP`
    beside its point on the ``right``/``upper`` side's way to the middle, clear of the ``taken`` boxes
    (pixels) by a point, trying the other side across where that side has none; where no place is free,
    the first (clamped into the panel). Returns the box its text takes."""
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    label.get_window_extent()  # its text moved to its point: an annotation is placed where it is measured
    panel, text = axes.get_window_extent(), Text.get_window_extent(label)  # the text alone, not its leader
    pixels = axes.figure.dpi / 72  # a subfigure says its figure's dpi; get_figure(root=True) needs matplotlib 3.10
    across, up = np.array(LABEL_GAP) * pixels
    x, y = axes.transData.transform(label.xy)
    lowest, highest = panel.y0, max(panel.y0, panel.y1 - text.height)
    wanted = float(np.clip(y - up - text.height if upper else y + up, lowest, highest))
    rows = sorted(np.append(np.arange(lowest, highest, pixels), [wanted, highest]), key=lambda row: abs(row - wanted))
    places = []
    for side in (right, not right):
        x0 = float(np.clip(x - across - text.width if side else x + across, panel.x0,
                           max(panel.x0, panel.x1 - text.width)))
        places += [Bbox.from_bounds(x0, row, text.width, text.height) for row in rows]
    box = next((place for place in places if not any(place.padded(pixels).overlaps(other) for other in taken)),
               places[0])
    label.xyann = ((box.x0 - text.x0) / pixels, (box.y0 - text.y0) / pixels)
    return box


def _accuracy_by_per_class(reduced):
    """{training images per class: [accuracies]} of reduced-data runs, ascending."""
    return {count: [r.mean10_top1 for r in reduced if r.run.per_class == count]
            for count in sorted({r.run.per_class for r in reduced})}


def _base_words(bases, reduced):
    """The base line's legend: every training image, over the iterations its runs' config.json recorded,
    and how that compares with the reduced-data runs' ("full schedule" was said of bases that --max-iter 40
    trained as long as the reduced-data runs); "its own schedule" where a base recorded none."""
    iterations, reduced_iterations = _iterations(bases), _iterations(reduced)
    if not iterations:
        return f"{FULL_DATA}, its own schedule"
    if iterations == reduced_iterations:
        return f"{FULL_DATA}, {_span(iterations)} iterations as the reduced-data runs"
    return f"{FULL_DATA}, {_span(iterations)} iterations" + (
        f"; the reduced-data runs {_span(reduced_iterations)}" if reduced_iterations else "")


def _iterations(results):
    """The iterations (max_iter) ``results`` recorded in their schedules, ascending; () where one recorded none."""
    recorded = [dict(r.schedule).get("max_iter") for r in results]
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in recorded):
        return ()
    return tuple(sorted(set(recorded)))


def _span(values):
    """"40" or "40 to 100" of ascending ``values``."""
    return f"{values[0]:,}" if values[0] == values[-1] else f"{values[0]:,} to {values[-1]:,}"


def _base_line(axes, accuracies, words):
    """The all-classes bases' mean as a horizontal line (labelled ``words`` and how many networks), with
    a band of ± one s.d. where several give one."""
    spread = Spread.of(accuracies)
    if not spread.count:
        return
    networks = "1 network" if spread.count == 1 else f"mean ± s.d. of {spread.count} networks"
    axes.axhline(spread.mean, color="black", linewidth=1.2, label=f"{words} ({networks})")
    if spread.count > 1:
        axes.axhspan(spread.mean - spread.std, spread.mean + spread.std, color="black", alpha=0.12)


def _reference_means(reference):
    """{training images per class: mean accuracy} of the paper's reduced-data runs (Table S1) and its
    all-classes base's mean (NaN where it has none)."""
    means = {count: Spread.of(values).mean
             for count, values in _accuracy_by_per_class(select(reference, "all", "reduced")).items()}
    return means, Spread.of([r.mean10_top1 for r in select(reference, "all", "baseB")]).mean


def _reference_s1(axes, means, base):
    """The paper's reduced-data runs (Table S1) and its all-classes base (:func:`_reference_means`), dashed."""
    if means:
        axes.plot(list(means), list(means.values()), linestyle="--", linewidth=0.9, markersize=5,
                  label="reduced data (paper, Table S1)", **dict(STYLE["reduced"], markerfacecolor="none"))
    if not math.isnan(base):
        axes.axhline(base, color="grey", linestyle="--", linewidth=0.8, label=f"{FULL_DATA} (paper)")
