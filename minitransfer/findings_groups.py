"""The groups of networks a finding (:mod:`minitransfer.findings`) compares, measured in percentage points of
top-1 accuracy relative to each network's own base: a group's mean with its standard error over its draws
(:func:`over_bases`, :func:`tuned`; :func:`minitransfer.comparisons.clustered_se`), and the difference of two
groups' means (:func:`difference_between`), paired where the groups share their draws (:func:`common_draws`).

The independent unit is the draw (:func:`by_draw`): a split seed (a replicate, where nothing is drawn but the
training) draws the split and trains both its bases. Its AnB is measured against its baseB and copied baseA's
layers, its BnA the other way round: both share that split and both bases, so they are one observation, not two
(the paper too averages the two directions). A base's networks (copies trained by hand) share its luck likewise.

Two groups are paired where they are of one split and share draws: both treatments trained on the same split seeds
(of a random split, whatever folders hold them) or in the same replicate folders (another split), as the specific
claim's AnB and BnB at one n and the co-adaptation claim's BnB+ and BnB at one n against the same bases are. A
seed's two groups share its split, and, where of one target half, its base (both are measured relative to it), and
its networks share its luck: their per-draw means covary, so the standard error of their difference is the one over
the draws of each draw's difference (:func:`difference_between`), with the draws less one degrees of freedom
(:func:`minitransfer.findings_caveats.few_draws`), not sqrt(se_a² + se_b²), which is too wide where the groups covary
positively (a shared base's luck) and too narrow where negatively. Draws only one group has are left out of both
(:func:`common_draws`: like with like, as Table 1's BnB+ column pairs AnB+ with its own selffers): a grid partly
trained, AnB finished on seeds 0-2 and BnB on 0-1, compares seeds 0-1. Groups that share no draw are not paired:
groups of two splits (the natural split's replicates and a random split's seeds, random frozen layers' replicates:
each split draws its own bases), or of one split trained on other seeds; their difference keeps the independent
sqrt(se_a² + se_b²), with Welch-Satterthwaite's degrees of freedom
(:func:`minitransfer.findings_caveats.welch_degrees`)."""

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
    # the {(split seed, target, folder): [relative accuracy]} it is of (:func:`tuned`): its draws, for pairing
    groups: dict = dataclasses.field(default=None, compare=False, repr=False)

    def draw_keys(self):
        """Its draws (:meth:`draw`'s of its groups): () where its groups are not known."""
        return {self.draw(key) for key in self.groups} if self.groups else set()

    def relative_accuracies(self):
        """Its networks' accuracies relative to their bases (fractions), every group's: [] where not known."""
        return [value for values in (self.groups or {}).values() for value in values]

    def draw(self, key):
        """The draw of its base ``key`` (:func:`draw_of`), with its split."""
        return (self.split, *draw_of(key, self.split))


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
                     len(draws), split, groups)


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
        merged = draws.setdefault(draw_of(key, split), ([], []))
        merged[0].extend(values)
        merged[1].extend(weights[key] if weights else ())
    return {key: pair if weights else pair[0] for key, pair in draws.items()}


def draw_of(key, split):
    """The draw (:func:`by_draw`) of the base ``key`` (split seed, target, folder) of ``split``: its split seed for a
    random split, else its replicate and folder."""
    seed, _, folder = key
    return (seed,) if split == "random" else (seed, folder)


def shares_draws(a, b):
    """Whether groups ``a`` and ``b`` (:class:`OverBases`) are paired: of one split, sharing some draw."""
    return bool(a.draw_keys() & b.draw_keys())


def common_draws(a, b):
    """``a`` and ``b`` (:class:`OverBases`), each of only the draws both have where they share some but not all
    (their networks of other draws left out: like with like); as they are where they share none or all."""
    keys_a, keys_b = a.draw_keys(), b.draw_keys()
    common = keys_a & keys_b
    if not common or keys_a == keys_b:
        return a, b
    return tuple(tuned({key: values for key, values in group.groups.items() if group.draw(key) in common},
                       group.split) for group in (a, b))


def difference_between(a, b):
    """The :class:`Difference` of the means of ``a`` and ``b`` (each a mean with its standard error: a
    :class:`minitransfer.comparisons.Spread`, an :class:`OverBases`). Paired where they share draws
    (:func:`shares_draws`): the cluster-robust standard error over their draws of the difference of the two means,
    each draw one cluster of both groups' networks, sqrt(G/(G−1) · Σ_g (Σ_{i∈g} (a_i − m_a)/N_a − Σ_{j∈g}
    (b_j − m_b)/N_b)²) over the G draws (:func:`minitransfer.comparisons.clustered_se`, each group's values centred
    on its mean and weighted 1/N_a and 1/N_b, the second negated): with one network of each per draw, or equal
    numbers, the standard error of the draws' differences, sd/√G. Else sqrt(se_a² + se_b²), the groups independent.
    NaN when either standard error is, or the draws are one."""
    if not (isinstance(a, OverBases) and isinstance(b, OverBases) and shares_draws(a, b)):
        return Difference(a.mean - b.mean, math.sqrt(a.se ** 2 + b.se ** 2))
    if math.isnan(a.se) or math.isnan(b.se):
        return Difference(a.mean - b.mean, math.nan)
    clusters = {}
    for group, sign in ((a, 1), (b, -1)):
        values = group.relative_accuracies()
        centre, count = mean(values), len(values)
        for key, draw in by_draw(group.groups, group.split).items():
            cluster = clusters.setdefault(key, ([], []))
            cluster[0].extend(sign * (value - centre) for value in draw)
            cluster[1].extend([1 / count] * len(draw))
    se = clustered_se([values for values, _ in clusters.values()], [weights for _, weights in clusters.values()])
    return Difference(a.mean - b.mean, POINTS * se)
