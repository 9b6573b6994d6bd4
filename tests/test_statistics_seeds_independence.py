"""A split seed is one draw: it draws the split and trains both its bases. Its AnB (against baseB, with baseA's
layers) and its BnA (against baseA, with baseB's layers) share that split and both bases, so the findings take
their standard errors over the seeds (over the replicates on the natural split), not over the two directions as if
they were independent. Before, one seed's A1B and B1A gave "± 0.1 points (2 networks): within 2 points: the
features of layer 1 are general", a verdict and an uncertainty from one split draw. Hand-built networks; the oracle
is NumPy's, written apart from the code.

And what a statistician reads in the other figures of findings.md: a chance band narrower than a tenth of a point
said with its decimals, not as "counted as chance up to 0.0 points above it"."""

import re

import numpy as np
import pytest

from minitransfer import findings, run_caveats
from minitransfer.experiment import Run
from minitransfer.results import Result


def network(name, kind, split, seed, accuracy, target="B", source=None, n=0, tuned=False):
    return Result(Run(name, kind, split, seed, target=target, source=source, n=n, fine_tuned=tuned),
                  accuracy, accuracy, accuracy, 20)


def over_draws(draws):
    """The CR1 standard error of the mean of every value, the values of a draw one cluster (a regression on a
    constant, clustered by draw)."""
    values = np.concatenate([np.asarray(draw, dtype=float) for draw in draws])
    sums = np.array([np.sum(np.asarray(draw, dtype=float) - values.mean()) for draw in draws])
    g = len(draws)
    return np.sqrt(g / (g - 1) * np.sum(sums ** 2)) / values.size


# {split seed: (baseA, baseB, A1B, B1A)}: each seed's two directions close to each other, the seeds apart
BOTH_WAYS = {0: (0.60, 0.62, 0.605, 0.594), 1: (0.58, 0.57, 0.556, 0.566), 2: (0.61, 0.63, 0.632, 0.611)}


def both_ways(layout=BOTH_WAYS, n=1, split="random", folder="random{seed}"):
    results = []
    for seed, (base_a, base_b, anb, bna) in layout.items():
        where = folder.format(seed=seed)
        results += [network(f"{where}/baseA", "base", split, seed, base_a, target="A"),
                    network(f"{where}/baseB", "base", split, seed, base_b, target="B"),
                    network(f"{where}/A{n}B", "transfer", split, seed, anb, target="B", source="A", n=n),
                    network(f"{where}/B{n}A", "transfer", split, seed, bna, target="A", source="B", n=n)]
    return results


def relative_by_seed(layout):
    return [[100 * (anb - base_b), 100 * (bna - base_a)] for base_a, base_b, anb, bna in layout.values()]


def test_the_general_claim_takes_its_standard_error_over_split_seeds():
    found = findings.general(both_ways())
    draws = relative_by_seed(BOTH_WAYS)
    assert found.value == pytest.approx(np.mean(draws))
    assert found.se == pytest.approx(over_draws(draws))
    assert found.networks == 6
    assert "(6 networks of 3 split seeds; ± over the seeds: a seed's AnB and BnA share its split and bases)" \
        in found.text


def test_one_split_seed_both_ways_gives_no_standard_error_nor_verdict():
    found = findings.general(both_ways({0: BOTH_WAYS[0]}))
    assert np.isnan(found.se) and not found.holds
    assert "(2 networks of 1 split seed; ± over the seeds" not in found.text  # no ± printed at all
    assert "±" not in found.measured
    assert ("not resolved: one split seed gives no standard error (its AnB and BnA share its split and bases): "
            "train more networks per point: more random splits") in found.text


def top_layers(seeds=3):
    """Both directions of transfers and of selffers at n=7 of ``seeds`` split seeds."""
    results = []
    for seed in range(seeds):
        base_a, base_b = 0.60 + 0.01 * seed, 0.62 - 0.015 * seed
        results += [network(f"random{seed}/baseA", "base", "random", seed, base_a, target="A"),
                    network(f"random{seed}/baseB", "base", "random", seed, base_b, target="B"),
                    network(f"random{seed}/A7B", "transfer", "random", seed, base_b - 0.10 - 0.02 * seed,
                            target="B", source="A", n=7),
                    network(f"random{seed}/B7A", "transfer", "random", seed, base_a - 0.12 - 0.015 * seed,
                            target="A", source="B", n=7),
                    network(f"random{seed}/B7B", "selffer", "random", seed, base_b - 0.01 * seed, target="B",
                            source="B", n=7),
                    network(f"random{seed}/A7A", "selffer", "random", seed, base_a + 0.004 * seed, target="A",
                            source="A", n=7)]
    return results


def test_the_specific_claim_takes_each_groups_standard_error_over_split_seeds():
    results = top_layers()
    by_name = {r.run.name: r.mean10_top1 for r in results}
    transfers, selffers = ([[100 * (by_name[f"random{s}/{x}"] - by_name[f"random{s}/base{x[-1]}"]) for x in pair]
                            for s in range(3)] for pair in (("A7B", "B7A"), ("B7B", "A7A")))
    found = findings.specific(results)
    assert found.value == pytest.approx(np.mean(transfers) - np.mean(selffers))
    # paired: a seed's transfers and selffers share its split and bases, so the standard error is that of the seeds'
    # differences (two of each a seed: the difference of their means), not np.hypot of each group's
    differences = np.mean(transfers, axis=1) - np.mean(selffers, axis=1)
    assert found.se == pytest.approx(differences.std(ddof=1) / np.sqrt(3))
    assert found.se != pytest.approx(np.hypot(over_draws(transfers), over_draws(selffers)))
    assert "6 + 6 networks of 3 + 3 split seeds; ± over them" in found.text


def test_the_dissimilar_claim_takes_the_natural_splits_standard_error_over_replicates():
    natural = {0: (0.70, 0.50, 0.20, 0.35), 1: (0.72, 0.52, 0.24, 0.38), 2: (0.69, 0.49, 0.18, 0.36)}
    random = {0: (0.60, 0.62, 0.50, 0.49), 1: (0.58, 0.57, 0.49, 0.46), 2: (0.61, 0.63, 0.50, 0.52)}
    results = (both_ways(natural, 7, "natural", "natural{seed}") + both_ways(random, 7))
    found = findings.dissimilar(results)
    groups = [relative_by_seed(side) for side in (natural, random)]
    assert found.value == pytest.approx(np.mean(groups[0]) - np.mean(groups[1]))
    assert found.se == pytest.approx(np.hypot(over_draws(groups[0]), over_draws(groups[1])))
    assert "6 + 6 networks of 3 replicates + 3 split seeds; ± over them" in found.text


def test_the_dissimilar_claim_of_one_natural_replicate_is_not_resolved():
    natural = {0: (0.70, 0.50, 0.20, 0.35)}
    random = {0: (0.60, 0.62, 0.50, 0.49), 1: (0.58, 0.57, 0.49, 0.46), 2: (0.61, 0.63, 0.50, 0.52)}
    found = findings.dissimilar(both_ways(natural, 7, "natural", "natural{seed}") + both_ways(random, 7))
    assert np.isnan(found.se) and not found.holds
    assert ("not resolved: one replicate gives no standard error (its AnB and BnA share its bases): train more "
            "networks per point: more replicates of the natural split") in found.text


def test_fine_tuned_against_selffers_both_ways_takes_its_standard_error_over_split_seeds():
    results, differences = [], []
    for seed in range(3):
        base_a, base_b = 0.60 + 0.01 * seed, 0.62 - 0.01 * seed
        tuned = {"A4B+": base_b + 0.02 + 0.01 * seed, "B4A+": base_a + 0.015 + 0.012 * seed,
                 "B4B+": base_b + 0.004 * seed, "A4A+": base_a - 0.003 * seed}
        results += [network(f"random{seed}/baseA", "base", "random", seed, base_a, target="A"),
                    network(f"random{seed}/baseB", "base", "random", seed, base_b, target="B")]
        for label, accuracy in tuned.items():
            kind = "selffer" if label[0] == label[2] else "transfer"
            results.append(network(f"random{seed}/{label}", kind, "random", seed, accuracy, target=label[2],
                                   source=label[0], n=4, tuned=True))
        differences.append([100 * (tuned["A4B+"] - tuned["B4B+"]), 100 * (tuned["B4A+"] - tuned["A4A+"])])
    found = findings.fine_tuning(results)
    assert found.value == pytest.approx(np.mean(differences))
    assert found.se == pytest.approx(over_draws(differences))


# ---- the chance band of a large validation set: never said as "0.0 points" ----------------------------------------

NAMED = re.compile(r"(\S+) \((\d+\.\d+)%, chance (\d+\.\d+)%, counted as chance up to (\d+\.\d+) points above "
                   r"it on ([\d,]+) validation images\)")


@pytest.mark.parametrize("classes, images", [(1000, 50_000), (10, 10_000_000), (2, 10**12)],
                         ids=["imagenet-1000-classes", "10-classes-1e7-images", "2-classes-1e12-images"])
def test_a_band_narrower_than_a_tenth_of_a_point_is_said_with_its_decimals(classes, images):
    """ImageNet's 1,000 classes on its 50,000 validation images: chance 0.1%, a band of 0.042 points. It was said
    "chance 0.1%, counted as chance up to 0.0 points above it", as if a base at chance had to score exactly chance."""
    chance = 1 / classes
    band = 300 * np.sqrt(chance * (1 - chance) / images)  # points: three binomial standard errors
    accuracy = chance + band / 100 * 0.999
    runs = [Result(Run("r0/baseB", "base", "random", 0, target="B"), accuracy, accuracy, accuracy, 20,
                   dataset="/data/d", scored_on=(images, classes, images // classes))]
    said = " ".join(run_caveats.at_chance(runs))
    name, printed_accuracy, printed_chance, points, printed_images = NAMED.search(said).groups()
    assert (name, int(printed_images.replace(",", ""))) == ("r0/baseB", images)
    places = len(points.split(".")[1])
    assert float(points) > 0 and 0 < band < 0.1
    assert abs(float(printed_chance) + float(points) - (100 * chance + band)) <= 10.0 ** -places + 1e-12
    assert float(printed_accuracy) <= float(printed_chance) + float(points) + 1e-12  # never above the threshold
    assert len(printed_accuracy.split(".")[1]) == len(printed_chance.split(".")[1]) == places


# ---- a standard error of two draws: said to be one ------------------------------------------------------------------

def test_a_standard_error_of_two_split_seeds_says_it_is_one():
    """Two split seeds give a standard error of 1 degree of freedom: Student's t asks 12.7 of it for a 95%
    interval, the verdicts two. The finding says so beside its ±; with three seeds, t of 2 degrees of freedom, 4.3
    (tests/test_findings_few_draws.py checks t up to eight seeds, which say nothing)."""
    t_one_degree = np.tan(np.pi * (0.975 - 0.5))  # Student's t of 1 degree of freedom is Cauchy: its quantile
    two = findings.general(both_ways({seed: BOTH_WAYS[seed] for seed in (0, 1)}))
    draws = relative_by_seed({seed: BOTH_WAYS[seed] for seed in (0, 1)})
    assert two.se == pytest.approx(over_draws(draws))
    assert (f"Careful: 2 split seeds give its ± 1 degree of freedom, so a 95% interval is ± {t_one_degree:.1f} "
            f"standard errors, not the verdict's two") in two.text
    assert "2 degrees of freedom, so a 95% interval is ± 4.3 standard errors" in findings.general(both_ways()).text


def test_a_seeds_bases_trained_by_hand_into_folders_of_their_own_are_one_draw():
    """baseA and baseB trained by hand into folders of their own, the transfers beside neither: each transfer is
    measured against its target's base in the one folder that holds one, and a seed is still one draw."""
    results = []
    for seed, (base_a, base_b, anb, bna) in BOTH_WAYS.items():
        results += [network(f"hand{seed}a/baseA", "base", "random", seed, base_a, target="A"),
                    network(f"hand{seed}b/baseB", "base", "random", seed, base_b, target="B"),
                    network(f"copies{seed}/A1B", "transfer", "random", seed, anb, target="B", source="A", n=1),
                    network(f"copies{seed}/B1A", "transfer", "random", seed, bna, target="A", source="B", n=1)]
    found = findings.general(results)
    draws = relative_by_seed(BOTH_WAYS)
    assert found.value == pytest.approx(np.mean(draws))
    assert found.se == pytest.approx(over_draws(draws))
    assert "(6 networks of 3 split seeds;" in found.text
