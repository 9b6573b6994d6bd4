"""The accuracy axis of a panel drawing the paper's runs beside these (--reference) said "(these runs: mean
of the 10 best evaluations; the paper's, dashed: mean of the 10 best evaluations)": one metric twice, and
on Figure 3's top-left panel, the shortest, its longest line ran past the panel. Where both metrics are
the same it is said once, and the label fits its panel's height as drawn."""

import pytest

from minitransfer import experiment as grid
from minitransfer import figures_paper
from minitransfer.results import Result, read_reference

METRIC = "mean of the 10 best evaluations"


def test_one_metric_is_said_once_and_the_label_fits_figure3s_panel():
    Figure = pytest.importorskip("matplotlib.figure").Figure
    pytest.importorskip("matplotlib.backends.backend_agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    runs = grid.plan_grid(layers=(1, 7), natural=True, random_frozen=(1, 7))
    results = [Result(run, 0.5, 0.5, 0.5, 20) for run in runs]  # 20 evaluations each: the 10 best's mean
    reference = read_reference("paper")
    figure = figures_paper.figure3(Figure, results, reference)
    FigureCanvasAgg(figure).draw()
    natural = figure.axes[0]
    label = natural.get_ylabel()
    assert label.count(METRIC) == 1 and "paper's" in label, label
    renderer = figure.canvas.get_renderer()
    drawn, panel = natural.yaxis.label.get_window_extent(renderer), natural.get_window_extent(renderer)
    assert drawn.height <= panel.height, (drawn.height, panel.height)
