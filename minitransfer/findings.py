"""What a grid's networks show: the paper's five claims (a sixth: random frozen layers against a dissimilar
task's transfer, where both were trained; fragile co-adaptation where BnB were trained at a middle layer:
:mod:`minitransfer.findings_coadaptation`), each as a measured difference with its
uncertainty, in percentage points of top-1 accuracy (the mean of the 10 best evaluations).

Every accuracy is taken relative to the network's own base (:func:`minitransfer.comparisons.own_base`),
so a transfer is compared with like. A difference of two groups of networks comes with its standard
error over their draws (:func:`minitransfer.findings_groups.by_draw`: a split seed's AnB and BnA share its split and
both bases, a base's networks its luck, AnB+ at every n the same bases: one observation each): paired, of the draws
both groups have, where they are of one split (:func:`minitransfer.findings_groups.difference_between`), else
sqrt(se1² + se2²), each over its group's draws; it is *resolved* when it is more than twice that (a fine-tuned
boost, a claim of one side, more than Student's t of a one-sided 95% test where its draws are 2 to 6:
:func:`boost_errors`). A claim *holds* only when the runs resolve it (or, for "about as good as the base", when the
mean lies within :data:`CLOSE` of zero by two standard errors or more:
:func:`minitransfer.findings_verdicts._equivalent`), and the sentence says plainly when they do not. A group of
fewer than :data:`MIN_NETWORKS` networks (or bases) has no standard error: its claim is not resolved, never taken
to hold with an uncertainty of zero. Each verdict, as a function of the figures it judges, and the thresholds are
:mod:`minitransfer.findings_verdicts`'.

The claims (Yosinski et al. 2014, §4): the lowest layers are general (AnB at the lowest n about as good as its
base); the top layers are specific (AnB at the top n below BnB by more than the seed spread); transferred features
fine-tuned help (AnB+ resolved above BnB+, trained as long, where BnB+ were trained; else above its base, the
longer training untold); a dissimilar task transfers worse (the
natural split, two families such as natural / man-made, below a random split at the top n:
:func:`minitransfer.run_facts.natural_families` names them); and random frozen features are worse than transferred
ones (a random split's AnB; and, where there are natural-split runs at a common n, a sixth finding: than the natural
split's AnB, "even from a distant task", §4.3). A cross-dataset grid (experiment --source-data) has the first three
measured across datasets too: SnT (layers of the source dataset's base) at the lowest n about as good as the
target's base, below TnT at the top n, and SnT+ above TnT+ or its base. A claim whose networks copy from or are
measured against bases no better than chance (:func:`minitransfer.run_facts.bases_against_chance`) is not judged:
those bases learned nothing, or were scored on too few validation images to tell, or on images that cannot be known
now (an older result.json, its dataset prepared again or moved since).
The runs to read with care are :mod:`minitransfer.run_caveats`'; what a finding adds for those it measured,
:mod:`minitransfer.findings_caveats`'; how its figures are printed, to one decimal or as many more as show the side of
each threshold its verdict compares them with, :mod:`minitransfer.findings_figures`'.
"""

import dataclasses
import functools
import math

from minitransfer import findings_coadaptation as coadapted  # it reads this module's Finding and _NAMES
from minitransfer.experiment import CROSS, SPLITS
from minitransfer.comparisons import built_bases, clustered_se, measured_by_n
from minitransfer.findings_groups import (POINTS, Difference, OverBases, by_draw, common_draws, difference_between,
                                         networks_of, over_bases, tuned)
from minitransfer.findings_figures import (SELFFERS, TRANSFERS, below, bases_said, decimals, draw_words, more,
                                           networks_said, one_draw_said, signed, signed_plus_minus)
from minitransfer.findings_caveats import (MIN_NETWORKS, advising, few_draws, halves_said, judged, seed_spread_words,
                                           seen_caveat, too_few, unresolved_difference, untold_boost)
from minitransfer.findings_verdicts import (CLOSE, RESOLVED, ROUNDING, _boost_side, _general_side, _loses_side,
                                            _specific_side, boost_errors)
from minitransfer.results import Spread, mean, natural_families, relative_by_base, relative_by_n
from minitransfer.run_facts import bases_against_chance

# The thresholds and boost_errors are findings_verdicts' (tests and run_caveats take them from here)
__all__ = ["Finding", "findings", "within_dataset", "general", "specific", "fine_tuning", "dissimilar",
           "random_weights", "random_weights_dissimilar", "CLOSE", "RESOLVED", "ROUNDING", "boost_errors"]


@dataclasses.dataclass(frozen=True)
class Finding:
    """One claim as measured: ``value`` ± ``se`` points over ``networks`` networks; ``holds`` when
    the runs resolve it as the paper saw it; ``text`` says it in one sentence: ``measured``, what the
    runs gave (the sentence without its verdict), then the verdict; ``used``: the networks
    (:class:`minitransfer.comparisons.Result`) it measured, where a caveat of theirs is told with it."""

    claim: str
    text: str
    value: float = math.nan
    se: float = math.nan
    networks: int = 0
    holds: bool = False
    measured: str = ""
    used: tuple = dataclasses.field(default=(), compare=False, repr=False)  # the Results it measured


def findings(results, facts=None, bases=None):
    """The five claims, measured on ``results`` (claims without the runs they need say so; the sixth,
    :func:`random_weights_dissimilar`, and fragile co-adaptation, :mod:`minitransfer.findings_coadaptation`, after
    the specific claim, only where they are measured); and,
    where ``results`` hold a cross-dataset grid's runs, the first three measured across datasets (its
    SnT+, which such a grid trains by default, were in no finding). Where they hold transfers across
    datasets and no split within a dataset, none of the five can be measured: one finding
    (:func:`within_dataset`) says so once, in place of five "not measured" (its claim
    "within-dataset": a script finds every claim of findings.md, a line each, and no other). ``facts``:
    the datasets already read (:func:`minitransfer.run_facts.validation_sets`'); ``bases``: the
    :class:`minitransfer.comparisons.Bases` of ``results``, built once for every claim (now, where None)."""
    facts = {} if facts is None else facts  # each dataset opened once for every claim's caveats
    chance = bases_against_chance(results, facts)
    bases = built_bases(results, bases)
    within = ((general(results, bases=bases), specific(results, bases=bases)) + coadapted.where_measured(results, bases)
              + (fine_tuning(results, bases=bases), dissimilar(results, bases), random_weights(results, bases))
              + random_weights_dissimilar(results, bases))
    measured = halves_said(results, [judged(finding, chance, facts) for finding in within])
    if any(r.run.split == CROSS for r in results) and not any(r.run.split in SPLITS for r in results):
        measured = [within_dataset(results)]
    if any(r.run.split == CROSS for r in results):
        across = ((general(results, CROSS, bases), specific(results, CROSS, bases))
                  + coadapted.where_measured(results, bases, CROSS) + (fine_tuning(results, CROSS, bases),))
        told = (judged(finding, chance, facts) for finding in across)  # a claim not measured used no network: no caveat
        measured += [dataclasses.replace(finding, text=finding.text + seen_caveat(finding, facts))
                     for finding in told]
    return measured


# Each of the paper's claims needs a split of one dataset (random frozen layers too: against a random split's AnB)
_FIVE_CLAIMS = ("the paper's five claims within one dataset (general and specific features, fine-tuned transfer, "
                "dissimilar tasks, random weights): not measured: the runs here are a study across datasets")
_NEEDED = (", with no split of one dataset into halves, which the five need (experiment --split random, and --split "
           "natural for dissimilar tasks)")


def within_dataset(results):
    """The finding in place of the five claims where ``results`` hold a study across datasets and no
    split of one dataset, saying what they hold: the study alone, or with runs on every class of one
    dataset (its random-weights control, reduced data: experiment's all/), which need a split too."""
    beside = any(r.run.split == "all" for r in results)
    return Finding("within-dataset", _FIVE_CLAIMS + (" and runs on every class of one dataset" if beside else " alone")
                   + _NEEDED)


# How the findings name the networks of a split: a cross-dataset grid's transfers are SnT (layers of
# the source dataset's base), its selffers TnT, both measured on the target dataset against baseT.
_NAMES = {"random": {"AnB": "AnB", "BnB": "BnB", "both": "AnB and BnA", "where": "", "claim": "",
                     "runs": "random-split "},
          CROSS: {"AnB": "SnT", "BnB": "TnT", "both": "SnT", "where": " across datasets", "claim": "-across-datasets",
                  "runs": "cross-dataset "}}


def general(results, split="random", bases=None):
    """The lowest n's transfers (AnB; across datasets SnT) about as good as their own base."""
    names = _NAMES[split]
    claim = "general" + names["claim"]
    transfers = relative_by_n(results, split, "AnB", bases=bases)
    if not transfers:
        return Finding(claim, f"general features{names['where']}: not measured (no {names['runs']}{names['AnB']} runs "
                              f"with their bases)")
    n = min(transfers)
    spread = over_bases(results, split, "AnB", n, bases)
    side = _general_side(spread.mean, spread.se)
    close = side == "within"
    layers = "layer 1" if n == 1 else f"layers 1..{n}"
    verdict = (f"within {CLOSE:g} points: the features of {layers} are general" if close else
               too_few([spread.count], [split]) if spread.count < MIN_NETWORKS else
               advising(f"not resolved: {one_draw_said(spread)}", split) if spread.draws < MIN_NETWORKS else
               f"more than {CLOSE:g} points from it, beyond two standard errors: the features of {layers} are not "
               f"general here" if side == "beyond" else
               advising(f"not resolved: too uncertain to tell a difference of {CLOSE:g} points from none", split)
               if side == "uncertain" else f"not shown to be within {CLOSE:g} points of it")
    networks = tuple(measured_by_n(results, split, "AnB", bases=bases)[n])
    which = names["both"] if {r.run.target for r in networks} == {"A", "B"} else names["AnB"]
    score = signed_plus_minus(spread.mean, spread.se, decimals(_general_side, spread.mean, spread.se))
    measured = (f"At n={n}, transferred layers{names['where']} ({which}) score {score} points relative to "
                f"their own base ({networks_said(spread.count)}{bases_said(spread)})")
    return Finding(claim, f"{measured}: {verdict}.{few_draws(spread, said=verdict)}", spread.mean, spread.se,
                   spread.count, close, measured, networks)


def specific(results, split="random", bases=None):
    """The highest n's transfers (AnB; across datasets SnT) below the selffers (BnB; TnT) by more
    than the seed spread."""
    names = _NAMES[split]
    claim = "specific" + names["claim"]
    transfers, selffers = (relative_by_n(results, split, treatment, bases=bases) for treatment in ("AnB", "BnB"))
    common = sorted(set(transfers) & set(selffers))
    if not common:
        return Finding(claim, f"specific features{names['where']}: not measured (no {names['runs']}{names['AnB']} "
                              f"and {names['BnB']} at a common n)")
    n = common[-1]
    bases = built_bases(results, bases)
    # of the draws both have (a seed's AnB and BnB share its split and bases): the difference paired by draw
    whole = [over_bases(results, split, treatment, n, bases) for treatment in ("AnB", "BnB")]
    a, b = common_draws(*whole)
    difference = difference_between(a, b)  # its standard error over the draws: NaN where they are one
    stds = (POINTS * Spread.of(group.relative_accuracies()).std for group in (a, b))
    seeds = max((std for std in stds if not math.isnan(std)), default=math.nan)
    holds, resolved = _specific_side(difference.mean, difference.se, seeds)
    meaning = (f"the top layers are specific to their {'dataset' if split == CROSS else 'task'}" if holds else
               unresolved_difference(a, b, (split, split), (TRANSFERS, SELFFERS)) if not resolved else
               "smaller than the paper's effect or than the seed spread")
    places = decimals(_specific_side, difference.mean, difference.se, seeds)
    spread = "unknown" if math.isnan(seeds) else f"{seeds:.{places}f} points"
    measured = (f"At n={n}, {names['AnB']} is {below(difference.mean, difference.se, places)} {names['BnB']} "
                f"(seed spread {spread}; {a.count} + {b.count} networks{bases_said(a, b, pair=(TRANSFERS, SELFFERS))}"
                f"{_left_out(whole, (a, b), (names['AnB'], names['BnB']), split)})")
    used = tuple(r for treatment, group in (("AnB", a), ("BnB", b))
                 for r in measured_by_n(results, split, treatment, bases=bases)[n]
                 if bases.key_of(r)[1:] in group.groups)  # those of the draws compared
    return Finding(claim, f"{measured}: {meaning}. {seed_spread_words(used, n, names, split)}."
                   f"{few_draws(a, b, said=meaning)}",
                   difference.mean,
                   difference.se, a.count + b.count, holds, measured, used)


def _left_out(whole, kept, names, split):
    """"; 2 AnB of split seeds without BnB left out" where :func:`minitransfer.findings_groups.common_draws` left
    networks of ``whole`` (two groups named ``names``) out of ``kept``: draws one group has and the other lacks."""
    left = [f"{group.count - shown.count} {name} of {draw_words(split, 2)} without {other}"
            for group, shown, name, other in zip(whole, kept, names, names[::-1]) if group.count > shown.count]
    return f"; {' and '.join(left)} left out" if left else ""


def fine_tuning(results, split="random", bases=None):
    """AnB+ (across datasets SnT+) at every n against its own base. The networks of one split (or
    replicate) share that base, and with it its luck: their standard error is taken over the split seeds
    (:func:`minitransfer.findings_groups.by_draw`), not over the networks (which would shrink with
    every n added to the same base). Resolved, here: beyond :func:`boost_errors` standard errors, a one-sided 95%
    test of its draws. Without BnB+ (TnT+) it holds only when AnB+ is resolved above its base, and
    says that the boost cannot be told from the longer training; within :data:`CLOSE` of the base, not resolved
    from it, with two standard errors no wider than that, it does not hold: no boost is shown, and networks at
    their base, noise alone, are so in most trials (docs/report.md, "How often a verdict is wrong"); a mean
    resolved below the base, however close, is fine-tuning that did not recover the base's accuracy; a mean below
    the base by less than an uncertainty of any width is not resolved. Where BnB+ were trained at some n of AnB+,
    the paper's control for that training (§4.1), the verdict rests on AnB+ against BnB+ at those n
    (:func:`_against_selffers`)."""
    names = _NAMES[split]
    claim = "fine-tuning" + names["claim"]
    groups = relative_by_base(results, split, "AnB+", bases)
    if not groups:
        return Finding(claim, f"fine-tuned transfer{names['where']}: not measured (no {names['runs']}{names['AnB']}+ "
                              f"runs with their bases)")
    measured = tuned(groups, split)
    side = _boost_side(measured.mean, measured.se, measured.draws)
    better = side == "better"
    meaning = ("transferred features, fine-tuned, do better than training from scratch" if better else
               f"within {CLOSE:g} points of it, not resolved from it: no boost shown" if side == "within" else
               advising(f"not resolved: {one_draw_said(measured)}", split) if side == "alone" else
               "fine-tuning did not recover the base's accuracy here" if side == "worse" else
               advising(f"not resolved: too uncertain to tell a difference of {CLOSE:g} points from none", split))
    against = bases_said(measured) or " against 1 base" * (measured.bases == 1)

    def scores(places):
        return (f"{names['AnB']}+ scores {signed_plus_minus(measured.mean, measured.se, places)} points relative to "
                f"its own base{names['where']}, over every n ({networks_said(measured.count)}{against})"
                f"{'' if split == CROSS else ', the mean over networks, as in Table 1'}")
    used = networks_of(results, split, "AnB+", bases)
    compared = _against_selffers(results, split, bases, claim, scores(1), used)  # its verdict is not on these figures
    if compared:
        return compared
    said = scores(decimals(functools.partial(_boost_side, draws=measured.draws), measured.mean, measured.se))
    unknown = untold_boost(names, bool(relative_by_base(results, split, "BnB+", bases))) if better else ""
    return Finding(claim, f"{said}: {meaning}{unknown}.{few_draws(measured, said=meaning, asked=True)}", measured.mean,
                   measured.se, measured.count, better, said, used)


def _against_selffers(results, split, bases, claim, said, used):
    """The fine-tuning finding where BnB+ (TnT+) share some n with AnB+ (SnT+): AnB+ against BnB+, paired
    as Table 1 pairs them, at each n and against each base both are measured against (the base's luck
    cancels: both are relative to it), the mean of each n's mean difference (Table 1's column averages over
    its AnB+ networks instead, as the paper's: each difference here is of a base's own networks), its
    standard error over the bases (:func:`minitransfer.comparisons.clustered_se` of each base's
    differences, each weighted as that mean weighs it, where the bases share unequal n): BnB+ train as long
    as AnB+, so only AnB+ resolved above them is a boost of the transfer, not of the longer training (§4.1);
    None without BnB+ beside AnB+ at a common n and base."""
    names, bases = _NAMES[split], built_bases(results, bases)  # its bases, so each n's networks are looked up alone
    common = set(relative_by_n(results, split, "AnB+", bases=bases)) & set(
        relative_by_n(results, split, "BnB+", bases=bases))
    runs_at = {}  # n -> its networks, in their order, grouped in one pass over the runs
    for r in results:
        runs_at.setdefault(r.run.n, []).append(r)
    by_base, by_n, counts = {}, {}, [0, 0]  # base -> [(n, difference)], n -> [differences]
    for n in sorted(common):
        transfers, selffers = (relative_by_base(runs_at[n], split, treatment, bases)
                               for treatment in ("AnB+", "BnB+"))
        for base in transfers.keys() & selffers.keys():
            difference = mean(transfers[base]) - mean(selffers[base])
            by_base.setdefault(base, []).append((n, difference))
            by_n.setdefault(n, []).append(difference)
            counts[0], counts[1] = counts[0] + len(transfers[base]), counts[1] + len(selffers[base])
    if not by_n:
        return None
    common = set(by_n)
    # the standard error of the mean below: each n weighs alike, each base alike within its n; over the draws
    weights = {key: [1 / (len(by_n) * len(by_n[n])) for n, _ in pairs] for key, pairs in by_base.items()}
    draws = by_draw({key: [value for _, value in pairs] for key, pairs in by_base.items()}, split, weights).values()
    difference = Difference(POINTS * mean([mean(values) for values in by_n.values()]),
                            POINTS * clustered_se([values for values, _ in draws], [shares for _, shares in draws]))
    side = _boost_side(difference.mean, difference.se, len(draws))
    holds = side == "better"
    drawn = OverBases(difference.mean, difference.se, sum(counts), len(by_base), len(draws), split)  # its draws, bases
    selffer = f"{names['BnB']}+"
    verdict = (f"transferred features, fine-tuned, do better than {selffer}: the boost is the transfer's, not the "
               f"longer training's" if holds else
               advising(f"not resolved: {one_draw_said(drawn)}", split) if side == "alone"
               else f"resolved, the other way round from the paper's: {selffer}, trained as long, do better"
               if side == "worse" else
               f"within {CLOSE:g} points of {selffer}: no boost beyond the longer training's" if side == "within" else
               advising("not resolved: the boost cannot be told from the longer training", split))
    layers = ", ".join(map(str, sorted(common)))
    places = decimals(functools.partial(_boost_side, draws=len(draws)), difference.mean, difference.se)
    measured = (f"{said}, and {below(difference.mean, difference.se, places)} {selffer}, trained as long "
                f"(n={layers}, {counts[0]} + {counts[1]} networks)")
    used = tuple(r for r in used if r.run.n in common) + networks_of(results, split, "BnB+", bases, common)
    return Finding(claim, f"{measured}: {verdict}.{few_draws(drawn, said=verdict, asked=True)}", difference.mean,
                   difference.se, sum(counts), holds, measured, used)


def dissimilar(results, bases=None):
    halves = " / ".join(natural_families(results))
    return _loses_more(results, "dissimilar", ("natural", "AnB", "natural"), ("random", "AnB", "random"),  # the splits
                       (f"the {halves} transfer", "loses", "gains", "does"), "a random split's",
                       "features transfer worse to a dissimilar task",
                       "dissimilar tasks: not measured (no natural-split and random-split AnB at a common n)", bases)


def random_weights(results, bases=None):
    return _loses_more(results, "random-weights", ("all", "random", "random"), ("random", "AnB", "AnB"),
                       ("random frozen layers", "lose", "gain", "do"), "transferred ones",
                       "transferred features beat random ones",
                       "random weights: not measured (no random-frozen and random-split AnB runs at a common n)", bases)


def random_weights_dissimilar(results, bases=None):
    """The paper's §4.3 (Figure 3, bottom): random frozen layers against the natural split's AnB,
    "transferring even from a distant task is better than using random filters"; a tuple of the one
    finding, or () where the runs have no natural-split AnB and random-frozen runs at a common n."""
    halves = " / ".join(natural_families(results))
    finding = _loses_more(results, "random-weights-dissimilar", ("all", "random", "random"),
                          ("natural", "AnB", "natural"), ("random frozen layers", "lose", "gain", "do"),
                          f"layers transferred from a dissimilar task, the {halves} transfer",
                          "even features of a dissimilar task beat random ones", "", bases)
    return (finding,) if finding.networks else ()


def _loses_more(results, claim, worse, better, worse_name, better_name, meaning, unmeasured, bases=None):
    """The claim that networks ``worse`` (split, treatment, label) lose more, relative to their
    bases, than networks ``better`` at the highest n both have. ``worse_name``: (subject, its verb for a
    loss, for a gain, for either); where both groups gained on their bases the sentence says "gains 5
    points more", not "loses 5 points less" (a small dataset's transfers may beat their bases), and where
    one gained and the other lost, "does 13 points better (worse) than"."""
    worse_runs, better_runs = (relative_by_n(results, *group[:2], bases=bases) for group in (worse, better))
    common = sorted(set(worse_runs) & set(better_runs))
    if not common:
        return Finding(claim, unmeasured)
    n = common[-1]
    a, b = (over_bases(results, *group[:2], n, bases) for group in (worse, better))
    difference = difference_between(a, b)  # NaN when either se is
    holds, resolved, gained_a, gained_b = _loses_side(difference.mean, difference.se, a.mean, b.mean)
    verdict = (meaning if holds else "resolved, the other way round from the paper's" if resolved else
               unresolved_difference(a, b, (worse[0], better[0])))
    subject, loses, gains, does = worse_name
    gained, mixed = gained_a and gained_b, gained_a != gained_b
    verb = does if mixed else gains if gained else loses
    places = decimals(_loses_side, difference.mean, difference.se, a.mean, b.mean)
    measured = (f"At n={n}, {subject} {verb} {more(difference.mean, difference.se, gained, mixed, places)} than "
                f"{better_name} ({worse[2]} {signed(a.mean, places)}, {better[2]} {signed(b.mean, places)} points "
                f"relative to their bases; {a.count} + {b.count} networks{bases_said(a, b)})")
    return Finding(claim, f"{measured}: {verdict}.{few_draws(a, b, said=verdict)}", difference.mean, difference.se,
                   a.count + b.count, holds, measured)
