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
sentence says which n it was judged at and gives every middle n's figure. It holds where that n's BnB dip so and
the curve comes back: where BnB+ were trained at that n against the same bases, they are within
:data:`minitransfer.findings.CLOSE` of their base by two standard errors (as the general claim's layer:
:func:`minitransfer.findings_verdicts._equivalent`), the recovery by fine-tuning; and where BnB were trained at the
top layer (:func:`top_layer`), they are so there (the paper's are back at the base by layers 6 and 7: the drop is the
middle layers'). Resolved above the BnB is no recovery: part of the dip won back is not the base's accuracy (a dip of 6
points whose BnB+ stay 3 short held in a third of trials or more). Without BnB+ there, or BnB at the top layer, it
says which was not measured. It does not hold where every middle n's BnB is within CLOSE of the base by two
standard errors or resolved above it: no dip (a layer truly 3 points below its base, within 2 by chance alone, is
not taken to be within: docs/report.md, "How often a verdict is wrong"); nor where BnB+, or the top layer's BnB,
stay resolved more than CLOSE below their base: no recovery. Else it is not resolved (a dip resolved but short of
CLOSE among middle layers not all shown within it, one of CLOSE or more not resolved, a recovery neither shown nor
refuted, or too few networks). Choosing the n from the data, the one of several that looks
most like a dip, makes two standard errors a weaker test than at an n named beforehand (with four middle layers,
noise alone passes it up to four times as often as at one): every middle n's figure is printed beside the verdict
to weigh it by.
"""

import math

from minitransfer import findings as measured, findings_verdicts as verdicts, models
from minitransfer.comparisons import built_bases, relative_by_base, relative_by_n
from minitransfer.findings_caveats import MIN_NETWORKS, Verdict, advising, few_draws, too_few
from minitransfer.findings_figures import (SELFFERS, bases_said, below, decimals, networks_said, one_draw_said,
                                           signed_plus_minus)
from minitransfer.findings_groups import difference_between, networks_of, over_bases, tuned

LOWEST_MIDDLE = 3       # the paper's middle layers start at n = 3 and end one below CaffeNet's top copyable layer, 7


def middle_layers(results):
    """The middle n of the runs' network: 3 up to its top copyable layer less one (:func:`top_layer`)."""
    return tuple(range(LOWEST_MIDDLE, top_layer(results)))


def top_layer(results):
    """The top copyable layer of the runs' network, where the paper's BnB are back at the base (the largest
    ``copyable`` of the presets ``results`` record and :func:`minitransfer.models.known_preset` knows, one of one's
    own noted in the environment too; CaffeNet's 7 where none: :func:`minitransfer.models.top_copyable`, as the
    figures' advice)."""
    return models.top_copyable(r.preset for r in results)


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
    top = top_layer(results)
    back = over_bases(results, split, "BnB", top, bases) if top in relative_by_n(results, split, "BnB", bases=bases) \
        else None  # the top layer's BnB: back at their base, as the paper's
    figures = [value for layer in sorted(spreads) for value in (spreads[layer].mean, spreads[layer].se)]
    figures += [plus.mean, plus.se] if common else [math.nan] * 2
    figures += [back.mean, back.se] if back else [math.nan] * 2
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
    if back:
        said += (f"; at the top layer n={top}, {selffer} score {signed_plus_minus(back.mean, back.se, places)} points "
                 f"relative to their base ({networks_said(back.count)})")
    side, recovery, top_side = _side(at, *figures)
    holds = side == "dip" and recovery in ("recovered", "unmeasured") and top_side in ("back", "unmeasured")
    verdict = _verdict(side, (recovery, top_side), (dip, plus, back), split, selffer, top)
    unmeasured = "" if side != "dip" else "".join(filter(None, (
        "" if common else f"; the recovery was not measured: no {selffer}+ at n={n} against these bases (experiment "
                          f"--fine-tuned, the default, trains {selffer}+ beside {selffer})",
        "" if back else f"; the top layer was not measured: no {selffer} at n={top}, where the paper's are back at "
                        f"their base (experiment --layers: add {top})")))
    used = networks_of(results, split, "BnB", bases, spreads)  # one pass over the runs, not one a layer
    used += tuple(r for r in networks_of(at_n, split, "BnB+", bases) if bases.key_of(r)[1:] in common)
    used += networks_of(results, split, "BnB", bases, (top,)) if back else ()
    # BnB+ of one draw have no ± (the verdict says so): the note still weighs the dip's, as where none were trained
    groups = (dip,) + tuple(group for group in (plus if common else None, back)
                            if group and group.draws >= MIN_NETWORKS)
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


def _verdict(side, recoveries, groups, split, selffer, top):
    """The verdict's words: the dip's :func:`_side` and its two recoveries' (``recoveries``: by fine-tuning, at the
    top layer ``top``), ``groups`` the judged n's BnB and BnB+ and the top layer's BnB
    (:class:`minitransfer.findings_groups.OverBases`; None where not measured)."""
    dip, plus, back = groups
    if side == "none":
        return (f"every middle layer measured is within {verdicts.CLOSE:g} points of its base or above it: no "
                f"fragile co-adaptation here")
    if side != "dip":
        return _not_resolved(dip, split)
    recovery, top_side = recoveries
    if recovery == "lost":
        return f"a dip, but fine-tuning did not recover the base's accuracy here: {selffer}+ stay below it"
    if top_side == "below":
        return (f"a dip, but {selffer} stay more than {verdicts.CLOSE:g} points below their base at the top layer too, "
                f"where the paper's are back at it: a drop not of the middle layers alone")
    if recovery == "uncertain" or top_side == "uncertain":
        unresolved = _not_resolved(plus if recovery == "uncertain" else back, split)
        which = f"by fine-tuning ({selffer}+)" if recovery == "uncertain" else f"at the top layer n={top}"
        return Verdict(f"a dip, but its recovery {which} is {unresolved}", unresolved.advised)
    split_up = "features co-adapted on successive layers, split, lose accuracy (fragile co-adaptation)"
    return (split_up + ", and fine-tuning recovers it" * (recovery == "recovered")
            + (f"; at the top layer n={top}, {selffer} are back within {verdicts.CLOSE:g} points of their base by two "
               f"standard errors" if top_side == "back" else ""))


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
    return min(judged, key=lambda i: pairs[i][0] + max(verdicts.CLOSE, verdicts.RESOLVED * pairs[i][1])
               if not math.isnan(pairs[i][1]) else pairs[i][0])


def _side(at, *figures):
    """(dip, recovery, top) of the figures the finding prints, in points: each middle n's BnB mean and standard
    error in turn, then BnB+'s at the n judged (the ``at``-th; NaN: no BnB+), then the top layer's BnB (NaN: none).
    dip: "dip" (the ``at``-th mean at least :data:`minitransfer.findings.CLOSE` below the base, as the specific
    claim's difference, and resolved below it), "none" (every mean within CLOSE by two standard errors,
    :func:`minitransfer.findings_verdicts._equivalent`, or resolved above), else "unresolved"; recovery (BnB+) and top
    (the top layer's BnB), each as :func:`_recovered`."""
    *layers, plus, plus_se, top, top_se = figures
    pairs = list(zip(layers[::2], layers[1::2]))
    lowest, se = pairs[at]
    if lowest < 0 and -lowest >= verdicts.CLOSE - verdicts.ROUNDING and verdicts._resolved(lowest, se):
        dip = "dip"
    elif all(verdicts._equivalent(mean, se) or (mean > 0 and verdicts._resolved(mean, se)) for mean, se in pairs):
        dip = "none"
    else:
        dip = "unresolved"
    return dip, _recovered(plus, plus_se, "recovered", "lost"), _recovered(top, top_se, "back", "below")


def _recovered(mean, se, back, below):
    """Whether networks ``mean`` ± ``se`` points from their base are back at it: "unmeasured" (NaN: none), ``below``
    (resolved more than :data:`minitransfer.findings.CLOSE` below it), ``back`` (within CLOSE of it by two
    standard errors: :func:`minitransfer.findings_verdicts._equivalent`, as the general claim's layer), else
    "uncertain". Back part way is not back: BnB+ resolved above a BnB 6 points down but 3 short of the base are
    "uncertain" or ``below``, not recovered (docs/report.md, "How often a verdict is wrong")."""
    if math.isnan(mean):
        return "unmeasured"
    if not math.isnan(se) and -mean - verdicts.RESOLVED * se > verdicts.CLOSE + verdicts.ROUNDING:
        return below
    return back if verdicts._equivalent(mean, se) else "uncertain"
