"""The co-adaptation finding's rule (minitransfer/findings_coadaptation.py), consistent with the other findings': a
dip is at least 2 points (findings.CLOSE) below the base and resolved below it, as the specific claim's difference,
so a middle layer within 2 points of its base, which the general claim calls as good as it, is no dip; the claim is
judged at the middle n of the strongest evidence of a dip (the lowest mean + max(2, 2 SE) among the n with a
standard error), not at the lowest mean however imprecise. And the specific claim names a seed's selffers on both
halves (AnA and BnB) as such. Hand-built grids; every oracle worked here with plain NumPy from the points the grid
is built of."""

import numpy as np

from test_findings import network
from test_findings_coadaptation import TOP_UNMEASURED, found
from test_findings_few_draws import THREE_SPLIT_SEEDS, THREE_SPLIT_SEEDS_ADVISED

BASE = 0.60


def points_grid(layers, tuned=None):
    """Random splits, one a seed, base B at :data:`BASE`; BnB at each n of ``layers`` ({n: [points relative to the
    base, one a seed]}), BnB+ at each n of ``tuned`` ({n: points, every seed})."""
    seeds = max(len(values) for values in layers.values())
    results = [network(f"random{seed}/baseB", "base", "random", seed, BASE) for seed in range(seeds)]
    for n, values in layers.items():
        results += [network(f"random{seed}/B{n}B", "selffer", "random", seed, BASE + value / 100, source="B", n=n)
                    for seed, value in enumerate(values)]
    for n, value in (tuned or {}).items():
        results += [network(f"random{seed}/B{n}B+", "selffer", "random", seed, BASE + value / 100, source="B", n=n,
                            tuned=True) for seed in range(seeds)]
    return results


def oracle(values):
    """Mean and standard error (NaN for one value) of one layer's points."""
    values = np.asarray(values, dtype=float)
    return values.mean(), values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else np.nan


def judged_n(layers):
    """The n of the lowest mean + max(2, 2 SE) among those with a standard error."""
    figures = {n: oracle(values) for n, values in layers.items()}
    return min((n for n in figures if not np.isnan(figures[n][1])), key=lambda n: figures[n][0] + max(
        2, 2 * figures[n][1]))


def dip_holds(mean, se):
    """The specific claim's "at least 2 points, resolved": -mean >= 2 and -mean > 2 SE."""
    return -mean >= 2 and -mean > 2 * se


NO_DIP = "every middle layer measured is within 2 points of its base or above it: no fragile co-adaptation here."
NOISE = "not resolved by these runs: train more networks per point: more random splits (experiment --split-seed, once "


def test_a_resolved_dip_within_two_points_is_no_fragile_co_adaptation():
    """-1.04 ± 0.46 at n=4: resolved below the base, but within 2 points by two standard errors, which the general
    claim calls as good as the base: it read "holds". -1.04 ± 0.51, within 2 points but not by two standard errors
    (the general claim's equivalence test, findings._equivalent), is not resolved either way: "no fragile
    co-adaptation" before, as of a layer truly 3 points below its base in 8% of draws (docs/report.md)."""
    for spread, said, note, shown in ((0.46, NO_DIP, THREE_SPLIT_SEEDS, "-1.0 ± 0.5"),
                                      (0.51, NOISE, THREE_SPLIT_SEEDS_ADVISED, "-1.04 ± 0.51")):
        d = spread * np.sqrt(3)
        layers = {4: [-1.04 - d, -1.04, -1.04 + d]}
        mean, se = oracle(layers[4])
        assert (round(mean, 6), round(se, 6)) == (-1.04, spread) and -mean > 2 * se and abs(mean) <= 2
        assert (abs(mean) + 2 * se <= 2) == (said == NO_DIP)
        claim = found(points_grid(layers))
        ending = NO_DIP + note if said == NO_DIP else NOISE + "per split)." + note
        assert not claim.holds and claim.text.endswith(ending), claim.text
        assert f"n=4 {shown} points, judged at n=4 (3 networks)" in claim.text, claim.text  # its verdict read off


def test_a_resolved_dip_short_of_two_points_beside_an_imprecise_layer_is_not_resolved():
    layers = {4: [-1.7, -1.5, -1.3], 5: [-5.0, 0.0, 3.0]}
    (m4, s4), s5 = oracle(layers[4]), oracle(layers[5])[1]
    assert -m4 > 2 * s4 and -m4 < 2 and 2 * s5 > 2 and judged_n(layers) == 4
    claim = found(points_grid(layers))
    assert not claim.holds and "judged at n=4" in claim.text, claim.text
    assert claim.text.endswith(NOISE + "per split)." + THREE_SPLIT_SEEDS_ADVISED), claim.text


def test_the_clear_dip_is_judged_not_the_lowest_imprecise_mean():
    """n=4 -6.0 ± 4.2 is the lowest mean; n=5 -3.7 ± 0.2 the clear dip: it read "the lowest at n=4: not resolved"."""
    layers = {4: [-13.3, -6.0, 1.3], 5: [-4.05, -3.7, -3.35]}
    (m4, s4), (m5, s5) = oracle(layers[4]), oracle(layers[5])
    assert m4 < m5 and not dip_holds(m4, s4) and dip_holds(m5, s5) and judged_n(layers) == 5
    claim = found(points_grid(layers, tuned={5: 0.0}))
    assert np.allclose((claim.value, claim.se), (m5, s5))
    assert claim.holds, claim.text
    assert claim.text.startswith(f"At the middle layers n=4..5, BnB relative to its own base: n=4 {m4:+.1f} ± "
                                 f"{s4:.1f}; n=5 {m5:+.1f} ± {s5:.1f} points, judged at n=5 (3 networks); there BnB+ "
                                 f"(fine-tuned) score +0.0 ± 0.0 points"), claim.text
    assert claim.text.endswith("and fine-tuning recovers it" + TOP_UNMEASURED + "." + THREE_SPLIT_SEEDS), claim.text


def test_a_lone_network_without_a_standard_error_is_printed_but_not_judged():
    """A lone BnB at n=6 (no ±) far below the base made the line "too few networks"; the clear dip at n=4 is judged,
    and its recovery sought there."""
    layers = {4: [-4.05, -3.7, -3.35], 6: [-8.0]}
    mean, se = oracle(layers[4])
    assert dip_holds(mean, se) and np.isnan(oracle(layers[6])[1]) and judged_n(layers) == 4
    claim = found(points_grid(layers))
    assert claim.holds and np.isclose(claim.value, mean), claim.text
    assert "n=4 -3.7 ± 0.2; n=6 -8.0 points, judged at n=4 (3 networks)" in claim.text, claim.text
    assert "too few networks" not in claim.text and "no BnB+ at n=4" in claim.text, claim.text


def test_the_layer_that_holds_is_judged_where_the_lowest_mean_plus_two_se_alone_would_miss_it():
    """n=4 -1.9 ± 0.05 has the lowest mean + 2 SE (-1.8), yet is no dip of 2 points; n=5 -2.5 ± 0.4 is one."""
    d4, d5 = 0.05 * np.sqrt(3), 0.4 * np.sqrt(3)
    layers = {4: [-1.9 - d4, -1.9, -1.9 + d4], 5: [-2.5 - d5, -2.5, -2.5 + d5]}
    (m4, s4), (m5, s5) = oracle(layers[4]), oracle(layers[5])
    assert m4 + 2 * s4 < m5 + 2 * s5 and not dip_holds(m4, s4) and dip_holds(m5, s5) and judged_n(layers) == 5
    claim = found(points_grid(layers))
    assert claim.holds and "judged at n=5" in claim.text, claim.text


def test_a_dip_of_the_papers_size_holds_and_one_of_two_points_not_resolved_does_not():
    """The paper's dips are 2-3 points at n=4-5 (its runs read n=5 -3.0 ± 0.1): -2.6 ± 0.2 holds; -2.5 ± 2.0 is not
    resolved below the base, so neither a dip nor within 2 points."""
    layers = {4: [-2.9, -2.6, -2.3]}
    assert dip_holds(*oracle(layers[4]))
    claim = found(points_grid(layers))
    assert claim.holds and "lose accuracy (fragile co-adaptation)" in claim.text, claim.text
    wide = {4: [-6.0, -2.5, 1.0]}
    mean, se = oracle(wide[4])
    assert -mean >= 2 and not -mean > 2 * se
    claim = found(points_grid(wide))
    assert not claim.holds and claim.text.endswith(NOISE + "per split)." + THREE_SPLIT_SEEDS_ADVISED), claim.text


def specific_grid(seeds=3, bna=False, selffers_on_a=3):
    """Seeds with base B at 0.60 and A at 0.70; at n=7, AnB at 0.50 and BnB at 0.60 (each seed 0.002 higher), AnA
    at 0.70 on the first ``selffers_on_a`` seeds (beside BnB: experiment --both-directions), and BnA where ``bna``."""
    results = []
    for seed in range(seeds):
        step = 0.002 * seed
        results += [network(f"random{seed}/baseB", "base", "random", seed, 0.60),
                    network(f"random{seed}/baseA", "base", "random", seed, 0.70, target="A"),
                    network(f"random{seed}/A7B", "transfer", "random", seed, 0.50 + step, source="A", n=7)]
        if seed < selffers_on_a:
            results += [network(f"random{seed}/B7B", "selffer", "random", seed, 0.60 + step, source="B", n=7),
                        network(f"random{seed}/A7A", "selffer", "random", seed, 0.70 + step, target="A", source="A",
                                n=7)]
        if bna:
            results.append(network(f"random{seed}/B7A", "transfer", "random", seed, 0.60 + step, target="A",
                                   source="B", n=7))
    return results


def test_the_specific_claim_names_a_seeds_selffers_ana_and_bnb():
    claim = found(specific_grid(), "specific")
    assert "; 3 + 6 networks of 3 + 3 split seeds; ± over them: a seed's AnA and BnB share its split and bases)" \
        in claim.text, claim.text
    assert "AnB and BnA share" not in claim.text


def test_the_specific_claim_names_both_pairs_where_a_seed_holds_both():
    claim = found(specific_grid(bna=True), "specific")
    assert "± over them: a seed's AnB and BnA, and its AnA and BnB, share its split and bases)" in claim.text, \
        claim.text


def test_the_specific_claim_says_one_seeds_selffers_give_no_standard_error_in_their_names():
    claim = found(specific_grid(selffers_on_a=1), "specific")  # the AnB of seeds 1 and 2, without selffers, left out
    assert "1 + 2 networks of 1 + 1 split seeds; 2 AnB of split seeds without BnB left out" in claim.text, claim.text
    assert "and one split seed gives no standard error (its AnA and BnB share its split and bases)" \
        in claim.text, claim.text
