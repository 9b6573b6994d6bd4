"""Review of the co-adaptation finding (minitransfer/findings_coadaptation.py) as a researcher reads it: hand-built
grids (tests/test_findings.py's ``network``, through tests/test_findings_coadaptation.py's ``grid``), the oracle of
each worked out here from the accuracies the grid is built of."""

import numpy as np
import pytest

from minitransfer import findings
from test_findings import network
from test_findings_coadaptation import BASE, TOP_UNMEASURED, found, grid
from test_findings_few_draws import THREE_SPLIT_SEEDS


@pytest.mark.parametrize("tuned", [0.56, 0.565, 0.57])
def test_bnb_plus_above_the_bnb_but_still_far_below_the_base_is_no_recovery(tuned):
    """The paper's BnB+ are back at the base (§4.1, point 3: "performance is similar to the base case"). BnB+ a
    point or two above the BnB's dip of 4.7 and still 2.7 to 3.7 points below the base, resolved (± 0.2), won back
    part of the dip only: "fine-tuning recovers it" contradicted the sentence's own figures."""
    claim = found(grid(tuned={4: tuned}))
    plus = 100 * (np.mean([tuned + 0.003 * seed for seed in range(3)]) - BASE)
    assert plus < -2 - 2 * 0.2 and not claim.holds, claim.text
    assert "fine-tuning recovers it" not in claim.text
    assert claim.text.endswith("a dip, but fine-tuning did not recover the base's accuracy here: BnB+ stay below "
                               "it" + TOP_UNMEASURED + "." + THREE_SPLIT_SEEDS), claim.text


def test_bnb_plus_within_two_points_of_the_base_still_recover_it():
    claim = found(grid(tuned={4: 0.585}))  # -1.2 ± 0.2 points from the base
    assert claim.holds and claim.text.endswith("and fine-tuning recovers it" + TOP_UNMEASURED + "."
                                               + THREE_SPLIT_SEEDS), \
        claim.text


def both_halves(seeds=3):
    """Each seed's BnB and its AnA (the paper's footnote 3: a selffer on half A, counted as BnB) at n=4."""
    results = grid({4: 0.55}, seeds=seeds)
    for seed in range(seeds):
        results += [network(f"random{seed}/baseA", "base", "random", seed, 0.70, target="A"),
                    network(f"random{seed}/A4A", "selffer", "random", seed, 0.66 + 0.002 * seed, target="A",
                            source="A", n=4)]
    return results


def test_a_seeds_selffers_on_both_halves_are_named_ana_and_bnb_not_anb_and_bna():
    """experiment --both-directions trains AnA beside BnB: the ± is over the seeds, as both share the seed's split
    and bases; the sentence named them as transfers ("AnB and BnA"), which this finding measures none of."""
    claim = found(both_halves())
    assert "(6 networks of 3 split seeds; ± over the seeds: a seed's AnA and BnB share its split and bases)" \
        in claim.text, claim.text
    assert "AnB" not in claim.text and "BnA" not in claim.text


def test_one_seeds_selffers_on_both_halves_say_why_there_is_no_standard_error_in_their_names():
    claim = found(both_halves(seeds=1))
    assert "one split seed gives no standard error (its AnA and BnB share its split and bases)" in claim.text, \
        claim.text
    assert "AnB" not in claim.text and "BnA" not in claim.text


def test_the_transfers_findings_still_name_anb_and_bna():
    """The words the other findings give (their default) are unchanged."""
    results = both_halves()
    for seed in range(3):
        results += [network(f"random{seed}/A1B", "transfer", "random", seed, 0.60, source="A", n=1),
                    network(f"random{seed}/B1A", "transfer", "random", seed, 0.70 + 0.001 * seed, target="A",
                            source="B", n=1)]
    general = {f.claim: f for f in findings.findings(results)}["general"]
    assert "a seed's AnB and BnA share its split and bases" in general.text, general.text


def test_bnb_plus_against_the_bnb_say_what_their_standard_errors_are_over():
    """As the specific claim's "(5 + 5 networks of 5 + 5 split seeds; ± over them: ...)": a seed's AnA+ and BnB+
    are one draw, so the BnB+ against the BnB at the dip's n say so where a seed holds both."""
    results = both_halves()
    for seed in range(3):
        results += [network(f"random{seed}/B4B+", "selffer", "random", seed, 0.60, source="B", n=4, tuned=True),
                    network(f"random{seed}/A4A+", "selffer", "random", seed, 0.70, target="A", source="A", n=4,
                            tuned=True)]
    claim = found(results)
    assert "the BnB against the same bases (6 + 6 networks of 3 + 3 split seeds; ± over them: a seed's AnA and BnB " \
           "share its split and bases)" in claim.text, claim.text


def test_one_selffer_per_seed_adds_no_words_to_the_bnb_plus_count():
    claim = found(grid(tuned={4: 0.60}))
    assert "the BnB against the same bases (3 + 3 networks):" in claim.text, claim.text
