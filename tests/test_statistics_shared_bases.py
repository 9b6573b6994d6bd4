"""Networks measured against one base share its luck: the general claim and the differences of two splits'
transfers (dissimilar tasks, random weights) take their standard errors over the bases, as the fine-tuning claim
does, not over the networks. Before, five copies of A1B trained by hand with other seeds against one baseB gave
"-1.3 ± 0.1 points (5 networks): within 2 points", an uncertainty that shrank with every copy of the same base and
left that base's own luck out. With a base each (a grid), nothing changes. Hand-built networks; the oracle is
NumPy's, written apart from the code."""

import numpy as np
import pytest

from minitransfer import findings
from minitransfer.experiment import Run
from minitransfer.results import Result


def network(name, kind, split, seed, accuracy, target="B", source=None, n=0):
    return Result(Run(name, kind, split, seed, target=target, source=source, n=n), accuracy, accuracy, accuracy, 20)


def cluster_se(groups):
    """The cluster-robust (CR1) standard error of the mean of every value, as a regression on a constant."""
    everything = np.concatenate([np.asarray(group, dtype=float) for group in groups])
    residual_sums = np.array([np.sum(np.asarray(group) - everything.mean()) for group in groups])
    g = len(groups)
    return np.sqrt(g / (g - 1) * residual_sums @ residual_sums) / everything.size


# {split seed: (its baseB, [its A1B copies])}: seed 0 trained by hand four times against one base
SHARED = {0: (0.60, [0.585, 0.586, 0.587, 0.588]), 1: (0.62, [0.615]), 2: (0.58, [0.590])}


def shared_grid(layout=SHARED):
    results = []
    for seed, (base, copies) in layout.items():
        results.append(network(f"random{seed}/baseB", "base", "random", seed, base))
        results += [network(f"random{seed}/A1B-{k}", "transfer", "random", seed, accuracy, source="A", n=1)
                    for k, accuracy in enumerate(copies)]
    return results


def test_the_general_claim_takes_its_standard_error_over_the_bases():
    found = findings.general(shared_grid())
    groups = [[100 * (accuracy - base) for accuracy in copies] for base, copies in SHARED.values()]
    assert found.value == pytest.approx(np.mean(np.concatenate(groups)))
    assert found.se == pytest.approx(cluster_se(groups))
    assert found.networks == 6
    assert "(6 networks against 3 bases)" in found.text


def test_copies_of_one_base_give_no_standard_error():
    found = findings.general(shared_grid({0: SHARED[0]}))
    assert np.isnan(found.se) and not found.holds
    assert "score -1.35 points" not in found.text and "score -1.4 points" in found.text
    assert "(4 networks against 1 base): not resolved: one base gives no standard error" in found.text


def test_with_a_base_each_it_is_the_standard_error_over_the_networks():
    layout = {seed: (0.60 + 0.01 * seed, [0.595 + 0.012 * seed]) for seed in range(4)}
    found = findings.general(shared_grid(layout))
    values = [100 * (copies[0] - base) for base, copies in layout.values()]
    assert found.se == pytest.approx(np.std(values, ddof=1) / np.sqrt(len(values)))
    assert "(4 networks)" in found.text


def test_the_random_weights_difference_takes_each_groups_standard_error_over_its_bases():
    results = []
    transfers = {0: (0.60, [0.50, 0.51, 0.49]), 1: (0.62, [0.53]), 2: (0.61, [0.50])}
    frozen = {0: (0.58, [0.20]), 1: (0.57, [0.22]), 2: (0.59, [0.19])}
    for seed, (base, copies) in transfers.items():
        results.append(network(f"random{seed}/baseB", "base", "random", seed, base))
        results += [network(f"random{seed}/A7B-{k}", "transfer", "random", seed, a, source="A", n=7)
                    for k, a in enumerate(copies)]
    for replicate, (base, copies) in frozen.items():
        folder = "all" if replicate == 0 else f"all-{replicate}"
        results.append(network(f"{folder}/base", "base", "all", replicate, base, target=None))
        results += [network(f"{folder}/random7", "random-frozen", "all", replicate, a, target=None, n=7)
                    for a in copies]
    found = findings.random_weights(results)
    groups = [[[100 * (a - base) for a in copies] for base, copies in side.values()] for side in (frozen, transfers)]
    means = [np.mean(np.concatenate(side)) for side in groups]
    assert found.value == pytest.approx(means[0] - means[1])
    assert found.se == pytest.approx(np.hypot(cluster_se(groups[0]), cluster_se(groups[1])))
    assert "3 + 5 networks against 3 + 3 bases" in found.text
