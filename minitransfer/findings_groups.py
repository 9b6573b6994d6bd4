"""The groups of networks a finding (:mod:`minitransfer.findings`) compares, measured in percentage points of
top-1 accuracy relative to each network's own base: a group's mean with its standard error over its bases
(:func:`over_bases`, :func:`tuned`; :func:`minitransfer.comparisons.clustered_se`: a base's networks share its
luck), and the difference of two groups' means (:func:`difference_of`, :func:`difference_between`)."""

import dataclasses
import math

from minitransfer.comparisons import built_bases, clustered_se
from minitransfer.results import Spread, mean, relative_by_base

POINTS = 100      # accuracies are fractions; findings speak in percentage points


@dataclasses.dataclass(frozen=True)
class Difference:
    """A mean (of a group, or a difference of two) with its standard error, in points (NaN: none)."""
    mean: float
    se: float


@dataclasses.dataclass(frozen=True)
class OverBases:
    """One treatment's ``count`` networks at one n relative to their own ``bases``, in points: their mean, its
    standard error over the bases (:func:`minitransfer.comparisons.clustered_se`: a base's networks share its luck)."""
    mean: float
    se: float
    count: int
    bases: int


def over_bases(results, split, treatment, n, bases):
    """The :class:`OverBases` of ``treatment``'s networks of ``split`` at ``n``."""
    bases = built_bases(results, bases)  # of every run: those at n hold no base
    return tuned(relative_by_base([r for r in results if r.run.n == n], split, treatment, bases))


def tuned(groups):
    """The :class:`OverBases` of every network of ``groups`` ({base: [relative accuracy]}): their mean in points,
    with the standard error over the bases (:func:`minitransfer.comparisons.clustered_se`)."""
    values = [value for group in groups.values() for value in group]
    return OverBases(POINTS * mean(values), POINTS * clustered_se(list(groups.values())), len(values), len(groups))


def difference_of(first, second):
    """(difference of the means with its standard error, spread of first, spread of second), in points.
    The standard error is NaN unless both groups have one
    (:data:`minitransfer.findings_caveats.MIN_NETWORKS` networks each)."""
    a, b = _points(Spread.of(first)), _points(Spread.of(second))
    return difference_between(a, b), a, b


def difference_between(a, b):
    """The :class:`Difference` of the means of ``a`` and ``b`` (each a mean with its standard error: a
    :class:`minitransfer.comparisons.Spread`, an :class:`OverBases`), its standard error
    sqrt(se_a² + se_b²): NaN when either is."""
    return Difference(a.mean - b.mean, math.sqrt(a.se ** 2 + b.se ** 2))


def _points(spread):
    return Spread(spread.mean * POINTS, spread.std * POINTS, spread.count)
