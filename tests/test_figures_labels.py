"""The y labels of figure3's accuracy panels say what each panel draws: an empty random-frozen panel
names no metric. Before, beside a natural-split panel of a short run ("mean of all 2 evaluations"), the
empty panel claimed "mean of the 10 best evaluations", or the metric of a base it did not draw."""

import math

import pytest
from test_figures import Figure, dots, texts

from minitransfer import experiment as grid
from minitransfer import figures_paper
from minitransfer.results import Result

EVALUATIONS = 2  # a short run: fewer than the 10 best the paper's metric averages


def _short_run(run):
    """A network of a short run: a top-1 accuracy from 2 evaluations."""
    return Result(run, 0.5, 0.5, 0.5, EVALUATIONS)


def _diverged(run):
    """A network that diverged before its first evaluation: no accuracy."""
    return Result(run, math.nan, math.nan, math.nan, 0)


@pytest.mark.parametrize("plan, all_classes", [
    ({}, _short_run),
    ({"random_frozen": (1,)}, _diverged),
    ({"per_class": (10,)}, _short_run),
], ids=["no-random-runs", "random-runs-diverged", "reduced-grids-base-alone"])
def test_an_empty_random_frozen_panel_names_no_metric_beside_its_neighbour(plan, all_classes):
    runs = grid.plan_grid(random_seeds=(), natural=True, layers=(1,), **plan)
    results = [all_classes(run) if run.split == "all" else _short_run(run) for run in runs]
    natural, random_weights, _ = figures_paper.figure3(Figure, results).axes
    assert not random_weights.containers and not dots(random_weights) and texts(random_weights), "not empty"
    assert natural.containers and natural.get_ylabel().endswith(f"(mean of all {EVALUATIONS} evaluations)")
    label = random_weights.get_ylabel()
    assert label.startswith("top-1 accuracy") and "evaluation" not in label and "best" not in label, label


def test_figure3s_n_axes_say_what_n_counts_on_each_panel():
    """The random-frozen panel's n axis said "layers copied from the base", where no layer is copied;
    the bottom panel holds both, which the paper counts as layers "either random or trained on a
    different base" (§4.3)."""
    runs = grid.plan_grid(random_seeds=(0,), natural=True, layers=(1,), random_frozen=(1,))
    natural, random_weights, relative = figures_paper.figure3(Figure, [_short_run(run) for run in runs]).axes
    assert "copied" in natural.get_xlabel()
    assert "random" in random_weights.get_xlabel() and "copied" not in random_weights.get_xlabel()
    assert "either random or" in relative.get_xlabel() and "copied" not in relative.get_xlabel()
