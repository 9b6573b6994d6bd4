"""The loss panels of the learning curves label their log axis with plain numbers: a loss falling from 3 to 1.5
had ticks 3×10⁰, 2×10⁰ and 10⁰ (matplotlib's scientific notation), to be read as 3, 2 and 1."""

import pytest

from minitransfer import experiment as grid
from minitransfer.figures_curves import curves
from minitransfer.results import Result

Figure = pytest.importorskip("matplotlib.figure").Figure
FigureCanvasAgg = pytest.importorskip("matplotlib.backends.backend_agg").FigureCanvasAgg


def test_the_loss_axis_is_labelled_with_plain_numbers():
    run = grid.plan_grid(layers=(1,))[0]
    losses = ((10, 3.2), (20, 2.5), (30, 1.9), (40, 1.5))
    figure = curves(Figure, [Result(run, 0.4, 0.4, 0.4, 4, curve=((10, 0.3), (40, 0.4)), losses=losses)])
    FigureCanvasAgg(figure).draw()  # the ticks are labelled at drawing
    loss_axes = figure.axes[0]
    assert loss_axes.get_yscale() == "log"
    labels = [t.get_text() for minor in (False, True) for t in loss_axes.yaxis.get_ticklabels(minor=minor)
              if t.get_text() and 1.4 <= t.get_position()[1] <= 3.3]  # those inside the panel's range
    assert labels and all(label.replace(".", "").isdigit() for label in labels), labels
    assert {"2", "3"} <= set(labels), labels
