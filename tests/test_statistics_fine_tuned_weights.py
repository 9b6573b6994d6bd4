"""The standard error of AnB+ against BnB+ is the standard error of the mean the finding reports (the mean of each
n's mean difference, as Table 1's column), also where the bases share unequal n. Before, it was the cluster-robust
standard error of the mean over every (base, n) difference, a mean that weighs a base trained at more n more: a
number that belonged to another estimate than the one beside it, and judged it. Hand-built networks; the oracle is a
NumPy sandwich estimator of the linear estimate, written apart from the code."""

import numpy as np
import pytest

from minitransfer import comparisons, findings
from minitransfer.experiment import Run
from minitransfer.results import Result

BASE = 0.60
TUNED = 0.62


def network(name, kind, seed, accuracy, source, n):
    return Result(Run(name, kind, "random", seed, target="B", source=source, n=n, fine_tuned=True),
                  accuracy, accuracy, accuracy, 20)


def grid(differences):
    """{seed: {n: AnB+ − BnB+ in points}}: per split seed a baseB at 0.60, BnB+ at 0.62 and AnB+ that many points
    above them at each n given."""
    results = []
    for seed, by_n in differences.items():
        results.append(Result(Run(f"random{seed}/baseB", "base", "random", seed, target="B"), BASE, BASE, BASE, 20))
        for n, points in by_n.items():
            results += [network(f"random{seed}/A{n}B+", "transfer", seed, TUNED + points / 100, "A", n),
                        network(f"random{seed}/B{n}B+", "selffer", seed, TUNED, "B", n)]
    return results


def oracle(differences):
    """(mean of the n's means, its cluster-robust standard error over the seeds), in points."""
    seeds = sorted(differences)
    cells = [(seed, n, value) for seed in seeds for n, value in differences[seed].items()]
    layers = sorted({n for _, n, _ in cells})
    bases_at = {n: sum(1 for _, m, _ in cells if m == n) for n in layers}
    x = np.array([value for *_, value in cells])
    c = np.array([1 / (len(layers) * bases_at[n]) for _, n, _ in cells])  # the estimate is c·x
    theta = c @ x
    member = np.array([[seed == s for s, _, _ in cells] for seed in seeds], dtype=float)  # G × cells
    scores = member @ (c * (x - theta))
    g = len(seeds)
    return theta, np.sqrt(g / (g - 1) * (scores ** 2).sum())


UNEQUAL = {0: {7: 9.0}, 1: {1: 1.0, 2: 0.5, 3: 1.5, 4: 1.0, 5: 0.0, 6: 2.0, 7: 1.0},
           2: {1: 0.5, 2: 1.0, 3: 1.0, 4: 1.5, 5: 1.0, 6: 0.5, 7: 0.0}, 3: {1: 1.5, 2: 1.0, 7: 2.0}}


def test_the_standard_error_is_of_the_mean_reported_where_bases_share_unequal_n():
    found = findings.fine_tuning(grid(UNEQUAL))
    theta, se = oracle(UNEQUAL)
    assert found.value == pytest.approx(theta)
    assert found.se == pytest.approx(se)
    assert f"{abs(theta):.1f} ± {se:.1f} points above BnB+" in found.text


def test_with_every_base_at_every_n_it_is_the_plain_cluster_robust_one():
    even = {seed: {n: 0.5 * seed + 0.25 * n for n in (1, 4, 7)} for seed in range(3)}
    found = findings.fine_tuning(grid(even))
    theta, se = oracle(even)
    plain = comparisons.clustered_se([[value / 100 for value in by_n.values()] for by_n in even.values()])
    assert (found.value, found.se) == (pytest.approx(theta), pytest.approx(se))
    assert found.se == pytest.approx(100 * plain)


def test_one_base_still_gives_no_standard_error():
    found = findings.fine_tuning(grid({0: {1: 3.0, 4: 2.0, 7: 1.0}}))
    assert np.isnan(found.se) and not found.holds and " ± " not in found.measured.split("relative to its own base")[1]
