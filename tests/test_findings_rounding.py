"""The figures a finding prints never contradict the verdict beside it (minitransfer/findings.py,
minitransfer/findings_figures.py). Before, every figure had one decimal: a mean of -2.04 ± 0.00 read "-2.0 ± 0.0
points ...: more than 2 points from it", a gap of 1.97 "2.0 below ...: smaller than the paper's effect", a gap of
2.63 against a seed spread of 2.58 "2.6 below BnB (seed spread 2.6 points ...)" and held, and -0.04 read "-0.0".
Hand-built networks at those boundaries; the oracle parses the printed figures and checks the verdict's words
against them with the paper's thresholds (2 points, two standard errors, the seed spread), as a reader would."""

import random
import re

import pytest

from minitransfer import findings
from minitransfer.experiment import Run
from minitransfer.results import Result

BASE = 0.60
FIGURE = r"([+-]?\d+\.\d+)"


def network(name, kind, split, seed, offset, target="B", source=None, n=0, tuned=False):
    """A network ``offset`` points from the base accuracy (a base at it)."""
    accuracy = BASE + offset / 100
    return Result(Run(name, kind, split, seed, target=target, source=source, n=n, fine_tuned=tuned),
                  accuracy, accuracy, accuracy, 20)


def bases(split, seeds, target="B"):
    return [network(f"{split}{seed}/base{target or ''}", "base", split, seed, 0.0, target=target)
            for seed in range(seeds)]


def lowest(offsets):
    """AnB at n=1, one per random split, ``offsets`` points from their bases."""
    return bases("random", len(offsets)) + [network(f"random{seed}/A1B", "transfer", "random", seed, offset,
                                                    source="A", n=1) for seed, offset in enumerate(offsets)]


def top(transfers, selffers):
    """AnB and BnB at n=7, one each per random split, the given points from their bases."""
    return bases("random", len(transfers)) + [
        network(f"random{seed}/{name}", kind, "random", seed, offset, source=name[0], n=7)
        for seed, pair in enumerate(zip(transfers, selffers))
        for name, kind, offset in zip(("A7B", "B7B"), ("transfer", "selffer"), pair)]


def figures(pattern, text):
    found = re.search(pattern, text)
    assert found, text
    return [float(figure) for figure in found.groups()]


def read_general(text):
    """The general claim's verdict as its printed figures give it."""
    mean, se = figures(rf"score {FIGURE} ± {FIGURE} points", text)
    if "within 2 points: the features" in text:
        return abs(mean) + 2 * se <= 2
    if "more than 2 points from it, beyond two standard errors" in text:
        return abs(mean) - 2 * se > 2
    if "too uncertain to tell a difference of 2 points from none" in text:
        return 2 * se > 2
    if "not shown to be within 2 points" in text:
        return 2 * se <= 2 < abs(mean) + 2 * se and abs(mean) - 2 * se <= 2
    raise AssertionError(text)


def read_specific(text):
    gap, se, seeds = figures(rf"is {FIGURE} ± {FIGURE} points below BnB \(seed spread {FIGURE} points", text)
    if "the top layers are specific" in text:
        return gap >= 2 and gap > seeds and gap > 2 * se
    if "smaller than the paper's effect or than the seed spread" in text:
        return gap > 2 * se and (gap < 2 or gap <= seeds)
    if "not resolved" in text:
        return gap <= 2 * se
    raise AssertionError(text)


# Student's t at 95% (a one-sided 95% test) of the split seeds' degrees of freedom, by split seeds (any table): what
# a fine-tuned boost's verdict asks of its standard error (findings.boost_errors)
BOOST_ERRORS = {2: 6.31, 3: 2.92}


def read_boost(text, draws):
    mean, se = figures(rf"AnB\+ scores {FIGURE} ± {FIGURE} points", text)
    if "do better than training from scratch" in text:
        return mean > BOOST_ERRORS[draws] * se
    if "within 2 points of it, not resolved from it: no boost shown" in text:
        return abs(mean) <= BOOST_ERRORS[draws] * se and 2 * se <= 2 and abs(mean) <= 2
    if "did not recover" in text:
        return -mean > 2 * se
    if "too uncertain" in text:
        return abs(mean) <= 2 * se and 2 * se > 2
    raise AssertionError(text)


def read_random_weights(text):
    gap, se = figures(rf"lose {FIGURE} ± {FIGURE} points more", text)
    if "transferred features beat random ones" in text:
        return gap > 2 * se
    if "not resolved" in text:
        return gap <= 2 * se
    raise AssertionError(text)


@pytest.mark.parametrize("offsets, verdict", [
    ((-2.04,) * 3, "more than 2 points from it"),          # se 0: "-2.0 ± 0.0" read as within 2 points
    ((-3.04 - 0.51, -3.04 + 0.51), "more than 2 points"),  # 3.04 - 2 * 0.51 > 2; "3.0 - 2 * 0.5" is not
    ((1.04, -1.04), "too uncertain"),                      # 2 * 1.04 > 2; "± 1.0" reads as precise enough
], ids=["mean-2.04-se0", "beyond-by-0.02", "se1.04"])
def test_the_general_claims_figures_show_the_side_of_2_points(offsets, verdict):
    general = findings.general(lowest(offsets))
    assert verdict in general.text and not general.holds
    assert read_general(general.text), general.text


def test_the_common_case_keeps_one_decimal():
    general = findings.general(lowest((-0.5, 0.2, 0.9)))
    assert "score +0.2 ± 0.4 points relative to their own base (3 networks): within 2 points" in general.text
    assert read_general(general.text)


def test_a_mean_that_rounds_to_zero_has_no_minus_sign():
    general = findings.general(lowest((-0.03, -0.04, -0.05)))
    assert general.holds and "score +0.0 ± 0.0 points" in general.text and "-0.0" not in general.text


def test_a_gap_just_under_2_points_is_not_printed_as_2():
    # per seed AnB − BnB: -2.17, -1.97, -1.77: paired s.e. 0.2/√3 = 0.115 (as if independent, 0.082)
    specific = findings.specific(top((-1.97 - 0.1, -1.97, -1.97 + 0.1), (0.1, 0.0, -0.1)))
    assert not specific.holds and "smaller than the paper's effect" in specific.text
    assert "is 1.97 ± 0.12 points below BnB (seed spread 0.10 points" in specific.text
    assert read_specific(specific.text)


def test_a_gap_just_over_the_seed_spread_is_printed_over_it():
    """Twelve splits: BnB alternate ±2.47 points (a standard deviation of 2.58), AnB 2.63 below their bases."""
    spread = [2.47 if seed % 2 else -2.47 for seed in range(12)]
    specific = findings.specific(top([-2.63] * 12, spread))
    assert specific.holds and "(seed spread 2.58 points" in specific.text and "is 2.63 ± " in specific.text
    assert read_specific(specific.text)


def test_a_boost_resolved_by_hundredths_shows_them():
    """AnB+ 0.03, 0.04 and 0.05 points above their bases: resolved (s.e. 0.006, 6.9 of them; 2.92 asked), "+0.0 ±
    0.0" would not be."""
    results = bases("random", 3) + [network(f"random{seed}/A7B+", "transfer", "random", seed, offset, source="A",
                                            n=7, tuned=True) for seed, offset in enumerate((0.03, 0.04, 0.05))]
    fine = findings.fine_tuning(results)
    assert fine.holds and "do better than training from scratch" in fine.text and "+0.04 ± 0.01" in fine.text
    assert read_boost(fine.text, 3)


def test_a_boost_too_uncertain_by_hundredths_shows_them():
    """AnB+ at -0.04 and +2.04 points: mean 1.0, s.e. 1.04, two of which cannot tell 2 points from none."""
    results = bases("random", 2) + [network(f"random{seed}/A7B+", "transfer", "random", seed, offset, source="A",
                                            n=7, tuned=True) for seed, offset in enumerate((-0.04, 2.04))]
    fine = findings.fine_tuning(results)
    assert "too uncertain" in fine.text and "+1.00 ± 1.04 points" in fine.text
    assert read_boost(fine.text, 2)


def test_random_weights_resolved_by_hundredths_show_them():
    """Random frozen layers 13.04 points below their bases (s.e. 0), AnB 10 ± 1.51: a gap of 3.04 ± 1.51,
    resolved; "3.0 ± 1.5" would not be."""
    results = bases("random", 2) + bases("all", 2, target=None)
    results += [network(f"random{seed}/A7B", "transfer", "random", seed, offset, source="A", n=7)
                for seed, offset in enumerate((-10 - 1.51, -10 + 1.51))]
    results += [network(f"all{seed}/random7", "random-frozen", "all", seed, -13.04, target=None, n=7)
                for seed in range(2)]
    weights = findings.random_weights(results)
    assert weights.holds and "lose 3.04 ± 1.51 points more" in weights.text
    assert "(random -13.04, AnB -10.00 points" in weights.text
    assert read_random_weights(weights.text)


@pytest.mark.parametrize("seed", range(4))
def test_figures_near_the_thresholds_never_contradict_the_verdict(seed):
    """Means and spreads drawn within a few hundredths of 2 points, of two standard errors and of the seed
    spread, in every claim measured here: the verdict read off the printed figures is the verdict."""
    draw = random.Random(seed)
    for _ in range(25):
        near = [2 + draw.choice((-1, 1)) * draw.uniform(0.001, 0.06) for _ in range(3)]
        general = findings.general(lowest((-near[0] - near[1] / 2, -near[0] + near[1] / 2)))
        assert read_general(general.text), general.text
        spread = [near[1] if split % 2 else -near[1] for split in range(12)]
        specific = findings.specific(top([-near[2] * draw.choice((1, 1.3))] * 12, spread))
        assert read_specific(specific.text), specific.text
        tuned = bases("random", 2) + [network(f"random{split}/A7B+", "transfer", "random", split, offset, source="A",
                                              n=7, tuned=True) for split, offset in enumerate((0.0, 2 * near[0]))]
        fine = findings.fine_tuning(tuned)
        assert read_boost(fine.text, 2), fine.text


def test_a_boost_over_bnb_plus_resolved_by_hundredths_shows_them():
    """AnB+ 1.3467 and 1.8533 points above the BnB+ of their n and base: 1.60 ± 0.2533, resolved (6.317 standard
    errors; a one-sided 95% test of 2 split seeds asks 6.31); "1.6 ± 0.3" (5.3) would not be."""
    results = bases("random", 2)
    for seed, gap in enumerate((1.6 - 0.2533, 1.6 + 0.2533)):
        results += [network(f"random{seed}/A7B+", "transfer", "random", seed, 1.0 + gap, source="A", n=7, tuned=True),
                    network(f"random{seed}/B7B+", "selffer", "random", seed, 1.0, source="B", n=7, tuned=True)]
    fine = findings.fine_tuning(results)
    gap, se = figures(rf"and {FIGURE} ± {FIGURE} points above BnB\+", fine.text)
    assert fine.holds and "do better than BnB+" in fine.text and (gap, se) == (1.6, 0.25)
    assert gap > BOOST_ERRORS[2] * se
