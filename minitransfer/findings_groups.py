"""The groups of networks a finding (:mod:`minitransfer.findings`) compares, measured in percentage points of
top-1 accuracy relative to each network's own base: a group's mean with its standard error over its draws
(:func:`over_bases`, :func:`tuned`; :func:`minitransfer.comparisons.clustered_se`), and the difference of two
groups' means (:func:`difference_between`).

The independent unit is the draw (:func:`by_draw`): a split seed (a replicate, where nothing is drawn but the
training) draws the split and trains both its bases. Its AnB is measured against its baseB and copied baseA's
layers, its BnA the other way round: both share that split and both bases, so they are one observation, not two
(the paper too averages the two directions). A base's networks (copies trained by hand) share its luck likewise."""

import dataclasses
import math

from minitransfer.comparisons import built_bases, clustered_se, measured_by_n
from minitransfer.results import mean, relative_by_base

POINTS = 100      # accuracies are fractions; findings speak in percentage points


@dataclasses.dataclass(frozen=True)
class Difference:
    """A mean (of a group, or a difference of two) with its standard error, in points (NaN: none)."""
    mean: float
    se: float


@dataclasses.dataclass(frozen=True)
class OverBases:
    """One treatment's ``count`` networks at one n relative to their own ``bases``, of ``draws`` split seeds (or
    replicates) on ``split``, in points: their mean, its standard error over the draws (:func:`by_draw`)."""
    mean: float
    se: float
    count: int
    bases: int
    draws: int = 0
    split: str = "random"


def over_bases(results, split, treatment, n, bases):
    """The :class:`OverBases` of ``treatment``'s networks of ``split`` at ``n``."""
    bases = built_bases(results, bases)  # of every run: those at n hold no base
    return tuned(relative_by_base([r for r in results if r.run.n == n], split, treatment, bases), split)


def networks_of(results, split, treatment, bases, ns=None):
    """The networks of ``treatment`` on ``split`` measured against their own bases, at every n (at the n in ``ns``
    only, where given): those a finding of their group used (:class:`minitransfer.findings.Finding`'s ``used``)."""
    return tuple(r for n, networks in measured_by_n(results, split, treatment, bases=bases).items()
                 for r in networks if ns is None or n in ns)


def tuned(groups, split="random"):
    """The :class:`OverBases` of every network of ``groups`` ({(split seed, target, folder): [relative accuracy]},
    :func:`minitransfer.comparisons.relative_by_base`) of ``split``: their mean in points, with the standard error
    over the draws (:func:`by_draw`; :func:`minitransfer.comparisons.clustered_se`)."""
    values = [value for group in groups.values() for value in group]
    draws = by_draw(groups, split)
    return OverBases(POINTS * mean(values), POINTS * clustered_se(list(draws.values())), len(values), len(groups),
                     len(draws), split)


def by_draw(groups, split, weights=None):
    """``groups`` ({(split seed, target, folder): [values]}) of ``split`` merged by draw: a seed's networks of
    both target halves (AnB against baseB, BnA against baseA) share its split and both its bases, so its values
    are one cluster of :func:`minitransfer.comparisons.clustered_se`. A random split's draw is its split seed,
    whatever folders hold its runs (the seed alone makes the split: two grids of one seed share it, bases trained
    by hand into baseA/ and baseB/ are one seed's pair); another's, its replicate in its folder (the natural split
    trained by hand in two folders is two replicates, each recorded as 0). With ``weights`` ({key: [weights]}
    as ``groups``), (values, weights) merged alike."""
    draws = {}
    for key, values in groups.items():
        seed, _, folder = key
        merged = draws.setdefault((seed,) if split == "random" else (seed, folder), ([], []))
        merged[0].extend(values)
        merged[1].extend(weights[key] if weights else ())
    return {key: pair if weights else pair[0] for key, pair in draws.items()}


def difference_between(a, b):
    """The :class:`Difference` of the means of ``a`` and ``b`` (each a mean with its standard error: a
    :class:`minitransfer.comparisons.Spread`, an :class:`OverBases`), its standard error
    sqrt(se_a² + se_b²): NaN when either is."""
    return Difference(a.mean - b.mean, math.sqrt(a.se ** 2 + b.se ** 2))
