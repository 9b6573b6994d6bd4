"""Which half of the natural split is which, set beside the paper's text: only for the paper's families. A folder's
own families (round / striped) were said to be ImageNet's halves the other way round ("its Figure 3's "AnB" is this
report's BnA"), and halves natural and man-made in the paper's own order (--family-a man-made) were said to be the
other way round from it too. Results built in memory, each recording its dataset's families."""

import dataclasses

import pytest
from test_figures import networks

from minitransfer import experiment as grid
from minitransfer.findings_caveats import natural_halves

SWAPPED = "so its Figure 3's \"AnB\" is this report's BnA"


def with_families(first, second):
    runs = grid.plan_grid(random_seeds=(), natural=True, layers=(1,))
    return [dataclasses.replace(r, families=(first, second)) for r in networks(runs, lambda run: 0.5)]


def test_imagenets_halves_as_the_original_code_orders_them_are_the_papers_the_other_way_round():
    said = natural_halves(with_families("natural", "man-made"))
    assert said.startswith("On the natural split, half A is the natural classes and half B the man-made ones")
    assert SWAPPED in said


def test_halves_in_the_papers_order_are_named_as_the_paper_names_them():
    said = natural_halves(with_families("man-made", "natural"))
    assert said.startswith("On the natural split, half A is the man-made classes and half B the natural ones")
    assert SWAPPED not in said and "other way round" not in said
    assert "its Figure 3's \"AnB\" is this report's AnB" in said


@pytest.mark.parametrize("families", [("round", "striped"), ("vehicle", "plant")])
def test_a_folders_own_families_are_not_set_beside_imagenets(families):
    said = natural_halves(with_families(*families))
    assert said == (f"On the natural split, half A is the {families[0]} classes and half B the {families[1]} ones "
                    f"(as this dataset records its families).")
