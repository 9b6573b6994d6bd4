"""The loss panel's y-limits (figures_curves._loss_scale) leave out a loss at or above LOSS_SHOWN (a hand-edited
1e308): before this test, LOSS_SHOWN could be set to inf and every test still passed, as the median's six decades
hid a lone huge loss."""

import math

import pytest

from minitransfer import figures_curves


class Axes:
    """What _loss_scale sets on a panel, recorded."""

    def __init__(self):
        self.scale, self.limits, self.label = "linear", None, None
        self.yaxis = self  # its ticks' formatters set on it, not looked at here

    def set_major_formatter(self, formatter):
        self.major = formatter

    def set_minor_formatter(self, formatter):
        self.minor = formatter

    def set_yscale(self, scale, **_):
        self.scale = scale

    def set_ylim(self, bottom, top):
        self.limits = (bottom, top)

    def set_ylabel(self, label):
        self.label = label


@pytest.mark.parametrize("losses, limits", [
    ([0.5, 1.4, 2.0, 1e308], (0.5 / 1.5, 2.0 * 1.5)),  # the huge loss would have set the top at 1.4e6 * 1.5
    ([1e308, 1e308, 1.0], (1.0 / 1.5, 1.0 * 1.5)),  # its median would have set the top at 1.5e308
    ([1e30, 0.25], (0.25 / 1.5, 0.25 * 1.5)),  # LOSS_SHOWN itself is off the axis
], ids=["one-huge", "huge-median", "at-the-bound"])
def test_a_loss_above_what_is_shown_sets_no_limit(losses, limits):
    axes = Axes()
    figures_curves._loss_scale(axes, losses)
    assert axes.scale == "log" and all(math.isfinite(limit) for limit in axes.limits), axes.limits
    assert axes.limits == pytest.approx(limits, rel=1e-12)


def test_only_losses_above_what_is_shown_leave_the_axis_linear():
    axes = Axes()
    figures_curves._loss_scale(axes, [1e308, 0.0, 1e300])
    assert (axes.scale, axes.limits, axes.label) == ("linear", None, "training loss (logged batches)")
