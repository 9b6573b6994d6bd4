"""What a reader of the figures sees, measured on the drawn figure: every text inside the image, legends
apart from each other. Results are built in memory (no training, no files)."""

import dataclasses
import math
import warnings

import pytest

from minitransfer import experiment as grid
from minitransfer import figures, figures_curves
from minitransfer.results import Result

matplotlib_figure = pytest.importorskip("matplotlib.figure")
FigureCanvasAgg = pytest.importorskip("matplotlib.backends.backend_agg").FigureCanvasAgg
Figure = matplotlib_figure.Figure

# A natural split of CIFAR-100's superclasses: half A one family, half B the others joined by " + "
LONG_FAMILIES = ("vehicles 1", "aquatic mammals + fish + flowers + food containers + fruit and vegetables + "
                               "household electrical devices + household furniture + insects + large carnivores")


def networks(runs, accuracy):
    return [Result(run, accuracy(run), accuracy(run), accuracy(run), 30) for run in runs]


def drawn(figure):
    """``figure`` laid out and drawn as render draws it (at figures.DPI); its renderer."""
    figure.set_dpi(figures.DPI)
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    return renderer


def test_long_family_names_keep_figure3_inside_its_image():
    """Half B's families joined made the natural split's title and legends wider than the figure: the
    title ran off both edges over the next panel's, the legends overlapped, and the layout gave up
    ("constrained_layout not applied"), squeezing the panels to slivers."""
    runs = grid.plan_grid(random_seeds=(0,), natural=True, random_frozen=(1, 4), layers=(1, 4))
    results = [dataclasses.replace(r, families=LONG_FAMILIES) for r in networks(runs, lambda run: 0.6 - 0.02 * run.n)]
    figure = figures.draw_all(Figure, results)["figure3"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the layout's "axes sizes collapsed to zero"
        renderer = drawn(figure)
    inside = figure.bbox.padded(0.5)
    for axes in figure.axes:
        extent = axes.get_tightbbox(renderer)  # its title, labels, drawn ticks and legend
        assert inside.x0 <= extent.x0 and extent.x1 <= inside.x1, axes.get_title()
        assert axes.bbox.width > figure.bbox.width / 4, axes.get_title()  # not squeezed
    legends = [axes.get_legend().get_window_extent(renderer) for axes in figure.axes]
    assert not any(a.overlaps(b) for i, a in enumerate(legends) for b in legends[i + 1:])
    natural, random_weights, _ = figure.axes
    assert not natural.title.get_window_extent(renderer).overlaps(random_weights.title.get_window_extent(renderer))
    title = natural.title.get_text()
    assert " ".join(title.split()) == f"natural split: {LONG_FAMILIES[0]} (A) / {LONG_FAMILIES[1]} (B), by target task"


def test_imagenets_family_names_stay_on_one_line():
    """The paper's natural / man-made: the title and legend entries as they were, one line each."""
    runs = grid.plan_grid(random_seeds=(0,), natural=True, layers=(1,))
    natural, *_ = figures.draw_all(Figure, networks(runs, lambda run: 0.5))["figure3"].axes
    assert natural.get_title() == "natural split: natural (A) / man-made (B), by target task"
    assert not any("\n" in text.get_text() for text in natural.get_legend().get_texts())


def points_under_legend(axes, renderer):
    """The data points of ``axes``' lines (dots and means) that its legend covers, in pixels."""
    legend = axes.get_legend().get_window_extent(renderer)
    return [tuple(point) for line in axes.lines
            for point in axes.transData.transform(line.get_xydata())  # floats (matplotlib 3.8 keeps lists as objects)
            if legend.contains(*point)]


@pytest.mark.parametrize("largest", [0.001, 0.5], ids=["largest-diverged", "rising"])
def test_figure_s1s_legend_hides_no_network(largest):
    """Figure S1's legend sat in the lower right whatever the runs: there it covered the largest count's
    networks where they diverged (at chance, 0.1%), the one point a reader most needed to see."""
    runs = grid.plan_grid(random_seeds=(), per_class=(1, 10, 100, 1000), replicates=2)

    def accuracy(run):
        if run.kind != "reduced":
            return 0.6
        return largest if run.per_class == 1000 else 0.1 + 0.1 * math.log10(run.per_class)

    figure = figures.draw_all(Figure, networks(runs, accuracy))["figure_s1"]
    renderer = drawn(figure)
    linear = figure.axes[0]
    assert len(linear.lines) > 4 and points_under_legend(linear, renderer) == []


@pytest.mark.parametrize("accuracy", [0.0, 1.0], ids=["all-at-0", "all-at-1"])
def test_accuracy_axes_label_no_impossible_accuracy(accuracy):
    """Networks that all scored 1.0 (an easy dataset) or all 0: the margin around them was labelled 1.02 and
    1.04 (or -0.02, -0.04) on the accuracy axes; ticks stay within 0 to 1, the points still inside the panel."""
    runs = grid.plan_grid(random_seeds=(0, 1), natural=True, random_frozen=(1, 4), layers=(1, 4), per_class=(10, 100))
    drawn_figures = figures.draw_all(Figure, networks(runs, lambda run: accuracy))
    panels = [*drawn_figures["figure2"].axes[:1], *drawn_figures["figure3"].axes[:2], *drawn_figures["figure_s1"].axes]
    for axes in panels:
        low, high = axes.get_ylim()
        ticks = [tick for tick in axes.get_yticks() if low <= tick <= high]
        assert ticks and all(0 <= tick <= 1 for tick in ticks), (axes.get_title(), ticks)
        assert low < accuracy < high, axes.get_title()


def test_the_learning_curves_top1_axis_labels_no_impossible_accuracy():
    """Runs whose every evaluation scored 1.0: the learning curves' top-1 panel was ticked 1.02 and 1.04, as the
    paper figures' accuracy axes were."""
    runs = [grid.Run(f"random{seed}/baseB", "base", "random", seed, target="B") for seed in range(3)]
    perfect = tuple((10 * i, 1.0) for i in range(1, 6))
    results = [Result(run, 1.0, 1.0, 1.0, 5, curve=perfect, losses=((10, 0.5), (50, 0.1))) for run in runs]
    top1_axes = figures_curves.curves(Figure, results).axes[1]
    low, high = top1_axes.get_ylim()
    ticks = [tick for tick in top1_axes.get_yticks() if low <= tick <= high]
    assert ticks and all(0 <= tick <= 1 for tick in ticks), ticks
    assert low < 1.0 < high
