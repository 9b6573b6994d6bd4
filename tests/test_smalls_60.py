"""Small loose ends (helper session 60): advice naming one option once where two groups' runs share it; a
truncated GIF said to be damaged on every Pillow."""

from types import SimpleNamespace

import pytest

from minitransfer.experiment import CROSS
from minitransfer.findings_caveats import few_draws, more_networks

EVERY_CLASS_AND_NATURAL = "more replicates of the runs on every class and of the natural split (experiment --replicates)"


def _group(split, draws=3):
    return SimpleNamespace(split=split, draws=draws, se=1.0)


def test_one_option_is_said_once_for_the_groups_it_trains_more_of():
    """The README demo's last finding advised "more replicates of the runs on every class (experiment --replicates)
    and more replicates of the natural split (experiment --replicates)": one option twice."""
    note = few_draws(_group("all"), _group("natural"))
    assert note.endswith(f"not the verdict's two: {EVERY_CLASS_AND_NATURAL}."), note
    assert note.count("experiment --replicates") == 1
    assert more_networks("all", "natural") == f"train more networks per point: {EVERY_CLASS_AND_NATURAL}"


@pytest.mark.parametrize("splits, advice", [
    (("random", "natural"), "more random splits (experiment --split-seed, once per split) and more replicates of the "
                            "natural split (experiment --replicates)"),
    (("natural", "random", "all"), "more replicates of the natural split and of the runs on every class (experiment "
                                   "--replicates) and more random splits (experiment --split-seed, once per split)"),
    (("natural", "natural"), "more replicates of the natural split (experiment --replicates)"),
    (("all", CROSS), "more replicates of the runs on every class and across datasets (experiment --replicates)"),
], ids=["two-options", "joined-then-other", "same-split", "cross"])
def test_different_options_stay_apart_and_each_split_is_named_once(splits, advice):
    assert more_networks(*splits) == f"train more networks per point: {advice}"


@pytest.mark.parametrize("said, unsaid", [
    ("not resolved: train more networks per point: more replicates of the natural split (experiment --replicates)",
     "more replicates of the runs on every class (experiment --replicates)"),
    (f"not resolved: train more networks per point: {EVERY_CLASS_AND_NATURAL}", ""),
    ("natural -37.3 points (more replicates of the runs on every class (experiment --split-seed, once per split))",
     EVERY_CLASS_AND_NATURAL),
], ids=["natural-said", "both-said-joined", "other-option"])
def test_the_note_leaves_out_only_the_advice_its_verdict_gave(said, unsaid):
    note = few_draws(_group("all"), _group("natural"), said=said)
    assert note.endswith(f"not the verdict's two{': ' * bool(unsaid)}{unsaid}."), note
