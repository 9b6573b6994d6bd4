"""The paper's claims measured on a grid's networks (minitransfer/findings.py): differences relative
to each network's own base, their standard errors, and plain words when a difference is not resolved.
Hand-built results with known answers."""

import dataclasses
import math

import pytest

from minitransfer import findings, run_caveats
from minitransfer.experiment import Run
from minitransfer.results import Result


def network(name, kind, split, seed, accuracy, target="B", source=None, n=0, tuned=False, curve=(), last_rate_change=0):
    return Result(Run(name, kind, split, seed, target=target, source=source, n=n, fine_tuned=tuned),
                  accuracy, accuracy, accuracy, len(curve) or 20, curve=tuple(curve), last_rate_change=last_rate_change)


def random_grid(transfer, selffer, tuned=(0.62, 0.625, 0.615), n_low=1, n_top=7):
    """Three random splits, base B at 0.60 each; AnB at n_low within a point of it; at n_top the given
    AnB and BnB accuracies; AnB+ at n_top as given."""
    results = []
    for seed, (a, b, t) in enumerate(zip(transfer, selffer, tuned)):
        results += [network(f"random{seed}/baseB", "base", "random", seed, 0.60),
                    network(f"random{seed}/A{n_low}B", "transfer", "random", seed, 0.60 + 0.002 * (seed - 1),
                            source="A", n=n_low),
                    network(f"random{seed}/A{n_top}B", "transfer", "random", seed, a, source="A", n=n_top),
                    network(f"random{seed}/B{n_top}B", "selffer", "random", seed, b, source="B", n=n_top),
                    network(f"random{seed}/A{n_top}B+", "transfer", "random", seed, t, source="A", n=n_top,
                            tuned=True)]
    return results


def by_claim(results):
    return {f.claim: f for f in findings.findings(results)}


def test_a_grid_with_the_papers_effects_is_read_as_the_paper_saw_it():
    # per seed AnB − BnB: -11, -9, -10 points: paired (one draw a seed), s.d. 1 over 3 seeds, s.e. 1/√3 = 0.577;
    # the groups as if independent, sqrt(0.577² + 0.577²) = 0.816
    results = random_grid(transfer=(0.50, 0.51, 0.49), selffer=(0.61, 0.60, 0.59))
    for replicate in range(3):
        results += [network(f"natural-{replicate}/baseB", "base", "natural", replicate, 0.55),
                    network(f"natural-{replicate}/A7B", "transfer", "natural", replicate, 0.35 + 0.01 * replicate,
                            source="A", n=7),
                    network(f"all-{replicate}/base", "base", "all", replicate, 0.58, target=None),
                    network(f"all-{replicate}/random7", "random-frozen", "all", replicate, 0.20 + 0.01 * replicate,
                            target=None, n=7)]
    found = by_claim(results)
    assert all(f.holds for f in found.values()), [f.text for f in found.values()]
    assert found["general"].value == pytest.approx(0.0, abs=1e-9) and found["general"].networks == 3
    assert found["general"].text.startswith("At n=1, transferred layers (AnB) score +0.0 ± 0.1 points")
    assert found["specific"].value == pytest.approx(-10.0) and found["specific"].se == pytest.approx(0.5774, abs=1e-3)
    assert "At n=7, AnB is 10.0 ± 0.6 points below BnB (seed spread 1.0 points; 3 + 3 networks): the top layers " \
           "are specific" in found["specific"].text
    assert found["fine-tuning"].value == pytest.approx(2.0)
    assert found["dissimilar"].value == pytest.approx(-19.0 - (-10.0))
    assert "loses 9.0 ± " in found["dissimilar"].text
    assert "points more than a random split's" in found["dissimilar"].text
    assert found["random-weights"].value == pytest.approx(-37.0 - (-10.0))


def test_the_lowest_n_transferred_both_ways_counts_both_against_their_own_bases():
    results = random_grid(transfer=(0.50, 0.51, 0.49), selffer=(0.60, 0.61, 0.59))
    for seed in range(3):  # base A at 0.80, B1A 3 points below it: BnA measured against baseA, not baseB
        results += [network(f"random{seed}/baseA", "base", "random", seed, 0.80, target="A"),
                    network(f"random{seed}/B1A", "transfer", "random", seed, 0.77, target="A", source="B", n=1)]
    general = findings.general(results)
    assert general.networks == 6 and general.value == pytest.approx(-1.5)
    assert general.text.startswith("At n=1, transferred layers (AnB and BnA) score -1.5 ± 0.1 points relative to "
                                   "their own base (6 networks of 3 split seeds; ± over the seeds: a seed's AnB and "
                                   "BnA share its split and bases): within 2 points")  # a seed is one draw


def test_an_effect_within_the_noise_is_said_to_be_unresolved():
    results = random_grid(transfer=(0.59, 0.61, 0.57), selffer=(0.60, 0.605, 0.595))
    specific = by_claim(results)["specific"]
    assert not specific.holds and "not resolved by these runs" in specific.text
    assert specific.value == pytest.approx(-1.0) and specific.value + 2 * specific.se > 0


def test_a_resolved_effect_smaller_than_the_seed_spread_does_not_hold():
    results = []  # twelve splits: AnB 2.5 points below BnB, resolved (s.e. 0.9), but the seeds spread 3.1
    for seed in range(12):
        results += [network(f"random{seed}/baseB", "base", "random", seed, 0.60),
                    network(f"random{seed}/A7B", "transfer", "random", seed, 0.575, source="A", n=7),
                    network(f"random{seed}/B7B", "selffer", "random", seed, 0.57 if seed % 2 else 0.63, source="B",
                            n=7)]
    specific = by_claim(results)["specific"]
    assert specific.value == pytest.approx(-2.5) and -specific.value > 2 * specific.se
    assert not specific.holds and "than the seed spread" in specific.text


def test_fine_tuned_transfer_below_its_base_is_reported_as_such():
    results = random_grid(transfer=(0.5,) * 3, selffer=(0.6,) * 3, tuned=(0.55, 0.56, 0.54))
    fine = by_claim(results)["fine-tuning"]
    assert not fine.holds and fine.value == pytest.approx(-5.0) and "did not recover" in fine.text


def test_fine_tuned_networks_sharing_a_base_share_its_uncertainty():
    """Three splits, AnB+ at n = 1, 4 and 7 each: one split's base did well, so all three of its
    AnB+ sit 3 points below it, the others' 1 point above theirs. Over the nine networks the mean
    is -0.33 with an s.e. of 0.67 (resolved below 0 it is not, but barely); the three bases are what
    vary, and over them the s.e. is 1.33: two of it (2.67) could not tell 2 points from none."""
    results = []
    for seed, offset in enumerate((-0.03, 0.01, 0.01)):
        results.append(network(f"random{seed}/baseB", "base", "random", seed, 0.60))
        results += [network(f"random{seed}/A{n}B+", "transfer", "random", seed, 0.60 + offset, source="A", n=n,
                            tuned=True) for n in (1, 4, 7)]
    fine = findings.fine_tuning(results)
    assert fine.value == pytest.approx(-1 / 3) and fine.networks == 9
    assert fine.se == pytest.approx(4 / 3)  # s.d. of (-3, 1, 1) over sqrt(3), not s.d. of the nine over 3
    assert not fine.holds and "(9 networks against 3 bases)" in fine.text and "-0.3 ± 1.3 points" in fine.text
    assert "not resolved: too uncertain to tell a difference of 2 points from none" in fine.text


def test_a_network_without_an_accuracy_is_in_no_claim():
    """A fine-tuned run that made no evaluation (NaN, as train writes it) is no measurement: the
    claim reads as without it, its base's other networks still counted."""
    results = random_grid(transfer=(0.5,) * 3, selffer=(0.6,) * 3, tuned=(0.62, 0.63, 0.61))
    silent = Result(Run("random0/A4B+", "transfer", "random", 0, target="B", source="A", n=4, fine_tuned=True),
                    math.nan, math.nan, math.nan, 0)
    assert findings.fine_tuning(results + [silent]) == findings.fine_tuning(results)



def test_fine_tuned_networks_of_unequal_bases_have_the_standard_error_of_their_mean():
    """Three bases with 3, 1 and 2 AnB+ measured against them, 3, -1 and 0 points from them: the
    mean over the six networks is 4/3. Bases are the independent draws: the groups' summed
    deviations from 4/3 are 5, -7/3 and -8/3, and the standard error of the mean over the networks
    is sqrt(3/2 · (25 + 49/9 + 64/9)) / 6 = 1.2509 (the s.e. of the bases' means, 1.2019, is that of
    another mean, 2/3). 4/3 is neither resolved above 0 (2 s.e. are 2.5) nor 2 s.e. within 2 points."""
    results = []
    for seed, offsets in enumerate(((0.03, 0.03, 0.03), (-0.01,), (0.0, 0.0))):
        results.append(network(f"random{seed}/baseB", "base", "random", seed, 0.60))
        results += [network(f"random{seed}/A{n}B+", "transfer", "random", seed, 0.60 + offset, source="A", n=n,
                            tuned=True) for n, offset in zip((1, 4, 7), offsets)]
    fine = findings.fine_tuning(results)
    assert fine.value == pytest.approx(4 / 3) and fine.networks == 6
    assert fine.se == pytest.approx(math.sqrt(1.5 * (25 + 49 / 9 + 64 / 9)) / 6)
    assert "+1.3 ± 1.3 points relative to its own base, over every n (6 networks against 3 bases)" in fine.text
    assert not fine.holds and "not resolved: too uncertain" in fine.text


def test_layers_about_as_good_as_the_base_need_runs_that_can_tell():
    """Two AnB at n=1, 6 points below and 6.5 above their bases: the mean (+0.3) is within 2 points,
    but its standard error (6.2) could not tell a 2-point difference from none; 0.7 could, but -1.5 ± 0.7 is
    within 2 points by less than two standard errors (not shown within them), while -0.7 ± 0.5 is by more."""
    def lowest(offsets):
        return [network(f"random{seed}/{name}", kind, "random", seed, accuracy, source=source, n=n)
                for seed, offset in enumerate(offsets)
                for name, kind, accuracy, source, n in (("baseB", "base", 0.60, None, 0),
                                                        ("A1B", "transfer", 0.60 + offset, "A", 1))]
    wide = findings.general(lowest((-0.06, 0.065)))
    assert wide.value == pytest.approx(0.25) and wide.se == pytest.approx(6.25)
    assert not wide.holds and "within 2 points: the features" not in wide.text
    assert "+0.3 ± 6.2 points" in wide.text and "too uncertain to tell a difference of 2 points" in wide.text
    short = findings.general(lowest((-0.022, -0.008)))  # -1.5 ± 0.7: -1.5 - 2 * 0.7 is beyond -2
    assert not short.holds and "-1.5 ± 0.7 points" in short.text and "not shown to be within 2 points" in short.text
    assert findings.general(lowest((-0.012, -0.002))).holds  # -0.7 ± 0.5: -0.7 - 2 * 0.5 within -2



def test_the_lowest_n_names_only_the_transfers_measured():
    """BnA at n=1 without their base A are left out: the claim speaks of the AnB it measured."""
    results = random_grid(transfer=(0.50, 0.51, 0.49), selffer=(0.60, 0.61, 0.59))
    results += [network(f"random{seed}/B1A", "transfer", "random", seed, 0.70, target="A", source="B", n=1)
                for seed in range(3)]
    general = findings.general(results)
    assert general.networks == 3 and general.text.startswith("At n=1, transferred layers (AnB) score")



def test_one_network_per_group_has_no_seed_spread():
    results = [network("random0/baseB", "base", "random", 0, 0.60),
               network("random0/A7B", "transfer", "random", 0, 0.45, source="A", n=7),
               network("random0/B7B", "selffer", "random", 0, 0.58, source="B", n=7)]
    specific = findings.specific(results)
    assert specific.value == pytest.approx(-13.0) and not specific.holds
    assert "(seed spread unknown; 1 + 1 networks)" in specific.text and "0.0" not in specific.text



def test_claims_without_their_runs_say_they_were_not_measured():
    found = by_claim(random_grid(transfer=(0.5,) * 3, selffer=(0.6,) * 3))
    assert not found["dissimilar"].holds and "not measured" in found["dissimilar"].text
    assert not found["random-weights"].holds and "not measured" in found["random-weights"].text
    assert math.isnan(found["dissimilar"].value)


def stepped(levels, every=50):
    """A curve of 21 evaluations (iterations 50..1050) flat at ``levels[k]`` in the k-th third: the
    accuracy jumps when the learning rate steps down at 350 and 700, and stays put in between."""
    return [(every * i, levels[min((every * i - 1) // 350, 2)]) for i in range(1, 22)]


def test_the_jump_at_the_last_learning_rate_step_is_not_a_climb():
    """Steps at 350 and 700: quarters of the whole curve (evaluations 600-800 against 850-1050)
    straddle the step at 700; the evaluations after it are flat, so the run has settled."""
    curve = stepped((0.70, 0.80, 0.82))
    assert network("settled", "base", "random", 0, 0.8, curve=curve, last_rate_change=700).still_rising is False
    assert network("no schedule", "base", "random", 0, 0.8, curve=curve).still_rising is True


def test_a_climb_after_the_last_step_is_still_flagged():
    curve = [(it, top + (0.004 * (it - 700) / 50 if it > 700 else 0)) for it, top in stepped((0.70, 0.80, 0.82))]
    assert network("climbing", "base", "random", 0, 0.8, curve=curve, last_rate_change=700).still_rising is True


def test_a_run_that_ends_soon_after_a_step_has_not_shown_a_plateau():
    """Fewer than four evaluations after the last step (at 950): the whole curve is compared."""
    curve = [(50 * i, 0.70 if 50 * i <= 950 else 0.75) for i in range(1, 22)]
    assert network("late step", "base", "random", 0, 0.7, curve=curve, last_rate_change=950).still_rising is True


def test_runs_still_rising_or_with_few_evaluations_are_flagged():
    climbing = [(10 * i, 0.3 + 0.02 * i) for i in range(1, 21)]
    flat = [(10 * i, 0.6 + 0.002 * (-1) ** i) for i in range(1, 21)]
    results = [network("up", "base", "random", 0, 0.6, curve=climbing), network("flat", "base", "random", 1, 0.6,
                                                                                 curve=flat),
               network("short", "base", "random", 2, 0.6, curve=flat[:6])]
    assert [r.still_rising for r in results] == [True, False, False]
    text = "\n".join(run_caveats.warnings(results))
    assert "still rising at the end (1): up" in text and "10 evaluations or fewer (1): short (6)" in text


def test_one_network_or_one_base_gives_no_standard_error_and_resolves_nothing():
    """One AnB at n=1, 1.5 points below its base; two AnB+ against that one base, 4.5 points above
    it; one AnB and three BnB at n=7, 10 points apart: no claim holds, each says why."""
    results = [network("random0/baseB", "base", "random", 0, 0.60),
               network("random0/A1B", "transfer", "random", 0, 0.585, source="A", n=1),
               network("random0/A7B", "transfer", "random", 0, 0.50, source="A", n=7)]
    results += [network(f"random0/A{n}B+", "transfer", "random", 0, accuracy, source="A", n=n, tuned=True)
                for n, accuracy in ((1, 0.64), (7, 0.65))]
    for seed, accuracy in enumerate((0.60, 0.61, 0.59)):
        results += [network(f"random{seed}/B7B", "selffer", "random", seed, accuracy, source="B", n=7)]
        results += [network(f"random{seed}/baseB", "base", "random", seed, 0.60)] if seed else []
    found = by_claim(results)
    assert not any(f.holds for f in found.values()), [f.text for f in found.values()]
    assert found["general"].value == pytest.approx(-1.5) and math.isnan(found["general"].se)
    assert found["general"].text == ("At n=1, transferred layers (AnB) score -1.5 points relative to their own base "
                                     "(1 network): not resolved: too few networks for a standard error (1; at least 2 "
                                     "needed): train more networks per point: more random splits (experiment "
                                     "--split-seed, once per split).")
    assert found["fine-tuning"].value == pytest.approx(4.5) and math.isnan(found["fine-tuning"].se)
    assert "+4.5 points relative to its own base, over every n (2 networks against 1 base), the mean over " \
           "networks, as in Table 1: not resolved: one base gives no standard error" \
           in found["fine-tuning"].text
    assert found["specific"].value == pytest.approx(-10.0) and math.isnan(found["specific"].se)
    assert "AnB is 10.0 points below BnB" in found["specific"].text
    # compared on the one seed both have (like with like): the BnB of seeds 1 and 2 are left out, and said so
    assert "(seed spread unknown; 1 + 1 networks; 2 BnB of split seeds without AnB left out)" in found["specific"].text
    assert "(1 + 1; at least 2 per group)" in found["specific"].text
    assert not any("± 0.0" in f.text for f in found.values())


def cross_grid(top_transfer, top_selffer, low_transfer=(0.60, 0.602, 0.598)):
    """Three replicates of a cross-dataset grid, baseT at 0.60 each: SnT at n=1 and n=5, TnT at n=5."""
    results = []
    for replicate, (low, a, b) in enumerate(zip(low_transfer, top_transfer, top_selffer)):
        folder = "cross" if replicate == 0 else f"cross-{replicate}"
        results += [network(f"{folder}/baseS", "base", "cross", replicate, 0.45, target="S"),
                    network(f"{folder}/baseT", "base", "cross", replicate, 0.60, target="T"),
                    network(f"{folder}/S1T", "transfer", "cross", replicate, low, target="T", source="S", n=1),
                    network(f"{folder}/S5T", "transfer", "cross", replicate, a, target="T", source="S", n=5),
                    network(f"{folder}/T5T", "selffer", "cross", replicate, b, target="T", source="T", n=5)]
    return results


def test_a_cross_dataset_grid_is_measured_across_datasets():
    """A grid of experiment --source-data had no finding at all: the paper's five said "not
    measured". The lowest n's SnT is measured against the target's base, the top n's against TnT."""
    # per replicate SnT − TnT: -19, -17, -18 points: paired s.e. 1/√3 = 0.58 (as if independent, 0.82)
    found = by_claim(cross_grid(top_transfer=(0.40, 0.41, 0.39), top_selffer=(0.59, 0.58, 0.57)))
    general, specific = found["general-across-datasets"], found["specific-across-datasets"]
    assert general.holds and general.networks == 3 and general.value == pytest.approx(0.0, abs=1e-9)
    assert general.text.startswith("At n=1, transferred layers across datasets (SnT) score +0.0 ± 0.1 points "
                                   "relative to their own base (3 networks): within 2 points")
    assert specific.holds and specific.value == pytest.approx(-18.0)
    assert specific.text.startswith("At n=5, SnT is 18.0 ± 0.6 points below TnT (seed spread 1.0 points; 3 + 3 "
                                    "networks): the top layers are specific to their dataset")
    assert "general" not in found and "not measured" in found["within-dataset"].text  # no random split here
    close = by_claim(cross_grid(top_transfer=(0.58, 0.59, 0.57), top_selffer=(0.58, 0.59, 0.57)))
    assert not close["specific-across-datasets"].holds


def test_a_grid_without_cross_dataset_runs_has_the_papers_five_findings():
    results = random_grid(transfer=(0.50, 0.51, 0.49), selffer=(0.60, 0.61, 0.59))
    assert [f.claim for f in findings.findings(results)] == [
        "general", "specific", "fine-tuning", "dissimilar", "random-weights"]


def test_a_warning_of_a_huge_grid_names_a_few_runs_when_asked_and_counts_the_rest():
    """A grid of 1,000 runs trained too short, half of them with another schedule: the terminal's
    "careful:" lines named every run, thousands of names a line. With ``shown``, each list names
    that many and says where all are listed; without, every one (findings.md)."""
    climbing = [(10 * i, 0.3 + 0.02 * i) for i in range(1, 21)]
    results = [dataclasses.replace(network(f"random{seed}/baseB", "base", "random", seed, 0.6, curve=climbing),
                                   evaluations=4, schedule=(("max_iter", 300 if seed % 2 else 600),))
               for seed in range(1000)]
    full = run_caveats.warnings(results)
    assert [text.count("random") for text in full] == [1000, 1000, 1000]
    brief = run_caveats.warnings(results, 5, "grid/report/findings.md")
    names = ", ".join(f"random{seed}/baseB" for seed in range(5))
    assert brief[0].startswith(f"still rising at the end (1000): {names} and 995 more, all listed in "
                               "grid/report/findings.md; the mean of their best")
    assert f"(1000): {names.replace('/baseB', '/baseB (4)')} and 995 more, all listed in" in brief[1]
    assert "--max-iter 300 (500: random1/baseB, random3/baseB, random5/baseB, random7/baseB, random9/baseB and " \
           "495 more, all listed in grid/report/findings.md)" in brief[2]
    assert [text.count("random") for text in brief] == [5, 5, 10]
