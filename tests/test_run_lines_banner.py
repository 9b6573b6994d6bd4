"""train's opening line (run_lines.describe_plan) says what the run is as the report names it: a
--per-class run is a reduced-data base (the report's reduced-0010), not "base"; one random frozen
layer is "first layer", not "first 1 layers"; a run report leaves out is said as its options say it."""

from types import SimpleNamespace

import pytest

from minitransfer.config import TrainConfig
from minitransfer.run_lines import describe_plan, random_frozen_words


def banner(**fields):
    c = TrainConfig(split="all", max_iter=10, batch_size=4, base_lr=0.01, gamma=0.1, stepsize=5, **fields)
    plan = SimpleNamespace(config=c, named=c, parent=None, device="cpu", task=SimpleNamespace(num_classes=8))
    net = SimpleNamespace(preset="micro", parameter_count=lambda: 1234)
    return describe_plan(plan, net).split("; ")[1]


@pytest.mark.parametrize("fields, what", [
    ({}, "base (base on every class)"),
    ({"per_class": 10}, "reduced-0010 (reduced-data base: at most 10 training images per class)"),
    ({"per_class": 1}, "reduced-0001 (reduced-data base: at most 1 training image per class)"),
    ({"random_frozen": 1}, "random1 (random-weights control: first layer random and frozen)"),
    ({"random_frozen": 3}, "random3 (random-weights control: first 3 layers random and frozen)"),
    ({"random_frozen": 2, "per_class": 5}, "first 2 layers random and frozen on reduced data (at most 5 training "
                                           "images per class) (report leaves it out)"),
], ids=["base", "reduced", "reduced-1", "random-1", "random-3", "random-reduced"])
def test_the_banner_names_the_run_as_the_report_does(fields, what):
    assert banner(**fields) == what


def test_one_random_layer_is_said_in_the_singular():
    assert [random_frozen_words(n) for n in (1, 2)] == ["first layer random and frozen",
                                                        "first 2 layers random and frozen"]
