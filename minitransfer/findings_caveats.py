"""What a finding (:mod:`minitransfer.findings`) says besides its numbers: not judged where some of
the bases of its splits are no better than chance, or cannot be judged against it (:func:`judged`, naming
a few of them:
:func:`chance_named`); for a claim across datasets, a caveat where the transfers it measured copied
layers that had seen their classes (:func:`seen_caveat`); and, for a claim not resolved, why, with
the option that trains more networks of the groups it compares (:func:`too_few`, :func:`unresolved`,
:func:`unresolved_difference`); and
what the specific claim's "seed spread" is (:func:`seed_spread_words`); why a fine-tuned boost over the base
cannot be told from the longer training (:func:`untold_boost`); and which half of the natural split is
which family, which the paper's text names the other way round (:func:`natural_halves`).
"""

import dataclasses
import math

from minitransfer.experiment import CROSS, some_names
from minitransfer.findings_figures import TRANSFERS, draw_words, one_draw_said
from minitransfer.findings_groups import shares_draws
from minitransfer.run_facts import (PAPER_FAMILIES, at_chance_kinds, cannot_be_told, classes_matched_by,
                                    natural_families, not_judged_remedy, not_judged_words, unbalanced_remedy,
                                    untold_runs)
from minitransfer.run_labels import label_pattern
from minitransfer.validation_advice import more_validation

MIN_NETWORKS = 2  # a standard deviation, hence a standard error, needs two values at least
# Student's t at 97.5% (a two-sided 95% interval) by degrees of freedom (few_draws), where it is clearly above the
# two standard errors a verdict asks (any statistics table; 2.36 at 7 degrees, 1.96 at infinity): what a 95%
# interval asks of a standard error of 2 to 7 draws. docs/report.md measured verdicts passing noise alone about
# six, four and two times as often as a normal implies at 2, 3 and 8 draws.
T_975 = {1: 12.71, 2: 4.30, 3: 3.18, 4: 2.78, 5: 2.57, 6: 2.45}
# Student's t at 95% (a one-sided 95% test) by degrees of freedom, where it is above two (any statistics table; 1.94 at
# 6 degrees, 1.64 at infinity): what a claim of one side, the fine-tuned boost above (findings.boost_errors), asks of
# a standard error of 2 to 6 draws, so that noise alone passes it in 5% of trials.
T_95 = {1: 6.31, 2: 2.92, 3: 2.35, 4: 2.13, 5: 2.02}


# The splits whose bases a claim's networks copy their layers from or are measured against
_BASES_OF = {"general": ("random",), "specific": ("random",), "fine-tuning": ("random",), "co-adaptation": ("random",),
             "dissimilar": ("natural", "random"), "random-weights": ("all", "random"),
             "random-weights-dissimilar": ("all", "natural"),
             "general-across-datasets": (CROSS,), "specific-across-datasets": (CROSS,),
             "co-adaptation-across-datasets": (CROSS,),
             "fine-tuning-across-datasets": (CROSS,)}
CHANCE_NAMED = 3  # bases at chance a finding names; the runs to read with care list every one


def judged(finding, against_chance, facts=None):
    """``finding``, or where some of the bases of its splits are no better than chance, or cannot be judged
    against it (``against_chance``: :func:`minitransfer.run_facts.bases_against_chance`), its measurement not
    judged: those bases learned nothing, so a difference from them, or from a transfer of their layers, is
    none of features; or they were scored on too few validation images to tell
    (:func:`minitransfer.run_facts.at_chance_kinds`), or on images that cannot be known now
    (:func:`minitransfer.run_facts.not_judged_words`), so they may have learned nothing. Where chance is the
    largest class's share (classes unbalanced), the remedy adds evening the classes
    (:func:`minitransfer.run_facts.unbalanced_remedy`). ``facts``: the datasets already read (the advice to score on
    more validation images reads how each was prepared: :func:`minitransfer.validation_advice.more_validation`)."""
    splits = _BASES_OF.get(finding.claim, ())
    at_chance, not_judged = ([found for found in kind if found[0].run.split in splits] for kind in against_chance)
    nothing, untold, counts = at_chance_kinds(at_chance)
    if not ((nothing or untold or not_judged) and finding.networks):
        return finding
    reasons = []
    if nothing:
        reasons.append(f"{_bases(nothing)} no better than chance ({chance_named(nothing)}; see the runs to read with "
                       f"care), which learned nothing, so they tell nothing of features: train the bases longer "
                       f"(--max-iter) or with another learning rate (--base-lr){unbalanced_remedy(nothing)}")
    if untold:
        reasons.append(f"{_bases(untold)} {cannot_be_told(counts)} ({chance_named(untold)}; see the runs to read "
                       f"with care), which may have learned nothing: "
                       f"{more_validation(untold_runs(at_chance), facts)}{unbalanced_remedy(untold)}")
    if not_judged:
        groups = "; ".join(not_judged_words(not_judged, chance_named))
        reasons.append(f"{_bases(not_judged)} not judged against chance ({groups}; see the runs to read with care), "
                       f"whose validation images cannot be known now, so they may have learned nothing: "
                       f"{not_judged_remedy(not_judged)}")
    return dataclasses.replace(finding, holds=False, text=(
        f"{finding.measured}: not judged: these networks copy their layers from, or are measured against, "
        f"{'; and '.join(reasons)}."))


def _bases(names):
    return "bases" if len(names) > 1 else "a base"


def chance_named(names):
    """The first :data:`CHANCE_NAMED` of ``names``, and how many more (the bases at chance a finding
    or Table 1, :func:`minitransfer.report_table1_notes.table1_at_chance`, names)."""
    return some_names(names, CHANCE_NAMED)


def seen_caveat(finding, facts=None):
    """What a claim across datasets adds where some of the SnT (or SnT+) it measured (``finding.used``)
    copied layers that had seen their classes (:attr:`minitransfer.comparisons.Result.seen_classes`),
    counted among those it measured (not the folder's others: left out, of another n, fine-tuned);
    else "". ``facts``: datasets already read (their class tables say how the classes were matched)."""
    measured = [r for r in finding.used if r.run.kind == "transfer"]
    seen = [r for r in measured if r.seen_classes]
    if not seen:
        return ""
    shared, classes = max(r.seen_classes for r in seen)
    label = label_pattern(seen[0].run)
    several = len(seen) > 1
    counted = (f"{len(seen)} of these {len(measured)} {label} networks" if len(seen) < len(measured) else
               f"these {len(seen)} {label} networks" if several else f"this {label} network")
    return (f" Careful: {counted} copied layers already trained on some of {'their' if several else 'its'} classes "
            f"(up to {shared} of {classes}, {classes_matched_by(seen, facts)}; see the runs to read with care), so "
            f"{'they are not transfers' if several else 'it is not a transfer'} to new classes alone.")


# How more networks per point of a split are planned: a random split's are more split seeds (each one
# network per n and half); the natural split's, the controls on every class and a cross-dataset grid's,
# replicates (experiment refuses --replicates for a random split). Each: what, of which runs, the option.
_MORE_NETWORKS = {"random": ("more random splits", "", "experiment --split-seed, once per split"),
                  "natural": ("more replicates", "of the natural split", "experiment --replicates"),
                  "all": ("more replicates", "of the runs on every class", "experiment --replicates"),
                  CROSS: ("more replicates", "across datasets", "experiment --replicates")}


def _advice(splits):
    """What trains more networks of ``splits``, each split's once and each option once, the runs it trains
    joined before it: "more replicates of the runs on every class and of the natural split (experiment
    --replicates)", not that option twice."""
    joined = {}
    for what, runs, option in dict.fromkeys(_MORE_NETWORKS[split] for split in splits):
        joined.setdefault((what, option), []).append(runs)
    return " and ".join(" ".join(filter(None, (what, " and ".join(filter(None, runs)), f"({option})")))
                        for (what, option), runs in joined.items())


def more_networks(*splits):
    """What to train for more networks per point of the groups on ``splits``, each split's option once."""
    return "train more networks per point: " + _advice(splits)


class Verdict(str):
    """A verdict's words that know the splits it advises training more networks per point of (:func:`advising`):
    the note after it (:func:`few_draws`) says each piece of advice once."""

    def __new__(cls, text, advised=()):
        verdict = super().__new__(cls, text)
        verdict.advised = tuple(advised)
        return verdict


def advising(reason, *splits):
    """The verdict "<reason>: train more networks per point: <what trains more of ``splits``>" (:func:`more_networks`),
    a :class:`Verdict` that advised ``splits``."""
    return Verdict(f"{reason}: {more_networks(*splits)}", splits)


def too_few(counts, splits, draws=None, one_draw=""):
    """Why a claim measured on groups of ``counts`` networks (trained on ``splits``, one a group) is
    not resolved: a group too small to have a standard error; the advice names what trains more of those, and of
    a group of networks enough but of one draw (``draws``, a group's split seeds or replicates, where known), which
    has none either (``one_draw``: why, :func:`minitransfer.findings_figures.one_draw_said`): the natural split's
    AnB and BnA of one replicate beside one random-split AnB were advised more random splits alone, and more of
    them left the natural side without its standard error; "(2 + 1; at least 2 per group)" alone did not say why
    the group of 2 was advised more too."""
    sizes = " + ".join(map(str, counts))
    need = f"at least {MIN_NETWORKS} {'per group' if len(counts) > 1 else 'needed'}"
    draws = draws or [MIN_NETWORKS] * len(counts)
    short = [split for count, drawn, split in zip(counts, draws, splits) if min(count, drawn) < MIN_NETWORKS]
    also = f", and {one_draw}" if one_draw else ""
    return advising(f"not resolved: too few networks for a standard error ({sizes}; {need}){also}", *short)


def unresolved(counts, splits, draws=None, one_draw=""):
    """Why a difference of groups of ``counts`` networks (on ``splits``; of ``draws`` each, where known, and why
    one of networks enough but one draw has no standard error, ``one_draw``) is not resolved: a group too small to
    have a standard error, or a difference within the noise."""
    return too_few(counts, splits, draws, one_draw) if min(counts) < MIN_NETWORKS else "not resolved by these runs"


def unresolved_difference(a, b, splits, pairs=(TRANSFERS, TRANSFERS)):
    """Why the difference of groups ``a`` and ``b`` (:class:`minitransfer.findings_groups.OverBases`, on ``splits``;
    a draw's two networks of each named ``pairs``) is not resolved: too few networks, networks enough but of one draw
    or base (no standard error), or noise."""
    alone = [(spread, split, pair) for spread, split, pair in zip((a, b), splits, pairs) if spread.draws < MIN_NETWORKS]
    if min(a.count, b.count) < MIN_NETWORKS:
        enough = [(spread, pair) for spread, _, pair in alone if spread.count >= MIN_NETWORKS]
        return unresolved((a.count, b.count), splits, (a.draws, b.draws), one_draw_said(*enough[0]) if enough else "")
    if alone:
        return advising(f"not resolved: {one_draw_said(*alone[0][::2])}", *(split for _, split, _ in alone))
    return unresolved((a.count, b.count), splits)


def welch_degrees(a, b):
    """The degrees of freedom of the standard error sqrt(se_a² + se_b²) of a difference of groups ``a`` and ``b`` of
    their own draws (:class:`minitransfer.findings_groups.OverBases` of two splits: each split drew its own bases),
    Welch-Satterthwaite's (se_a² + se_b²)² / (se_a⁴ / (draws_a − 1) + se_b⁴ / (draws_b − 1)), rounded down as a
    table of t is read: at least the smaller group's draws less one, at most both groups' draws less two. Where
    both standard errors are zero, the smaller group's draws less one."""
    terms = [group.se ** 4 / (group.draws - 1) for group in (a, b)]
    if not sum(terms):
        return min(a.draws, b.draws) - 1
    return math.floor((a.se ** 2 + b.se ** 2) ** 2 / sum(terms) + 1e-9)  # 3.9999… of the arithmetic is 4


def paired(a, b):
    """Whether groups ``a`` and ``b`` (:class:`minitransfer.findings_groups.OverBases`) share their draws, their
    difference's standard error the paired one (:func:`minitransfer.findings_groups.difference_between`): of one
    split and sharing some draw, or, where either's networks are not known, of one split."""
    known = getattr(a, "groups", None) and getattr(b, "groups", None)
    return shares_draws(a, b) if known else a.split == b.split


def few_draws(*groups, said="", asked=False):
    """" Careful: ..." where the standard error of ``groups`` (:class:`minitransfer.findings_groups.OverBases`)
    rests on so few degrees of freedom, 1 to 6, that Student's t asks clearly more than two of it for a 95%
    interval (:data:`T_975`); else "": the verdict's rule, two standard errors, is then a weak one. Its degrees are
    those of the smallest group, its draws (split seeds, replicates) less one, where the groups share their draws
    (:func:`paired`: one split, a seed's AnB and BnB measured against its bases alike, their difference's standard
    error over the draws both have, :func:`minitransfer.findings_groups.common_draws`), and Welch-Satterthwaite's
    (:func:`welch_degrees`) for two groups of their own draws (two splits, each of its own bases): the smaller
    group's would ask a t of a 97% to 100% interval there (docs/report.md, "Standard errors in findings.md").
    "" where some group has one draw (no standard error at all: the verdict says so). The note names the groups
    whose draws it counts (both, by Welch-Satterthwaite: "3 replicates + 5 split seeds") and what trains more of
    those of the fewest draws, unless ``said``, the verdict it follows, advised them (a "not resolved"
    :class:`Verdict`), as in " Careful: 5 split seeds give its ± 4 degrees of freedom, so a 95% interval is
    ± 2.78 standard errors, not the verdict's two: more random splits (experiment --split-seed, once per split)."
    ``asked``: the verdict asked a one-sided 95% test itself (the fine-tuning claim's, a boost above:
    :func:`minitransfer.findings.boost_errors`, Student's t at 95%, :data:`T_95`), and the note says how many
    standard errors, where more than two: "..., so a 95% interval is ± 2.78 standard errors, and its verdict asks
    2.13 (one-sided 95%), not two: ..." """
    if any(group.draws < MIN_NETWORKS for group in groups):
        return ""
    measured = [group for group in groups if group.se == group.se]
    fewest = min((group.draws for group in measured), default=0)
    apart = len(measured) == 2 and not paired(*measured)
    degrees = welch_degrees(*measured) if apart else fewest - 1
    if degrees not in T_975:
        return ""
    few = [group for group in measured if group.draws == fewest]
    units = " and ".join(dict.fromkeys(f"{fewest} {draw_words(group.split, fewest)}" for group in few))
    if apart:  # both groups' draws, as the measured words join them: "3 + 5 replicates", "3 replicates + 5 split seeds"
        named = [draw_words(group.split, group.draws) for group in measured]
        units = (f"{measured[0].draws} + {measured[1].draws} {named[0]}" if named[0] == named[1] else
                 " + ".join(f"{group.draws} {name}" for group, name in zip(measured, named)))
    words = f"{degrees} degree{'s' * (degrees > 1)} of freedom{' (Welch-Satterthwaite)' * apart}"
    advised = said.advised if isinstance(said, Verdict) else ()  # a verdict without advice is plain text
    advice = _advice([group.split for group in few if group.split not in advised])
    interval = f"a 95% interval is ± {T_975[degrees]:.3g} standard errors, " + (
        f"and its verdict asks {T_95[degrees]:.3g} (one-sided 95%), not two" if asked and degrees in T_95 else
        "not the verdict's two")
    return f" Careful: {units} give its ± {words}, so {interval}{': ' * bool(advice)}{advice}."


def seed_spread_words(used, n, names, split):
    """What the specific claim's "seed spread" is, said where findings.md first uses it: the larger of the
    standard deviations of its two groups (``names``: the transfers', AnB or SnT, and the selffers', BnB or
    TnT) at ``n``, each network relative to its own base, across the networks of each group, one per split
    seed and target half (across datasets, per replicate). Where ``used`` (the networks measured) are of one
    split seed, it is the spread of its halves alone, not of seeds: said so."""
    seeds = sorted({r.run.split_seed for r in used})
    across = "replicates" if split == CROSS else "split seeds and target halves"
    one = ("" if len(seeds) != 1 else
           f"; here all are of {'replicate' if split == CROSS else 'split seed'} {seeds[0]}, so it is no spread across "
           f"{'replicates' if split == CROSS else 'seeds'}")
    return (f"Its seed spread is the larger standard deviation of the {names['AnB']} and of the {names['BnB']} at "
            f"n={n}, each network relative to its own base, across their {across}{one}")


def untold_boost(names, selffers_apart):
    """Why the fine-tuning finding's boost of AnB+ (``names``' AnB; SnT across datasets) over its base cannot be
    told from the longer training, which BnB+ (TnT+), trained as long, are the control for (§4.1, point 5): there
    are none among the runs, or (``selffers_apart``) there are, but at no n and base of the AnB+. So the paper's
    own runs read: their selffers AnA+ were trained on the other half than their AnB+, measured against the other
    base (which the paper's Table 1 pools), and a difference of two bases' luck is no control."""
    selffer, transfer = f"{names['BnB']}+", f"{names['AnB']}+"
    trains = f"experiment --fine-tuned, the default, trains {selffer} beside {transfer}"
    if selffers_apart:
        return (f"; its {selffer}, trained as long, share no n and base with its {transfer} (they were trained on "
                f"another target half, split seed or layer), so this boost cannot be told from the longer training "
                f"({trains}: on the same target half, at the same n)")
    return (f"; without {selffer}, trained as long on their own task, this boost cannot be told from the longer "
            f"training ({trains})")


def natural_halves(results):
    """Which half of the natural split of ``results`` is which family (:func:`minitransfer.run_facts.natural_families`:
    those their dataset records, ImageNet's natural and man-made, or a folder's families file's), said once in
    results.md and in the findings that cite the natural split: this tool, following the original code, has A
    the first family (ImageNet's natural half), while the paper's text (§2, §4.2) has A man-made and B natural,
    so that a reader of the paper read natural/A7B as man-made to natural. Only halves of the paper's families are
    set beside its text: a folder's own families (round / striped) are no half of ImageNet's, whose "AnB" its
    report's BnA was said to be, and halves natural and man-made the other way round (--family-a man-made) are
    named as the paper names them, its "AnB" this report's AnB. "" without natural-split runs."""
    if not any(r.run.split == "natural" for r in results):
        return ""
    first, second = natural_families(results)
    order = ("as the original code orders them" if (first, second) == PAPER_FAMILIES else
             "as this dataset records its families")
    said = f"On the natural split, half A is the {first} classes and half B the {second} ones ({order})"
    if (first, second) == PAPER_FAMILIES:
        return (f"{said}; the paper's text (§2, §4.2) names ImageNet's halves the other way round, A man-made and B "
                f"natural, so its Figure 3's \"AnB\" is this report's BnA and its \"BnA\" this report's AnB.")
    if (second, first) == PAPER_FAMILIES:
        return (f"{said}, as the paper's text (§2, §4.2) names ImageNet's halves: its Figure 3's \"AnB\" is this "
                f"report's AnB.")
    return f"{said}."


def halves_said(results, findings):
    """``findings`` with which half of the natural split is which (:func:`natural_halves`) said once, with the
    first that measured networks of that split (its claim's splits, :data:`_BASES_OF`), judged or not: findings.md
    and the terminal say it once, not with each finding that cites the split."""
    cites = [i for i, finding in enumerate(findings)
             if finding.networks and "natural" in _BASES_OF.get(finding.claim, ())]
    if not cites:
        return list(findings)
    first = findings[cites[0]]
    return [*findings[:cites[0]], dataclasses.replace(first, text=f"{first.text} {natural_halves(results)}"),
            *findings[cites[0] + 1:]]
