"""Figure S1's logarithmic x axis labels the training images per class measured, each one, and beside them only powers
of ten (a scale), none crowding a count: with --per-class 5,20 matplotlib labelled 6, 10 and 20 (its decade and minor
ticks), not 5, the leftmost point. Read off the tick labels as drawn."""

import io
import math

import pytest

from minitransfer import experiment as grid
from minitransfer import figures_reduced
from minitransfer.results import Result

Figure = pytest.importorskip("matplotlib.figure").Figure


def _drawn_labels(per_class, accuracy=lambda run: 0.4):
    """The x tick labels (major and minor) the logarithmic panel of Figure S1 shows within its limits, of reduced-data
    runs at ``per_class`` and their base, each at ``accuracy``."""
    results = [Result(run, accuracy(run), accuracy(run), accuracy(run), 0 if math.isnan(accuracy(run)) else 30)
               for run in grid.plan_grid(random_seeds=(), per_class=per_class)]
    figure = figures_reduced.figure_s1(Figure, results)
    figure.savefig(io.BytesIO(), format="png")  # the tick labels are set as the figure is drawn
    logarithmic = figure.axes[1]
    low, high = logarithmic.get_xlim()
    return [label.get_text() for minor in (False, True) for label in logarithmic.get_xticklabels(minor=minor)
            if label.get_text() and low <= label.get_position()[0] <= high]


@pytest.mark.parametrize("per_class, scale", [((5, 20), ["10"]), ((10, 20, 50), []), ((1, 2, 5, 10, 100, 1000), []),
                                              ((3,), ["1", "10"]), ((2, 300), ["10", "100"]), ((8, 30), [])],
                         ids=["5-20", "10-50", "1-1000", "3", "2-300", "8-30"])
def test_the_log_axis_labels_each_count_measured_and_powers_of_ten_apart_from_them(per_class, scale):
    """``scale``: the powers of ten labelled beside the counts (10 is not, beside 8)."""
    labels = _drawn_labels(per_class)
    assert sorted(labels, key=int) == sorted([str(count) for count in per_class] + scale, key=int), labels


def test_a_count_without_an_accuracy_is_not_labelled():
    labels = _drawn_labels((5, 20), accuracy=lambda run: math.nan if run.per_class == 5 else 0.4)
    assert "20" in labels and "5" not in labels, labels
