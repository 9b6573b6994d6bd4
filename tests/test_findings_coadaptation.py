"""The paper's fragile co-adaptation (§4.1, points 2-3: BnB below its base at the middle layers 3 to 6, BnB+ back at
it) was in no finding: findings.md measured the other claims only. Hand-built results (tests/test_findings.py's
``network``, as every findings test builds its grids: Results, not run folders) with known answers; every oracle
is worked out here with plain NumPy from the accuracies the grid is built of."""

import dataclasses

import numpy as np
import pytest

from minitransfer import findings, findings_coadaptation
from minitransfer.data import synthetic
from minitransfer.data.dataset import open_dataset
from test_findings import by_claim, network
from test_findings_few_draws import THREE_SPLIT_SEEDS, THREE_SPLIT_SEEDS_ADVISED

BASE = 0.60
DIP = {3: 0.58, 4: 0.55, 5: 0.56, 6: 0.59}  # BnB by middle n, seed 0 (seed s adds 0.003 s)
# What a verdict on a dip adds where no BnB were trained at the top layer (n=7), as in these grids
TOP_UNMEASURED = ("; the top layer was not measured: no BnB at n=7, where the paper's are back at their base "
                  "(experiment --layers: add 7)")


def grid(selffers=DIP, tuned=None, seeds=3, step=0.003, split="random"):
    """``seeds`` random splits (replicates across datasets), their base of half B (T) at :data:`BASE`, BnB (TnT)
    at each n of ``selffers`` (seed s adds ``step`` s), and BnB+ (TnT+) at the n of ``tuned`` ({n: accuracy})."""
    results = []
    for seed in range(seeds):
        cross = split == "cross"
        folder = (("cross" if seed == 0 else f"cross-{seed}") if cross else f"random{seed}")
        half = "T" if cross else "B"
        results.append(network(f"{folder}/base{half}", "base", split, seed, BASE, target=half))
        for tune, layers in ((False, selffers), (True, tuned or {})):
            results += [network(f"{folder}/{half}{n}{half}{'+' * tune}", "selffer", split, seed,
                                accuracy + step * seed, target=half, source=half, n=n, tuned=tune)
                        for n, accuracy in layers.items()]
    return results


def found(results, claim="co-adaptation"):
    return by_claim(results)[claim]


def oracle(accuracies, seeds=3, step=0.003):
    """Mean and standard error (points) over ``seeds`` networks, one per seed, each relative to the base."""
    values = 100 * (np.asarray([accuracies + step * seed for seed in range(seeds)]) - BASE)
    return values.mean(), values.std(ddof=1) / np.sqrt(len(values))


def test_a_dip_at_the_middle_layers_that_fine_tuning_recovers_holds():
    claim = found(grid(tuned={4: 0.60}))
    means = {n: oracle(accuracy) for n, accuracy in DIP.items()}
    deepest = min(means, key=lambda n: means[n][0] + max(2, 2 * means[n][1]))  # the strongest evidence of a dip
    mean, se = means[deepest]
    plus, plus_se = oracle(0.60)
    assert deepest == 4 and (claim.value, claim.se) == (pytest.approx(mean), pytest.approx(se))
    assert claim.holds and claim.networks == 4 * 3 + 3, claim.text
    layers = "; ".join(f"n={n} {m:+.1f} ± {s:.1f}" for n, (m, s) in means.items())
    # each seed's BnB+ and BnB are up by the same step: the paired difference is the same on every seed, its
    # standard error over the seeds 0 (as if independent, hypot(se, plus_se))
    assert claim.text.startswith(f"At the middle layers n=3..6, BnB relative to its own base: {layers} points, "
                                 f"judged at n=4 (3 networks); there BnB+ (fine-tuned) score +{plus:.1f} ± "
                                 f"{plus_se:.1f} points relative to their base, {plus - mean:.1f} ± "
                                 f"0.0 points above the BnB against the same bases (3 + 3 "
                                 f"networks): features co-adapted on successive layers, split, lose accuracy (fragile "
                                 f"co-adaptation), and fine-tuning recovers it{TOP_UNMEASURED}."), claim.text
    claims = [f.claim for f in findings.findings(grid(tuned={4: 0.60}))]
    assert claims[:4] == ["general", "specific", "co-adaptation", "fine-tuning"]  # the paper's §4.1 order


def test_without_bnb_plus_the_dip_holds_and_the_recovery_is_said_unmeasured():
    claim = found(grid())
    assert claim.holds and claim.text.endswith(
        "lose accuracy (fragile co-adaptation); the recovery was not measured: no BnB+ at n=4 against these bases "
        "(experiment --fine-tuned, the default, trains BnB+ beside BnB)" + TOP_UNMEASURED + "." + THREE_SPLIT_SEEDS), \
        claim.text
    elsewhere = found(grid(tuned={5: 0.60}))  # BnB+ at another n than the deepest dip's: not its recovery
    assert elsewhere.holds and "the recovery was not measured: no BnB+ at n=4" in elsewhere.text


def test_bnb_plus_still_below_the_base_and_the_bnb_is_no_recovery():
    claim = found(grid(tuned={4: 0.55}))
    assert not claim.holds and claim.text.endswith(
        "a dip, but fine-tuning did not recover the base's accuracy here: BnB+ stay below it" + TOP_UNMEASURED + "."
        + THREE_SPLIT_SEEDS), \
        claim.text


def test_middle_layers_as_good_as_the_base_do_not_hold():
    flat = {3: 0.595, 4: 0.60, 5: 0.605, 6: 0.60}
    claim = found(grid(flat))
    mean, se = oracle(0.595)
    assert (claim.value, claim.se) == (pytest.approx(mean), pytest.approx(se)) and 2 * se <= 2
    assert not claim.holds and claim.text.endswith(
        "every middle layer measured is within 2 points of its base or above it: no fragile co-adaptation here."
        + THREE_SPLIT_SEEDS), \
        claim.text


def test_a_dip_within_the_noise_is_not_resolved():
    noisy = {4: 0.58}
    claim = found(grid(noisy, step=0.02))  # -2, 0, +2 points: mean 0 ± 1.15, neither a dip nor within 2 points
    mean, se = oracle(0.58, step=0.02)
    assert claim.value == pytest.approx(mean) and not mean + 2 * se < 0 and 2 * se > 2
    assert not claim.holds and claim.text.endswith(
        "not resolved by these runs: train more networks per point: more random splits (experiment --split-seed, "
        "once per split)." + THREE_SPLIT_SEEDS_ADVISED), claim.text


def test_one_draw_gives_no_standard_error():
    results = grid(seeds=1)
    results += [network("random0/baseA", "base", "random", 0, 0.70, target="A"),
                network("random0/A4A", "selffer", "random", 0, 0.66, target="A", source="A", n=4)]
    claim = found(results)
    assert claim.networks == 1 + 4 and np.isnan(claim.se) and not claim.holds
    deepest = np.mean([100 * (0.55 - BASE), 100 * (0.66 - 0.70)])
    assert f"n=4 {deepest:+.1f}; n=5" in claim.text and "judged at n=4 (2 networks of 1 split seed)" in claim.text
    assert claim.text.endswith("not resolved: one split seed gives no standard error (its AnA and BnB share its split "
                               "and bases): train more networks per point: more random splits (experiment "
                               "--split-seed, once per split)."), claim.text


def test_two_draws_say_their_standard_error_is_itself_uncertain():
    claim = found(grid(seeds=2, tuned={4: 0.60}))
    assert claim.holds and "Careful: 2 split seeds give its ± 1 degree of freedom" in claim.text, claim.text


def test_no_selffer_at_a_middle_layer_is_not_measured_nor_listed():
    results = grid({1: 0.60, 2: 0.59, 7: 0.55})  # n=7, the top copyable layer, is no middle one
    claim = findings_coadaptation.coadaptation(results)
    assert not claim.holds and claim.networks == 0
    assert claim.text == ("fragile co-adaptation: not measured (no random-split BnB at a middle layer, n=3..6, with "
                          "their bases)")
    assert "co-adaptation" not in {f.claim for f in findings.findings(results)}  # as random-weights-dissimilar


def test_a_cross_dataset_grid_names_its_selffers_tnt():
    claim = found(grid(tuned={4: 0.60}, split="cross"), "co-adaptation-across-datasets")
    mean, se = oracle(0.55)
    assert claim.holds and (claim.value, claim.se) == (pytest.approx(mean), pytest.approx(se))
    assert claim.text.startswith("At the middle layers n=3..6 across datasets, TnT relative to its own base: "), \
        claim.text
    assert "there TnT+ (fine-tuned) score" in claim.text and "above the TnT against the same bases" in claim.text
    assert "co-adaptation" not in {f.claim for f in findings.findings(grid(split="cross"))}  # no random split here


def test_selffers_measured_against_bases_at_chance_are_not_judged(tmp_path):
    """As every claim's (tests/test_findings_caveats.py): bases at 30% where guessing scores 25% on 200 validation
    images (a band of 9.2 points) learned nothing, so a dip from them tells nothing of co-adapted features."""
    path = tmp_path / "synthetic-8-val50"
    synthetic.build_synthetic(path, classes=8, train_per_class=1, val_per_class=50, size=14, seed=1)
    dataset = open_dataset(str(path))
    results = [dataclasses.replace(r, mean10_top1=r.mean10_top1 - 0.30, dataset=str(dataset.path),
                                   fingerprint=dataset.fingerprint) for r in grid(tuned={4: 0.60})]
    claim = found(results)
    assert not claim.holds and claim.measured.startswith("At the middle layers n=3..6, BnB relative to its own base")
    assert claim.text.startswith(f"{claim.measured}: not judged: these networks copy their layers from, or are "
                                 f"measured against, bases no better than chance (random0/baseB (30.0%, chance "
                                 f"25.0%"), claim.text


def test_its_figures_are_printed_to_the_decimals_that_show_the_verdicts_side():
    """-2.04 ± 1.01 points is a dip of 2 points or more resolved below the base (2.04 > 2 × 1.01); "-2.0 ± 1.0" would
    read as not resolved. (A dip of -1.04 ± 0.46, within 2 points by two standard errors, is none:
    tests/test_findings_coadaptation_rule.py.)"""
    step = 0.0101 * np.sqrt(3)  # three seeds a step apart: a standard error of 1.01 points
    claim = found(grid({4: BASE - 0.0204 - step}, step=step))
    mean, se = oracle(BASE - 0.0204 - step, step=step)
    assert (round(mean, 6), round(se, 6)) == (-2.04, 1.01) and -mean >= 2 and -mean > 2 * se and claim.holds
    assert "relative to its own base: n=4 -2.04 ± 1.01 points, judged at n=4" in claim.text, claim.text


def test_the_papers_own_runs_show_its_dip_at_4_and_5_and_the_recovery():
    """§4.1, points 2-3, on the paper's runs (report --reference paper): BnB's dip is deepest at n=4 and 5, and BnB+
    recover the base's accuracy; the oracle, each n's mean of BnB less its own base, from the rows themselves."""
    from minitransfer.paper_runs import read_reference, reference_path
    path = reference_path("paper")
    if not path.is_file():
        pytest.skip(f"the paper's runs are not at {path}")
    runs = read_reference(path)
    bases = {(r.run.split, r.run.split_seed, r.run.target): r.mean10_top1 for r in runs if r.run.kind == "base"}
    dips = {n: 100 * np.mean([r.mean10_top1 - bases[(r.run.split, r.run.split_seed, r.run.target)] for r in runs
                              if r.run.split == "random" and r.run.treatment == "BnB" and r.run.n == n])
            for n in range(3, 7)}
    claim = found(runs)
    assert sorted(dips, key=dips.get)[:2] == [5, 4] and claim.value == pytest.approx(dips[5])
    assert claim.holds and "judged at n=5" in claim.text and "fine-tuning recovers it" in claim.text, claim.text
