"""Figures 2 and 3 say where their networks are measured against a base no better than chance: a grid trained too
briefly (a base of 10 classes at 13.9% on 500 validation images, chance 10%) had every finding "not judged", its
Table 1 a "Careful" line, and its Figure 2 drew the networks against that base as a result like any other. The
oracle: chance is 1/classes, and a base within three binomial standard errors above it learned nothing its 500
validation images can tell (0.1 + 3·sqrt(0.1·0.9/500) = 0.140)."""

import dataclasses
import math

import pytest

from minitransfer import experiment as grid
from minitransfer import figures
from minitransfer.results import Result

Figure = pytest.importorskip("matplotlib.figure").Figure

IMAGES, CLASSES = 500, 10
BAND = 1 / CLASSES + 3 * math.sqrt(0.1 * 0.9 / IMAGES)  # the oracle's threshold, apart from the code's


def _results(runs, base_accuracy):
    return [Result(r, a, a, a, 30, scored_on=(IMAGES, CLASSES), dataset="data")
            for r in runs for a in [base_accuracy if r.kind == "base" else 0.5]]


def _note(figure):
    return " ".join(figure.get_supxlabel().split())


@pytest.mark.parametrize("split", ["random", "natural"])
def test_a_figure_of_networks_against_a_base_at_chance_says_so(split):
    runs = grid.plan_grid(random_seeds=(0,) if split == "random" else (), natural=split == "natural", layers=(1,))
    at_chance = BAND - 0.01
    results = _results(runs, 0.6)
    results = [dataclasses.replace(r, mean10_top1=at_chance) if r.run.name.endswith("/baseB") else r for r in results]
    stem, folder = ("figure2", "random0") if split == "random" else ("figure3", "natural")
    note = _note(figures.draw_all(Figure, results)[stem])
    assert f"bases no better than chance ({folder}/baseB)" in note, note
    assert "tell nothing of features" in note


def test_bases_above_chance_add_no_note():
    runs = grid.plan_grid(random_seeds=(0,), layers=(1,))
    drawn = figures.draw_all(Figure, _results(runs, BAND + 0.01))
    assert "chance" not in _note(drawn["figure2"])


def test_a_base_is_named_only_under_the_figures_that_draw_it():
    # a reduced-data grid beside a natural split, its base on every class at chance: Figure 3 draws no
    # random-frozen network, so names it not; Figure S1 draws its line, so says what that line is
    runs = grid.plan_grid(random_seeds=(), natural=True, per_class=(3,), layers=(1,))
    results = [dataclasses.replace(r, mean10_top1=BAND - 0.01) if r.run.split == "all" and r.run.kind == "base" else r
               for r in _results(runs, 0.6)]
    drawn = figures.draw_all(Figure, results)
    assert "chance" not in _note(drawn["figure3"]), _note(drawn["figure3"])
    note = _note(drawn["figure_s1"])
    assert "bases no better than chance (all/base)" in note and "what guessing scores" in note, note


def test_the_count_of_validation_images_said_is_that_of_the_bases_that_cannot_be_told():
    # random0/baseA at chance on 500 images (learned nothing), random0/baseB on 20: 3·sqrt(0.1·0.9/20) = 0.20 points
    # above chance is wider than the 10 points a band may be, so baseB cannot be told; the 20 images are its, and the
    # note words them as such, not "their validation images" of both bases
    runs = grid.plan_grid(random_seeds=(0,), layers=(1,))
    results = [dataclasses.replace(r, mean10_top1=BAND - 0.01) if r.run.name == "random0/baseA" else
               dataclasses.replace(r, mean10_top1=0.15, scored_on=(20, CLASSES)) if r.run.name == "random0/baseB" else r
               for r in _results(runs, 0.6)]
    note = _note(figures.draw_all(Figure, results)["figure2"])
    assert "or that cannot be told from chance on 20 validation images, (random0/baseA, random0/baseB)" in note, note
