"""The paper's second main claim, fragile co-adaptation (Yosinski et al. 2014, §4.1, points 2 and 3): the selffers
BnB (across datasets TnT) drop below their own base at the middle layers, n = 3 to 6 of CaffeNet's 7 copyable
ones (most at 4 and 5), as features that co-adapted on successive layers are split, the upper ones trained anew
without the lower ones learning with them; fine-tuned, BnB+ recover the base's accuracy. (Point 4, that AnB's
drop at layers 3 to 5 is mostly this co-adaptation, follows from it beside :func:`minitransfer.findings.specific`.)

The middle layers of a network of any depth are n = 3 up to its top copyable layer less one (the preset's
``copyable``: :mod:`minitransfer.models`; CaffeNet's 7 where the runs record none known): neither the general first
two, nor the top one, where the paper's BnB are back at the base. Measured as the other findings are
(:mod:`minitransfer.findings`): each network relative to its own base, in points, each middle n's BnB with its
standard error over their draws (:func:`minitransfer.findings_groups.over_bases`). A dip is as the specific claim's
difference (:func:`minitransfer.findings.specific`): at least :data:`minitransfer.findings.CLOSE` below the base and
resolved below it (two standard errors), so that a dip within 2 points, which the general claim calls as good as the
base, is none. The claim is judged at the n that gives the strongest evidence of such a dip: the lowest mean +
max(CLOSE, two standard errors) among the n with a standard error (among all, where none has one), the layer whose
mean lies furthest beyond both thresholds, so that the claim holds at it wherever it holds at some middle n; the
sentence says which n it was judged at and gives every middle n's figure. It holds where that n's BnB dip so and,
where BnB+ were trained at that n against the same bases, they are within :data:`minitransfer.findings.CLOSE` of
their base by two standard errors (as the general claim's layer: :func:`minitransfer.findings._equivalent`) or
resolved above the BnB there, and not resolved more than CLOSE below their base (the recovery; their difference's
standard error sqrt(se1² + se2²), as the specific claim's); without BnB+ there it says that the recovery was not
measured. It does not hold where every middle n's BnB is within CLOSE of the base by two standard errors or
resolved above it: no dip (a layer truly 3 points below its base, within 2 by chance alone, is not taken to be
within: docs/report.md, "How often a verdict is wrong"); nor where BnB+ stay resolved more than CLOSE below their
base: no recovery (above the BnB or not: the paper's BnB+ are back at the base, and part of the dip won back is not
that). Else it is not resolved (a dip resolved but short of CLOSE among middle layers not all shown within it, one
of CLOSE or more not resolved, or too few networks). Choosing the n from the data, the one of several that looks
most like a dip, makes two standard errors a weaker test than at an n named beforehand (with four middle layers,
noise alone passes it up to four times as often as at one): every middle n's figure is printed beside the verdict
to weigh it by.
"""

import math

from minitransfer import findings as measured, models
from minitransfer.comparisons import built_bases, relative_by_base, relative_by_n
from minitransfer.findings_caveats import MIN_NETWORKS, Verdict, advising, few_draws, too_few
from minitransfer.findings_figures import (SELFFERS, bases_said, below, decimals, networks_said, one_draw_said,
                                           signed_plus_minus)
from minitransfer.findings_groups import difference_between, networks_of, over_bases, tuned

LOWEST_MIDDLE = 3       # the paper's middle layers start at n = 3 and end one below CaffeNet's top copyable layer, 7


def middle_layers(results):
    """The middle n of the runs' network: 3 up to its top copyable layer less one (the largest ``copyable`` of the
    presets ``results`` record and :func:`minitransfer.models.known_preset` knows, one of one's own noted in the
    environment too; CaffeNet's 7 where none: :func:`minitransfer.models.top_copyable`, as the figures' advice)."""
    return tuple(range(LOWEST_MIDDLE, models.top_copyable(r.preset for r in results)))


def where_measured(results, bases=None, split="random"):
    """A tuple of the :func:`coadaptation` finding of ``split``, or () where the runs have no BnB (TnT) at a middle
    layer: as the random-weights finding against a dissimilar task, a claim that grids planned at the lowest and
    top n alone (the demo's claim splits, experiment --layers 1,7) never measure is listed only where it is measured."""
    finding = coadaptation(results, split, bases)
    return (finding,) if finding.networks else ()


def coadaptation(results, split="random", bases=None):
    """The fragile co-adaptation finding (claim "co-adaptation"; across datasets, of TnT and TnT+,
    "co-adaptation-across-datasets"), a :class:`minitransfer.findings.Finding`."""
    names = measured._NAMES[split]
    claim = "co-adaptation" + names["claim"]
    selffer, middle = names["BnB"], middle_layers(results)
    span = f"n={middle[0]}..{middle[-1]}" if middle else "none"
    layers = {n: values for n, values in relative_by_n(results, split, "BnB", bases=bases).items() if n in middle}
    if not layers:
        return measured.Finding(claim, f"fragile co-adaptation{names['where']}: not measured (no {names['runs']}"
                                       f"{selffer} at a middle layer, {span}, with their bases)")
    bases = built_bases(results, bases)
    spreads = {n: over_bases(results, split, "BnB", n, bases) for n in layers}
    order = sorted(spreads)
    at = _judged_at([(spreads[layer].mean, spreads[layer].se) for layer in order])
    n = order[at]
    dip = spreads[n]
    at_n = [r for r in results if r.run.n == n]
    selffers, tuned_selffers = (relative_by_base(at_n, split, treatment, bases) for treatment in ("BnB", "BnB+"))
    common = selffers.keys() & tuned_selffers.keys()  # BnB+ beside the BnB, against the same bases
    plus, same = (tuned({key: groups[key] for key in common}, split) for groups in (tuned_selffers, selffers))
    difference = difference_between(plus, same)
    figures = [value for layer in sorted(spreads) for value in (spreads[layer].mean, spreads[layer].se)]
    figures += [plus.mean, plus.se, difference.mean, difference.se] if common else [math.nan] * 4
    places = decimals(lambda *shown: _side(at, *shown), *figures)  # the verdict at n, read off the figures shown
    scores = "; ".join(f"n={layer} {signed_plus_minus(spreads[layer].mean, spreads[layer].se, places)}"
                       for layer in sorted(spreads))
    said = (f"At the middle {_layers_said(sorted(spreads))}{names['where']}, {selffer} relative to its own base: "
            f"{scores} points, judged at n={n} ({networks_said(dip.count)}{bases_said(dip, pair=SELFFERS)})")
    if common:
        said += (f"; there {selffer}+ (fine-tuned) score {signed_plus_minus(plus.mean, plus.se, places)} points "
                 f"relative to their base, {below(difference.mean, difference.se, places)} the {selffer} against "
                 f"the same bases ({plus.count} + {same.count} networks"
                 f"{bases_said(plus, same, pair=SELFFERS)})")
    side, recovery = _side(at, *figures)
    holds = side == "dip" and recovery in ("recovered", "unmeasured")
    verdict = _verdict(side, recovery, dip, plus, split, selffer)
    unmeasured = "" if common or side != "dip" else (
        f"; the recovery was not measured: no {selffer}+ at n={n} against these bases (experiment --fine-tuned, the "
        f"default, trains {selffer}+ beside {selffer})")
    used = networks_of(results, split, "BnB", bases, spreads)  # one pass over the runs, not one a layer
    used += tuple(r for r in networks_of(at_n, split, "BnB+", bases) if bases.key_of(r)[1:] in common)
    # BnB+ of one draw have no ± (the verdict says so): the note still weighs the dip's, as where none were trained
    groups = (dip, plus) if common and plus.draws >= MIN_NETWORKS else (dip,)
    return measured.Finding(claim, f"{said}: {verdict}{unmeasured}.{few_draws(*groups, said=verdict)}", dip.mean,
                            dip.se, len(used), holds, said, used)


def _layers_said(layers):
    """The middle ``layers`` measured (sorted n), named as they are: "layer n=4", "layers n=3..6" where they run
    unbroken, "layers n=3, 5" where not; a grid that trained some middle n alone (the demo's n=4) is not said to
    span the others."""
    if len(layers) == 1:
        return f"layer n={layers[0]}"
    if layers == list(range(layers[0], layers[-1] + 1)):
        return f"layers n={layers[0]}..{layers[-1]}"
    return "layers n=" + ", ".join(str(layer) for layer in layers)


def _verdict(side, recovery, dip, plus, split, selffer):
    """The verdict's words: the dip's :func:`_side` and its recovery's, ``dip`` and ``plus`` the judged n's BnB and
    BnB+ (:class:`minitransfer.findings_groups.OverBases`)."""
    if side == "none":
        return (f"every middle layer measured is within {measured.CLOSE:g} points of its base or above it: no "
                f"fragile co-adaptation here")
    if side != "dip":
        return _not_resolved(dip, split)
    split_up = "features co-adapted on successive layers, split, lose accuracy (fragile co-adaptation)"
    if recovery == "recovered":
        return f"{split_up}, and fine-tuning recovers it"
    if recovery == "unmeasured":
        return split_up
    if recovery == "lost":
        return f"a dip, but fine-tuning did not recover the base's accuracy here: {selffer}+ stay below it"
    unresolved = _not_resolved(plus, split)
    return Verdict(f"a dip, but its recovery by fine-tuning ({selffer}+) is {unresolved}", unresolved.advised)


def _not_resolved(group, split):
    """Why ``group`` (:class:`minitransfer.findings_groups.OverBases`: the BnB or BnB+ of ``split``) resolves
    nothing: too few networks, networks enough but of one draw or base (no standard error), or noise."""
    return (too_few([group.count], [split]) if group.count < MIN_NETWORKS else
            advising(f"not resolved: {one_draw_said(group, SELFFERS)}", split) if group.draws < MIN_NETWORKS else
            advising("not resolved by these runs", split))


def _judged_at(pairs):
    """The index of the layer judged among ``pairs`` (each middle n's BnB mean and standard error, points): the
    lowest mean + max(CLOSE, two standard errors) among those with a standard error, the strongest evidence of a dip
    (its mean furthest beyond both thresholds :func:`_side` asks of one); the lowest mean where none has one."""
    judged = [i for i, (_, se) in enumerate(pairs) if not math.isnan(se)] or range(len(pairs))
    return min(judged, key=lambda i: pairs[i][0] + max(measured.CLOSE, measured.RESOLVED * pairs[i][1])
               if not math.isnan(pairs[i][1]) else pairs[i][0])


def _side(at, *figures):
    """(dip, recovery) of the figures the finding prints, in points: each middle n's BnB mean and standard error in
    turn, then BnB+'s mean and standard error at the n judged (the ``at``-th) and BnB+ less BnB's (NaN: no BnB+).
    dip: "dip" (the ``at``-th mean at least :data:`minitransfer.findings.CLOSE` below the base, as the specific
    claim's difference, and resolved below it), "none" (every mean within CLOSE by two standard errors,
    :func:`minitransfer.findings._equivalent`, or resolved above), else "unresolved"; recovery: "unmeasured" (no
    BnB+), "lost" (BnB+ resolved more than CLOSE below the base, above BnB or not: part of the dip won back is not
    the base's accuracy recovered), "recovered" (else BnB+ within CLOSE of the base by two standard errors, or
    resolved above BnB), else "uncertain"."""
    *layers, plus, plus_se, difference, difference_se = figures
    pairs = list(zip(layers[::2], layers[1::2]))
    lowest, se = pairs[at]
    if lowest < 0 and -lowest >= measured.CLOSE - measured.ROUNDING and measured._resolved(lowest, se):
        dip = "dip"
    elif all(measured._equivalent(mean, se) or (mean > 0 and measured._resolved(mean, se)) for mean, se in pairs):
        dip = "none"
    else:
        dip = "unresolved"
    if math.isnan(plus):
        return dip, "unmeasured"
    if not math.isnan(plus_se) and -plus - measured.RESOLVED * plus_se > measured.CLOSE + measured.ROUNDING:
        return dip, "lost"  # above the BnB or not: part of the dip recovered is not the base's accuracy
    if measured._equivalent(plus, plus_se) or (difference > 0 and measured._resolved(difference, difference_se)):
        return dip, "recovered"
    return dip, "uncertain"
