"""Small slips in the science (found by mutation testing) that no other test caught: the paper's metric where
final and best top-1 differ from it, a run without an evaluation in Table 1, the 2-point thresholds of the
general and specific claims, the fine-tuning control's mean of each n's mean where n have unequal bases, the
still-rising flag's window, and the halves' pooling threshold. Hand-built networks; every expected number is
worked out here from the paper's definitions, never read from the code."""

import dataclasses
import math
import statistics

import pytest

from minitransfer import findings
from minitransfer.comparisons import bases_of
from minitransfer.experiment import Run
from minitransfer.report_tables import table1
from minitransfer.results import Result


def network(name, kind, seed, mean10, target="B", source=None, n=0, tuned=False, final=None, best=None,
            evaluations=20, curve=()):
    """A random-split network whose final and best top-1 differ from its mean of the 10 best (the paper's metric)
    unless given: final 0.1 below it, best 0.1 above."""
    run = Run(name, kind, "random", seed, target=target, source=source, n=n, fine_tuned=tuned)
    final = mean10 - 0.1 if final is None else final
    best = mean10 + 0.1 if best is None else best
    return Result(run, final, best, mean10, evaluations, curve=tuple(curve))


def test_table1_boosts_are_of_the_mean_of_the_10_best_not_the_final_accuracy():
    bases = {0: (0.600, 0.610), 1: (0.620, 0.615)}  # seed: (baseA, baseB), halves within 2 points
    tuned = {1: (0.630, 0.640), 7: (0.650, 0.600)}  # n: AnB+ of seed 0, 1
    selffers = {1: (0.610, 0.620), 7: (0.600, 0.590)}
    results = []
    for seed, (a, b) in bases.items():
        results += [network(f"random{seed}/baseA", "base", seed, a, target="A", final=0.2, best=0.9),
                    network(f"random{seed}/baseB", "base", seed, b, final=0.2, best=0.9)]
    for n in tuned:
        for seed in bases:
            results += [network(f"random{seed}/A{n}B+", "transfer", seed, tuned[n][seed], source="A", n=n,
                                tuned=True, final=0.3 + seed / 10, best=0.95),
                        network(f"random{seed}/B{n}B+", "selffer", seed, selffers[n][seed], source="B", n=n,
                                tuned=True, final=0.1, best=0.96)]
    pooled = statistics.mean(value for pair in bases.values() for value in pair)
    over_pooled = statistics.mean(statistics.mean(tuned[n]) - pooled for n in tuned)
    over_selffer = statistics.mean(statistics.mean(tuned[n]) - statistics.mean(selffers[n]) for n in tuned)
    over_own = statistics.mean(statistics.mean(tuned[n][seed] - bases[seed][1] for seed in bases) for n in tuned)
    row = table1(results)[0]
    assert row["boost_over_pooled_base"] == pytest.approx(over_pooled)
    assert row["boost_over_BnB+"] == pytest.approx(over_selffer)
    assert row["boost_over_own_base"] == pytest.approx(over_own)


def test_table1_leaves_a_run_without_an_evaluation_out_of_its_means():
    results = [network("random0/baseB", "base", 0, 0.60)]
    for n, (a, b) in {3: (0.63, 0.61), 5: (0.66, 0.60)}.items():
        results += [network(f"random0/A{n}B+", "transfer", 0, a, source="A", n=n, tuned=True),
                    network(f"random0/B{n}B+", "selffer", 0, b, source="B", n=n, tuned=True)]
    nothing = math.nan  # a run that made no evaluation: no accuracy at all
    results.append(network("random1/A5B+", "transfer", 1, nothing, source="A", n=5, tuned=True, final=nothing,
                           best=nothing, evaluations=0))
    expected = statistics.mean([0.63 - 0.61, 0.66 - 0.60])
    assert table1(results)[1]["boost_over_BnB+"] == pytest.approx(expected)


def three_seeds(base, low, top_transfer=(), top_selffer=()):
    """Three random splits, baseB at ``base`` each; AnB at n=1 (``low``, one a seed) and at n=7 AnB and BnB."""
    results = []
    for seed in range(3):
        results += [network(f"random{seed}/baseB", "base", seed, base),
                    network(f"random{seed}/A1B", "transfer", seed, low[seed], source="A", n=1)]
        if top_transfer:
            results += [network(f"random{seed}/A7B", "transfer", seed, top_transfer[seed], source="A", n=7),
                        network(f"random{seed}/B7B", "selffer", seed, top_selffer[seed], source="B", n=7)]
    return results


def test_lowest_layers_far_below_their_base_are_not_general():
    low = (0.549, 0.550, 0.551)  # 5 points below the base, a standard error of 0.06 points
    points = [100 * (value - 0.60) for value in low]
    se = statistics.stdev(points) / math.sqrt(len(points))
    assert abs(statistics.mean(points)) - 2 * se > 2  # beyond 2 points by more than two standard errors
    general = findings.general(three_seeds(0.60, low))
    assert general.value == pytest.approx(statistics.mean(points))
    assert not general.holds
    assert "are not general here" in general.text


def test_top_layers_below_the_selffers_by_less_than_two_points_are_not_called_specific():
    transfer, selffer = (0.589, 0.590, 0.591), (0.600, 0.601, 0.599)  # 1 point apart, seed spread 0.1 point
    difference = statistics.mean(transfer) - statistics.mean(selffer)
    se = math.sqrt(statistics.variance(transfer) / 3 + statistics.variance(selffer) / 3)
    assert abs(difference) > 2 * se and abs(difference) > max(map(statistics.stdev, (transfer, selffer)))
    specific = findings.specific(three_seeds(0.60, (0.60,) * 3, transfer, selffer))
    assert specific.value == pytest.approx(100 * difference)
    assert not specific.holds


def test_fine_tuning_against_the_selffers_averages_each_ns_mean_where_n_have_unequal_bases():
    differences = {1: {0: 0.04}, 7: {0: 0.01, 1: 0.01, 2: 0.01}}  # n: {seed: AnB+ − BnB+}
    results = [network(f"random{seed}/baseB", "base", seed, 0.60) for seed in range(3)]
    for n, by_seed in differences.items():
        for seed, difference in by_seed.items():
            results += [network(f"random{seed}/A{n}B+", "transfer", seed, 0.60 + difference, source="A", n=n,
                                tuned=True),
                        network(f"random{seed}/B{n}B+", "selffer", seed, 0.60, source="B", n=n, tuned=True)]
    each_n = statistics.mean(100 * statistics.mean(by_seed.values()) for by_seed in differences.values())
    assert findings.fine_tuning(results).value == pytest.approx(each_n)  # 2.5, where every network's mean is 1.75
    # Table 1 averages over its networks, as the paper's Table 1 (tests/test_report_boost_averages.py)
    every_network = 100 * (statistics.mean(0.60 + d for by_seed in differences.values() for d in by_seed.values())
                           - 0.60)
    assert 100 * table1(results)[0]["boost_over_BnB+"] == pytest.approx(every_network)


def test_a_run_that_climbed_early_and_then_levelled_off_is_not_still_rising():
    tops = [0.30] * 4 + [0.50] * 12  # the last quarter no higher than the quarter before it
    curve = [(50 * (i + 1), top) for i, top in enumerate(tops)]
    quarter = len(tops) // 4
    assert statistics.mean(tops[-quarter:]) - statistics.mean(tops[-2 * quarter:-quarter]) == 0
    assert not network("random0/baseB", "base", 0, 0.5, curve=curve, evaluations=len(tops)).still_rising
    climbing = tops[:-quarter] + [0.53] * quarter  # 3 points above the quarter before
    curve = [(50 * (i + 1), top) for i, top in enumerate(climbing)]
    assert network("random0/baseB", "base", 0, 0.5, curve=curve, evaluations=len(tops)).still_rising


@pytest.mark.parametrize("apart, pooled", [(0.015, True), (0.03, False)], ids=["1.5-points", "3-points"])
def test_halves_are_pooled_only_within_two_points(apart, pooled):
    results = []
    for seed in range(2):
        results += [network(f"random{seed}/baseA", "base", seed, 0.60 + apart, target="A"),
                    network(f"random{seed}/baseB", "base", seed, 0.60),
                    network(f"random{seed}/A7B+", "transfer", seed, 0.62, source="A", n=7, tuned=True)]
    boost = table1(results)[0]["boost_over_pooled_base"]
    if pooled:
        assert boost == pytest.approx(0.62 - (0.60 + apart / 2))
    else:
        assert math.isnan(boost)


def test_the_dissimilar_claim_is_not_judged_where_the_random_splits_bases_learned_nothing():
    """It measures the natural split's AnB against a random split's: where the random split's bases are at
    chance (10% of 10 classes on 10,000 images), its transfers tell nothing of features, so neither does the claim."""
    results = []
    for seed in range(3):
        for split, base, transfer in (("random", 0.10, 0.09 + seed / 1000), ("natural", 0.60, 0.40 + seed / 100)):
            run = Run(f"{split}{seed}/baseB", "base", split, seed, target="B")
            results.append(dataclasses.replace(network(run.name, "base", seed, base), run=run, scored_on=(10000, 10)))
            run = Run(f"{split}{seed}/A7B", "transfer", split, seed, target="B", source="A", n=7)
            results.append(dataclasses.replace(network(run.name, "transfer", seed, transfer), run=run))
    found = {f.claim: f for f in findings.findings(results)}
    assert found["dissimilar"].networks == 6
    assert not found["dissimilar"].holds
    assert "not judged" in found["dissimilar"].text and "random0/baseB" in found["dissimilar"].text


def test_a_transfer_names_the_base_it_copied_from_and_the_one_it_is_measured_against():
    """A3B copies its first 3 layers from baseA and is measured against baseB (Table 1 names both where either is
    at chance); B3B copies from and is measured against baseB alone; the other split's bases are neither's."""
    results = [network(f"random{seed}/base{half}", "base", seed, 0.6, target=half) for seed in (0, 1) for half in "AB"]
    transfer = network("random0/A3B", "transfer", 0, 0.55, source="A", n=3)
    selffer = network("random0/B3B", "selffer", 0, 0.58, source="B", n=3)
    results += [transfer, selffer]
    assert bases_of(results, [transfer]) == {"random0/baseA", "random0/baseB"}
    assert bases_of(results, [selffer]) == {"random0/baseB"}


def test_fine_tuned_transfers_resolved_below_their_base_are_no_boost():
    tuned = (0.589, 0.590, 0.591)  # 1 point below their bases, a standard error of 0.06 points over 3 bases
    points = [100 * (value - 0.60) for value in tuned]
    assert abs(statistics.mean(points)) > 2 * statistics.stdev(points) / math.sqrt(len(points))
    results = []
    for seed, value in enumerate(tuned):
        results += [network(f"random{seed}/baseB", "base", seed, 0.60),
                    network(f"random{seed}/A7B+", "transfer", seed, value, source="A", n=7, tuned=True)]
    fine = findings.fine_tuning(results)
    assert fine.value == pytest.approx(statistics.mean(points))
    assert not fine.holds and "did not recover the base's accuracy" in fine.text


def test_the_seed_spread_of_one_split_seed_is_said_to_be_no_spread_of_seeds():
    results = [network(f"random0/base{half}", "base", 0, 0.60, target=half) for half in "AB"]
    for source, target, value in (("A", "B", 0.50), ("B", "A", 0.52), ("B", "B", 0.60), ("A", "A", 0.61)):
        kind = "selffer" if source == target else "transfer"
        results.append(network(f"random0/{source}7{target}", kind, 0, value, target=target, source=source, n=7))
    specific = findings.specific(results)
    assert specific.networks == 4
    assert "here all are of split seed 0, so it is no spread across seeds" in specific.text


def test_the_jump_at_a_step_four_evaluations_before_the_end_is_not_a_climb():
    tops = [0.30] * 8 + [0.50] * 4  # the learning rate stepped after the 8th evaluation; flat after it
    curve = [(100 * (i + 1), top) for i, top in enumerate(tops)]
    run = network("random0/baseB", "base", 0, 0.5, curve=curve, evaluations=len(tops))
    assert not dataclasses.replace(run, last_rate_change=800).still_rising
