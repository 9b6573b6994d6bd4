"""Fragile co-adaptation holds only where the curve comes back: BnB+ within 2 points of their base by two standard
errors (resolved above a deeper BnB is part of the dip won back, not a recovery), and BnB at the top layer, where
trained, so too (the paper's "by layer 6 performance is nearly back to the base level, as is layer 7"). Hand-built
grids (tests/test_findings_coadaptation.py's: three split seeds, base B at 0.60, seed s adds 0.003 s); the oracle of
each figure is worked out here from the accuracies."""

import numpy as np
import pytest

from test_findings import network
from test_findings_coadaptation import DIP, found, grid
from test_findings_few_draws import THREE_SPLIT_SEEDS, THREE_SPLIT_SEEDS_ADVISED


def points(accuracy, seeds=3, step=0.003):
    """Mean and standard error, points relative to the base at 0.60, of one network a seed."""
    values = 100 * (np.array([accuracy + step * seed for seed in range(seeds)]) - 0.60)
    return values.mean(), values.std(ddof=1) / np.sqrt(seeds)


def test_bnb_back_at_the_top_layer_is_said_with_the_dip():
    claim = found(grid({**DIP, 7: 0.60}, tuned={4: 0.60}))
    top, top_se = points(0.60)
    assert abs(top) + 2 * top_se <= 2 and claim.holds, claim.text
    assert claim.networks == 4 * 3 + 3 + 3
    assert (f"; at the top layer n=7, BnB score {top:+.1f} ± {top_se:.1f} points relative to their base (3 networks): "
            f"features co-adapted on successive layers, split, lose accuracy (fragile co-adaptation), and fine-tuning "
            f"recovers it; at the top layer n=7, BnB are back within 2 points of their base by two standard errors."
            + THREE_SPLIT_SEEDS) in claim.text, claim.text


def test_bnb_still_3_points_down_at_the_top_layer_is_no_co_adaptation():
    """The dip and BnB+ back at the base, as the paper's, but BnB at n=7 2.7 ± 0.2 points below their base: it held
    (the top layer unread); the middle layers' dip is no longer the whole curve's shape."""
    claim = found(grid({**DIP, 7: 0.57}, tuned={4: 0.60}))
    top, top_se = points(0.57)
    assert -top - 2 * top_se > 2 and not claim.holds, claim.text
    assert claim.text.endswith(
        f"; at the top layer n=7, BnB score {top:+.1f} ± {top_se:.1f} points relative to their base (3 networks): "
        f"a dip, but BnB stay more than 2 points below their base at the top layer too, where the paper's are back "
        f"at it: a drop not of the middle layers alone." + THREE_SPLIT_SEEDS), claim.text


def test_a_top_layer_neither_back_nor_below_leaves_the_claim_not_resolved():
    top_layer = [network(f"random{seed}/B7B", "selffer", "random", seed, 0.57 + 0.02 * seed, source="B", n=7)
                 for seed in range(3)]
    claim = found(grid(tuned={4: 0.60}) + top_layer)  # n=7 -1.0 ± 1.2: within 2 points, not by two s.e.
    top, top_se = points(0.57, step=0.02)
    assert abs(top) <= 2 < abs(top) + 2 * top_se and not claim.holds, claim.text
    assert claim.text.endswith(": a dip, but its recovery at the top layer n=7 is not resolved by these runs: train "
                               "more networks per point: more random splits (experiment --split-seed, once per "
                               "split)." + THREE_SPLIT_SEEDS_ADVISED), claim.text


@pytest.mark.parametrize("tuned", [0.575, 0.585])
def test_bnb_plus_resolved_above_the_bnb_but_not_back_at_the_base_is_no_recovery(tuned):
    """BnB+ 2.2 or 1.2 points below their base, ± 0.2, resolved above the BnB's 4.7: the first not back within 2
    points by two standard errors, so not recovered (nor refuted: not resolved beyond 2), where it held as
    "fine-tuning recovers it"; the second, within 2 points by two standard errors, recovers it."""
    claim = found(grid(tuned={4: tuned}))
    plus, plus_se = points(tuned)
    dip, dip_se = points(DIP[4])
    assert plus - dip > 2 * np.hypot(plus_se, dip_se)  # resolved above the BnB: the old rule's second way
    back = bool(abs(plus) + 2 * plus_se <= 2)
    assert claim.holds is back and back is (tuned == 0.585), claim.text
    if not back:
        assert ": a dip, but its recovery by fine-tuning (BnB+) is not resolved by these runs" in claim.text
