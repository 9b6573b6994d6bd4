"""The lines under Table 1 (:func:`minitransfer.report_tables.table1`; :mod:`minitransfer.report` writes
them): why a column shows – (:func:`table1_unmeasured`, :func:`table1_unpooled`, :func:`table1_without_own_base`,
:func:`table1_without_selffer`, :func:`table1_unevaluated`), which AnB+ its own-base and BnB+ columns leave out
(:func:`table1_own_base_partial`, :func:`table1_selffer_partial`), and where a pooled column compares networks
of other split seeds (:func:`table1_unpaired`), with bases no better than chance (:func:`table1_at_chance`) or
networks trained with other schedules (:func:`table1_schedules`).
"""

import math
import pathlib
import re

from minitransfer.comparisons import bases_of, built_bases
from minitransfer.experiment import CROSS, Run, some_names
from minitransfer.findings_caveats import chance_named
from minitransfer.grid_options import ALL_CLASSES
from minitransfer.grid_plan import options_of
from minitransfer.missing_bases import ELSEWHERE, MISSING, OTHER, UNMEASURED, base_without_accuracy, not_finished
from minitransfer.report_tables import (OWN_COLUMN, POOLED_COLUMN, SELFFER_COLUMN, TABLE_1_COLUMNS, Selffers,
                                        consecutive_spans, layer_list, paired_bases, selffer_boosts, table1_measured,
                                        table1_ranges)
from minitransfer.results import interchangeable_halves, means_by_n, select
from minitransfer.run_caveats import other_schedules
from minitransfer.run_facts import at_chance_kinds, bases_against_chance, cannot_be_told, not_judged_words
from minitransfer.run_labels import name_order


def table1_unmeasured(results, rows, unfinished=()):
    """Why Table 1 (``rows``, :func:`table1` of ``results``) measured no boost at all, in the words of
    the finding it shares its runs with (:func:`minitransfer.findings.fine_tuning`): no random-split
    AnB+ run with a control (where some of the ``unfinished`` runs are random-split AnB+ not finished
    yet, that, not the options that plan AnB+: a grid still training had them); and, for a folder of
    transfers across datasets alone (experiment --source-data), what measures those. ``unfinished``:
    each run's recorded treatment (:func:`minitransfer.results.recorded_runs`), or its name alone.
    "" where some boost is measured."""
    if table1_measured(rows):
        return ""
    random_split, tuned = select(results, "random"), select(results, "random", "AnB+")
    count = len(unfinished)
    hint = (f" finished yet: {count} run{'s are' if count > 1 else ' is'} not, named in results.md"
            if not tuned and any(map(_random_tuned_transfer, unfinished)) else
            ": experiment --split random" if not random_split else
            ": experiment --split random, without --no-fine-tuned" if not tuned else
            f": the {len(tuned)} AnB+ made no evaluation" if all(math.isnan(r.mean10_top1) for r in tuned) else "")
    across = any(r.run.split == CROSS for r in results) and not random_split
    return (f"Table 1: not measured (no random-split AnB+ runs with their bases{hint})"
            + ("; this folder's runs are transfers across datasets, which findings.md and figure_cross measure"
               if across else "") + ".")


def table1_unpooled(results, rows, bases=None):
    """Why Table 1's pooled column (``rows``, :func:`table1` of ``results``) shows – throughout where
    its other columns measure a boost, when the reason is not the halves' disagreeing: no random
    split has both its halves' bases with an accuracy (one half trained, a base missing or without an
    evaluation); "" otherwise. ``bases``: the :class:`minitransfer.comparisons.Bases` of ``results``."""
    if not table1_measured(rows) or any(not math.isnan(row["boost_over_pooled_base"]) for row in rows):
        return ""
    pairs = built_bases(results, bases).random_pairs()
    if any(not math.isnan(a) and not math.isnan(b) for a, b in pairs):
        return ""
    return ("The pooled column shows – throughout: no random split has both its halves' bases (baseA and baseB) "
            "with an accuracy, so whether they agree cannot be told.")


def table1_without_selffer(results, rows, demo=False, bases=None, selffers=None):
    """Why Table 1's BnB+ column (``rows``, :func:`table1` of ``results``) shows – at a range of layers whose
    other columns measure a boost: no BnB+ with an accuracy at the n of its AnB+ (of its target half, where the
    halves are not interchangeable: :class:`minitransfer.report_tables.Selffers`; those of another half said
    so; the demo on a CPU trains none, said where the runs are a ``demo``'s: :func:`demo_planned`; a grid run with
    --no-fine-tuned, or not finished), those it has named by their layers. Before, the column, the paper's second,
    was – without a word. "" otherwise. ``selffers``: the :class:`minitransfer.report_tables.Selffers` of
    ``results`` (built where None)."""
    boosts = TABLE_1_COLUMNS[1:3]  # the own-base and pooled columns
    spans = [row["layers"] for row in rows if math.isnan(row["boost_over_BnB+"])
             and any(not math.isnan(row[column]) for column in boosts)]
    if not spans:
        return ""
    selffers = Selffers(results, bases) if selffers is None else selffers
    trained = sorted({n for n, _ in selffers})
    have = f"BnB+ at layers {layer_list(trained)} alone" if trained else "no BnB+ with an accuracy"
    tuned = [n for n, value in means_by_n(results, treatment="AnB+").items() if not math.isnan(value)]
    paired = [n for n, value in selffer_boosts(results, bases, selffers).items() if not math.isnan(value)]
    apart = sorted(set(trained) & set(tuned) - set(paired))  # AnB+ and BnB+ of that n, of no common target half
    where = "" if apart == trained else f" at layers {layer_list(apart)}"
    halves = (f",{where} of another target half than the AnB+ there, scored on other classes" if apart else "")
    own_half = " and target half" * (not selffers.pooled)  # pooled where interchangeable
    return (f'The column "{SELFFER_COLUMN}" shows – {_where(spans, rows)}: it compares each AnB+ with the BnB+ of '
            f"the same n{own_half}, and the runs hold {have}{halves} (experiment plans BnB+ on the random split "
            f"unless --no-fine-tuned{'; the demo on a CPU trains none' if demo else ''}).")


def table1_selffer_partial(results, rows, bases=None, selffers=None):
    """Which AnB+ Table 1's BnB+ column (``rows``, :func:`table1` of ``results``) leaves out where it shows a
    boost: those without a BnB+ with an accuracy at their n (of their target half, where the halves are not
    interchangeable: :class:`minitransfer.report_tables.Selffers`), named with the BnB+ they lack. A grid
    partly trained, halves apart, AnB+ of both halves at n and BnB+ of one: the column was that half's boost
    alone, beside an own-base column of both halves, without a word. "" where it leaves none out. ``selffers``:
    the :class:`minitransfer.report_tables.Selffers` of ``results`` (built where None)."""
    selffers = Selffers(results, bases) if selffers is None else selffers
    pooled = selffers.pooled
    spans, left = [], {}  # {name: (n, target half)} of the AnB+ left out
    for row, (first, last) in zip(rows, table1_ranges(results)):
        if math.isnan(row["boost_over_BnB+"]):
            continue  # table1_without_selffer says why
        out = {r.run.name: (r.run.n, r.run.target) for r in select(results, "random", "AnB+")
               if first <= r.run.n <= last and not math.isnan(r.mean10_top1)
               and not selffers.paired(r.run.n, r.run.target)}
        spans += [row["layers"]] if out else []
        left.update(out)
    if not spans:
        return ""
    which = ", ".join(f"n = {n}" + f" of half {half}" * (not pooled) for n, half in sorted(
        {(n, None if pooled else half) for n, half in left.values()}, key=lambda pair: (pair[0], pair[1] or "")))
    return (f'The column "{SELFFER_COLUMN}" averages only the AnB+ runs with a BnB+ of the same n'
            f"{' and target half' * (not pooled)} {_where(spans, rows)}: {_some_names(left)} "
            f"{'is' if len(left) == 1 else 'are'} left out of it (no BnB+ with an accuracy at {which}).")


def demo_planned(grids):
    """Whether the runs of the folder reported are a demo's: the plan of the grid it is or lies in (the first of
    ``grids``, :func:`minitransfer.report_plan.grids_of`, whose names it shows as they are), or where it lies in
    none, that of a grid gathered below it (:func:`minitransfer.report_pooled.gathered_grids`: several machines'
    demos copied into one folder), records options on all classes, as every demo's does and no experiment's (how
    :mod:`minitransfer.demo_folder` tells a demo's folder). ``grids``: their plans as the report read them once."""
    own = [grid for grid in grids if not grid.shown]
    return any(ALL_CLASSES in (options_of(grid.plan) or {}) for grid in own or grids)


# Why an own base of Table 1's AnB+ runs has no accuracy, in the note's words (missing_bases.base_without_accuracy)
_BASE_LACKING = {MISSING: "not among the runs",
                 ELSEWHERE: "not in their folders, while other folders hold a base of their target (which is "
                            "theirs cannot be told)",
                 UNMEASURED: "no accuracy, no evaluation made",
                 OTHER: "not the base the AnB+ there copied from (trained from another, copied beside it)"}


def table1_without_own_base(results, rows, bases=None, unfinished=None):
    """Why Table 1's own-base column (``rows``, :func:`table1` of ``results``) shows –
    at a range of layers with AnB+ runs, when the table measures some boost (else
    :func:`table1_unmeasured` says why): the base of the AnB+ there, of their own target, is not among
    the runs, not finished (one of ``unfinished``, {name: its state}: "not finished (resumable at iteration
    40)"; before, "not among the runs" in the report that listed it as not finished), not in their folder while
    others hold one, or has no accuracy (:func:`minitransfer.missing_bases.base_without_accuracy`, as results.md
    says it); those bases named (the first few), as results.md names each run measured against them. ""
    otherwise. ``bases``: the :class:`minitransfer.comparisons.Bases` of ``results``."""
    spans, lacking = _own_bases_lacking(results, rows, bases, unfinished, throughout=True)
    if not spans:
        return ""
    return (f'The column "{OWN_COLUMN}" shows – {_where(spans, rows)}: no base of the AnB+ runs\' own target has an '
            f"accuracy ({_lacking_words(lacking)}){_NAMED_ELSEWHERE}")


def table1_own_base_partial(results, rows, bases=None, unfinished=None):
    """Which AnB+ Table 1's own-base column (``rows``, :func:`table1` of ``results``)
    leaves out where it shows a boost: those whose own target's base is not among the runs, not finished (one
    of ``unfinished``, as :func:`table1_without_own_base` says it), not in
    their folder while others hold one, or has no accuracy, by split seed, their bases named
    (:func:`minitransfer.missing_bases.base_without_accuracy`); the column averaged the others
    silently, while the pooled column averages every AnB+ (the BnB+ column names those it leaves out:
    :func:`table1_selffer_partial`). "" where it leaves none out.
    ``bases``: the :class:`minitransfer.comparisons.Bases` of ``results``."""
    spans, lacking = _own_bases_lacking(results, rows, bases, unfinished, throughout=False)
    if not spans:
        return ""
    seeds = {r.run.split_seed for names in lacking.values() for r in names.values()}
    return (f'The column "{OWN_COLUMN}" averages only the AnB+ runs whose own target\'s base has an accuracy '
            f"{_where(spans, rows)}: those of {_seed_list(seeds)} are left out of it ({_lacking_words(lacking)}), "
            f"while the pooled column averages every AnB+{_NAMED_ELSEWHERE}")


_NAMED_ELSEWHERE = "; results.md and findings.md name the runs left out of it."


def _own_bases_lacking(results, rows, bases, unfinished, throughout):
    """(the layers of the rows, {why, in the note's words: {base name: an AnB+ measured against it}}) of the
    rows of Table 1 (``rows``, over :func:`minitransfer.report_tables.table1_ranges`) with evaluated AnB+ runs
    whose own base has no accuracy: where the own-base column shows – (``throughout``: every one of those AnB+
    lacks it), or a boost (some do); nothing where the table measures no boost. A base not among the results but
    among the ``unfinished`` runs ({name: state}) is said not finished, in its state's words
    (:func:`minitransfer.missing_bases.not_finished`), as results.md says it."""
    spans, lacking, unfinished = [], {words: {} for words in _BASE_LACKING.values()}, unfinished or {}
    if not table1_measured(rows):
        return spans, lacking
    bases = built_bases(results, bases)
    for row, (first, last) in zip(rows, table1_ranges(results)):
        if not row["layers_with_runs"] or math.isnan(row["boost_over_own_base"]) != throughout:
            continue
        tuned = [r for r in select(results, "random", "AnB+") if first <= r.run.n <= last
                 and not math.isnan(r.mean10_top1) and math.isnan(bases.accuracy(r))]
        spans += [row["layers"]] if tuned else []
        for r in tuned:
            names, why, _ = base_without_accuracy(r, bases)
            words = (not_finished(unfinished[names[0]]) if why == MISSING and names[0] in unfinished
                     else _BASE_LACKING[why])
            lacking.setdefault(words, {}).update(dict.fromkeys(names, r))
    return spans, lacking


def _where(spans, rows):
    """"throughout" where ``spans`` are every row of Table 1 with AnB+ runs, else "for layers " and the rows'
    layers as the table names them ("1 to 7 and 3 to 7"; of a 4-layer network "1 to 4 and 3 and 4")."""
    every = sum(bool(row["layers_with_runs"]) for row in rows)
    return "throughout" if len(spans) == every else f"for layers {' and '.join(spans)}"


def _lacking_words(lacking):
    """"random0/baseB: not among the runs; ...": the bases lacking, named by why (:data:`_BASE_LACKING`, then
    "not finished (STATE)" of each state)."""
    return "; ".join(f"{_some_names(names)}: {words}" for words, names in lacking.items() if names)


def table1_unevaluated(results, rows):
    """Why a row of Table 1 (``rows``, :func:`table1` of ``results``) shows – in every
    column while it has AnB+ runs, when the table measures some boost elsewhere (else
    :func:`table1_unmeasured` says why): none of its AnB+ made an evaluation, those named (the
    first few) in the words of an own base without one (:data:`_BASE_LACKING`). "" otherwise."""
    if not table1_measured(rows):
        return ""
    spans, names = [], set()
    for row, (first, last) in zip(rows, table1_ranges(results)):
        tuned = [r for r in select(results, "random", "AnB+") if first <= r.run.n <= last]
        if tuned and all(math.isnan(r.mean10_top1) for r in tuned):
            spans.append(row["layers"])
            names.update(r.run.name for r in tuned)
    if not spans:
        return ""
    several = len(spans) > 1
    return (f"The row{'s' * several} for layers {' and '.join(spans)} show{'' if several else 's'} – throughout: "
            f"{'their' if several else 'its'} AnB+ runs ({_some_names(names)}: {_BASE_LACKING[UNMEASURED]}) are in "
            f"none of {'their' if several else 'its'} columns; results.md names them.")


def _some_names(names, shown=5):
    """The first ``shown`` of ``names`` by name, and how many more."""
    return some_names(sorted(names, key=name_order), shown)


# an AnB+ or BnA+ as experiment names it (random0/A3B+) or a folder trained by hand may (A3B+/net), and the
# folders of the natural split's replicates (natural, natural-1): its halves are A and B too
_TUNED_TRANSFER, _NATURAL_FOLDER = re.compile(r"([AB])[0-9]+([AB])\+"), re.compile(r"natural(-[0-9]+)?")


def _random_tuned_transfer(run):
    """Whether ``run`` (one not finished) is a random split's AnB+: by its recorded treatment (a
    :class:`minitransfer.experiment.Run`), whatever its folder is called; a run known by its name
    alone, by the grid's naming: a part of it A3B+ or B3A+, none a folder of the natural split."""
    if isinstance(run, Run):
        return run.split == "random" and run.treatment == "AnB+"
    parts = pathlib.PurePosixPath(run).parts
    return (any(match and match[1] != match[2] for match in map(_TUNED_TRANSFER.fullmatch, parts))
            and not any(map(_NATURAL_FOLDER.fullmatch, parts)))


def table1_at_chance(results, facts=None, bases=None):
    """The line under Table 1 naming the random-split bases no better than chance, or that cannot be judged
    against it (:func:`minitransfer.run_facts.bases_against_chance`), that the table compares with
    (:func:`_tabled_bases`), or "" where there are none: findings.md does not judge the claims of networks
    that copy from or are measured against them, and the table showed their boosts without a word.
    ``facts``: the datasets already read; ``bases``: the :class:`minitransfer.comparisons.Bases` of
    ``results``."""
    tabled = _tabled_bases(results, built_bases(results, bases))
    at_chance, not_judged = ([found for found in kind if found[0].run.name in tabled]
                             for kind in bases_against_chance(results, facts))
    nothing, untold, counts = at_chance_kinds(at_chance)
    said = []
    if nothing:
        said.append(f"bases no better than chance ({chance_named(nothing)}): they learned nothing, so the boosts "
                    f"tell nothing of features")
    if untold:
        said.append(f"bases {cannot_be_told(counts)} ({chance_named(untold)}): they may have learned nothing")
    if not_judged:
        said.append(f"bases not judged against chance ({'; '.join(not_judged_words(not_judged, chance_named))}), "
                    f"whose validation images cannot be known now: they may have learned nothing")
    if not said:
        return ""
    return (f"Careful: these boosts are of networks that copy their layers from, or are measured against, "
            f"{'; and '.join(said)} (findings.md does not judge them; its runs to read with care list every base).")


def _tabled_bases(results, bases):
    """The names of the bases Table 1 (:func:`table1`) compares with: of the AnB+ it tables (their
    own, and those they copied from), of the BnB+ it compares those with (their parents), and,
    where it pools them, every random split's."""
    ranges = table1_ranges(results)
    tuned = [r for r in select(results, "random", "AnB+")
             if not math.isnan(r.mean10_top1) and any(first <= r.run.n <= last for first, last in ranges)]
    selffers = [r for r in select(results, "random", "BnB+")
                if not math.isnan(r.mean10_top1) and r.run.n in {t.run.n for t in tuned}]
    pooled = paired_bases(results, bases) if interchangeable_halves(results, bases) else []
    return bases_of(results, tuned + selffers, bases) | {r.run.name for r in pooled}


def table1_schedules(results, rows):
    """The lines under Table 1 (``rows``, :func:`table1` of ``results``) naming the schedules its random-split
    runs were trained with, where they are several, in the words of findings.md's caveat
    (:func:`minitransfer.run_caveats.other_schedules`): the table averaged a 30-iteration AnB+ against a
    60-iteration base without a word. Not refused: reduced-data runs shorten the schedule within a grid by
    design. [] where the table measures nothing or one schedule trained them all."""
    return other_schedules(select(results, "random")) if table1_measured(rows) else []


def table1_unpaired(results, columns=None, bases=None):
    """A line for each pooled column of Table 1 (:func:`table1`) that compares AnB+ at some n with
    controls of other random split seeds: a grid partly trained (AnB+ finished on easy splits, BnB+
    on hard ones) shows a boost no split has. The numbers stay the paper's definition; the line
    names the column and the seeds of each side, and the seeds whose base the pooled column leaves out, its other
    half's without an accuracy (:func:`minitransfer.report_tables.paired_bases`). None for a grid with every
    network of every seed.
    ``columns``: the headings of the pooled and the BnB+ columns, and the own-base column's ("" for
    a table without one, as the paper's runs' columns of ``--reference``); ``bases``: the
    :class:`minitransfer.comparisons.Bases` of ``results`` (built now where None)."""
    pooled_column, selffer_column, own_column = columns or (POOLED_COLUMN, SELFFER_COLUMN, OWN_COLUMN)
    tuned, selffer, base_seeds = (_seeds_by_n(results, treatment) for treatment in ("AnB+", "BnB+", "baseB"))
    ranges = table1_ranges(results)  # once, not once an n
    shown = [n for n in tuned if any(first <= n <= last for first, last in ranges)]
    controls = [(selffer_column, "BnB+", selffer, "")]
    if interchangeable_halves(results, bases):
        every_base = {r.run.split_seed for r in paired_bases(results, bases)}  # a seed's lone base is not pooled
        lone = set().union(*base_seeds.values()) - every_base
        why = (f"; the base{'s' * (len(lone) > 1)} of {_seed_list(lone)} without {'their' if len(lone) > 1 else 'its'}"
               f" other half's with an accuracy {'are' if len(lone) > 1 else 'is'} not pooled (whether the halves "
               f"agree cannot be told there)") if lone else ""
        controls.insert(0, (pooled_column, "baseA and baseB", {n: every_base for n in shown}, why))
    lines = []
    for column, name, seeds, why in controls:
        compared = [n for n in shown if n in seeds]
        unpaired = {}
        for n in compared:
            if tuned[n] != seeds[n]:
                unpaired.setdefault((_seed_list(tuned[n]), _seed_list(seeds[n])), []).append(n)
        sides = [f"AnB+ of {mine} with {name} of {theirs}"
                 + ("" if ns == compared else f" at n = {', '.join(map(str, ns))}")
                 for (mine, theirs), ns in unpaired.items()]
        if sides:
            own = f"; the column \"{own_column}\" pairs each network with its own split's base" if own_column else ""
            lines.append(f"Table 1's column \"{column}\" compares {', and '.join(sides)} (averaged over all runs, "
                         f"as the paper defines it, not split by split){why}{own}")
    return lines


def _seeds_by_n(results, treatment):
    """{n: the random split seeds of ``treatment``'s networks with an accuracy at n}."""
    seeds = {}
    for r in select(results, "random", treatment):
        if not math.isnan(r.mean10_top1):
            seeds.setdefault(r.run.n, set()).add(r.run.split_seed)
    return seeds


def _seed_list(seeds):
    """"split seed 3", "split seeds 0-3, 7": consecutive seeds as a range (a grid of a hundred splits)."""
    text = ", ".join(str(first) if first == last else f"{first}{'-' if last > first + 1 else ', '}{last}"
                     for first, last in consecutive_spans(seeds))
    return f"split seed{'s' if len(seeds) > 1 else ''} {text}"
