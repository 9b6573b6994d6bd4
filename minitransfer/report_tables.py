"""Table 1 of the paper and the report's markdown tables (:mod:`minitransfer.report` writes them):
the boosts of AnB+ over its controls by range of layers (:func:`table1`, :func:`table1_markdown`), the
treatments results.md pools (:func:`result_rows`, :func:`pooled_names`; halves of unequal size said where
they are pooled, :func:`pooled_halves_note`), and the layers in words a
spreadsheet reads as text (:func:`layer_list`). The lines under Table 1, why a column shows – and what
it compares, are :mod:`minitransfer.report_table1_notes`'s.
"""

import hashlib
import json
import math
import os

from minitransfer import __version__
from minitransfer import models
from minitransfer.comparisons import INTERCHANGEABLE, built_bases
from minitransfer.data import inputs
from minitransfer.experiment import CROSS, HALVES
from minitransfer.findings_groups import POINTS
from minitransfer.findings_figures import signed
from minitransfer.results import interchangeable_halves, mean, means_by_n, relative_by_n, select
from minitransfer.run_file_readers import file_bytes
from minitransfer.run_labels import label_pattern, shown_treatment
from minitransfer.treatments import KINDS

TABLE_1_RANGES = ((1, 7), (3, 7), (5, 7))


def table1(results, ranges=TABLE_1_RANGES, bases=None, selffers=None):
    """Rows of Table 1: for each range of n, the mean boost of AnB+ over the base of its own target
    (like with like), over baseA and baseB pooled as the paper pooled them (NaN unless the halves are
    interchangeable: :func:`minitransfer.comparisons.interchangeable_halves`), and over the selffer BnB+
    at the same n, of its own target half where the halves are not interchangeable
    (:func:`_over_selffers`); and the layers that had AnB+ runs. Each boost is the mean over the AnB+
    networks of the range, every network counted once, as the paper's Table 1 averages them: on the paper's
    own runs (--reference paper) that gives its printed 1.6, 1.8, 2.1 and 1.4, 1.4, 1.7 to the digit, where
    the mean of each n's mean gave 1.7, 1.9, 2.1 and 1.6, 1.5, 1.8 (split 1's AnB+ ran at n 2 to 4 alone).
    ``bases``: the :class:`minitransfer.comparisons.Bases` of ``results`` (built now where None); ``selffers``,
    their :class:`Selffers` (likewise). A range ending at
    CaffeNet's top copyable layer, 7, ends at that of the runs' network where it is a registered preset
    (4 copyable layers: "1 to 4", "3 and 4", "5 to 7: none in this network (n is 1 to 4)"; 9: "1 to 9",
    "3 to 9", "5 to 9"), as the paper's ranges are as they are otherwise: "1 to 7" named a network
    without layer 5, and left out the n 8 and 9 of a deeper one."""
    bases = built_bases(results, bases)
    selffers = Selffers(results, bases) if selffers is None else selffers  # its pooling: the pooled column's too
    own = relative_by_n(results, treatment="AnB+", bases=bases)
    pooled = mean([r.mean10_top1 for r in paired_bases(results, bases)]) if selffers.pooled else math.nan
    tuned = {n: [r.mean10_top1 for r in select(results, "random", "AnB+") if r.run.n == n]
             for n in means_by_n(results, treatment="AnB+")}
    rows = []
    for (first, last), (_, paper_last) in zip(table1_ranges(results, ranges), ranges):
        layers = [n for n in tuned if first <= n <= last]
        named = layer_list(range(first, last + 1)) if first <= last else \
            f"{layer_list(range(first, paper_last + 1))}: none in this network (n is {layer_list(range(1, last + 1))})"
        rows.append({"layers": named,
                     "boost_over_own_base": mean([value for n in layers for value in own.get(n, ())]),
                     "boost_over_pooled_base": mean([value - pooled for n in layers for value in tuned[n]]),
                     "boost_over_BnB+": _over_selffers(results, layers, selffers),
                     "layers_with_runs": layer_list(layers)})
    return rows


def _over_selffers(results, layers, selffers):
    """Table 1's BnB+ column for the n ``layers``: each AnB+ at those n that has BnB+ of its target half (pooled:
    both, as one, :class:`Selffers`) at its n, less the mean of every such BnB+ at the n those AnB+ are at, averaged
    over the AnB+ networks; with the halves pooled, the mean of the AnB+ less the mean of the BnB+ of the range, as
    the paper's. NaN where no AnB+ has one."""
    differences = []
    for half in selffers.halves():
        transfers = [r for r in select(results, "random", "AnB+", half) if not math.isnan(r.mean10_top1)]
        paired = {r.run.n for r in transfers if r.run.n in layers and (r.run.n, half) in selffers}
        selffer = mean([r.mean10_top1 for r in select(results, "random", "BnB+", half) if r.run.n in paired])
        differences += [r.mean10_top1 - selffer for r in transfers if r.run.n in paired]
    return mean(differences)


def paired_bases(results, bases=None):
    """The random splits' bases Table 1's pooled column averages (:meth:`minitransfer.comparisons.Bases.pooled_bases`:
    each with an accuracy, beside the base of its split's other half with one, paired as whether the halves may be
    pooled at all was checked, :meth:`minitransfer.comparisons.Bases.random_pair_keys`). The paper's pooled base is
    both halves' bases of each split, pooled where they agree within 2 points; a split whose other base is missing
    or not finished cannot be checked, and its lone base counted in it before (a grid partly trained pooled a seed's
    baseA alone)."""
    return built_bases(results, bases).pooled_bases()


class Selffers(dict):
    """{(n, target half): the mean accuracy of the BnB+ at n of that half}, those with an accuracy, of ``results``:
    what Table 1's BnB+ column compares the AnB+ at n of that half with, the one pairing of the column
    (:func:`selffer_boosts`) and of the lines under it saying what it lacks
    (:func:`minitransfer.report_table1_notes.table1_without_selffer`, ``table1_selffer_partial``), which each
    made their own. Where a random split's halves are interchangeable (``pooled``:
    :func:`minitransfer.comparisons.interchangeable_halves`, their bases agree) the half is None: every BnB+ at
    n, halves pooled, the paper's definition (its own selffers, AnA+, are of the other half than its AnB+); else
    each half's own (each half's networks scored on its own classes): AnB+ of half B less BnB+ of half A (AnA+, a
    grid partly trained) measured the halves' difficulty, not the fine-tuning. ``bases``: the
    :class:`minitransfer.comparisons.Bases` of ``results``."""

    def __init__(self, results, bases=None):
        self.pooled = interchangeable_halves(results, bases)
        super().__init__({(n, half): value for half in self.halves()
                          for n, value in means_by_n(results, treatment="BnB+", target=half).items()
                          if not math.isnan(value)})

    def halves(self):
        """The target halves the pairs are of: (None,) pooled, else each half."""
        return (None,) if self.pooled else HALVES

    def paired(self, n, target):
        """Whether an AnB+ at ``n`` of the ``target`` half has a BnB+ with an accuracy to be compared with."""
        return (n, None if self.pooled else target) in self


def selffer_boosts(results, bases=None, selffers=None):
    """{n: the boost of AnB+ over BnB+ at n} of Table 1's BnB+ column: at each target half (pooled: both, as
    one) that has both, its AnB+'s mean less its BnB+'s (:class:`Selffers`, built where ``selffers`` is None),
    averaged over those halves; an n whose AnB+ and BnB+ share no half has none. Where every half has both in
    equal numbers, pooled or apart are one."""
    selffers = Selffers(results, bases) if selffers is None else selffers
    boosts = {}
    for half in selffers.halves():
        for n, tuned in means_by_n(results, treatment="AnB+", target=half).items():
            if (n, half) in selffers:
                boosts.setdefault(n, []).append(tuned - selffers[n, half])
    return {n: mean(differences) for n, differences in sorted(boosts.items())}


def table1_ranges(results, ranges=TABLE_1_RANGES):
    """``ranges`` of n as Table 1's rows (:func:`table1`) are for ``results``: one ending at CaffeNet's top
    copyable layer, 7, ends at that of the runs' network where it is a registered preset (so a range may
    end below its start: none of its layers in that network); the notes under the table speak of these."""
    top = _top_copyable(results)
    return [(first, top if top is not None and last == TABLE_1_RANGES[0][1] else last) for first, last in ranges]


def _top_copyable(results):
    """The copyable layers of the one preset ``results`` were trained with, one of one's own too
    (:func:`minitransfer.models.known_preset`: known here once its registering code, noted in the environment,
    has run); None where they name none, several, or one not known here."""
    presets = {r.preset for r in results if r.preset}
    preset = models.known_preset(presets.pop()) if len(presets) == 1 else None
    return preset.copyable if preset is not None else None


def table1_measured(rows):
    """Whether Table 1 (``rows``, :func:`table1`) measured some boost."""
    boosts = TABLE_1_COLUMNS[1:4]  # the boosts, between the layers and the layers with runs
    return any(not math.isnan(row[column]) for row in rows for column in boosts)


def result_rows(results):
    """The rows of results.csv and results.md (:meth:`minitransfer.comparisons.Result.row`), each run's
    treatment as :func:`minitransfer.run_labels.shown_treatment` says it."""
    return [dict(r.row(), treatment=shown_treatment(r.run)) for r in results]


# what results.md's run and label columns are: a run named B3B trained with --half A is the network B3A
NAMES_AND_LABELS = ("The run column is the name each run was given; the label column is what its network is, its "
                    "treatment as its records say (the half it trained on, the layers it copied and from which base), "
                    "whatever it was named")
OWN_TREATMENTS = f"{NAMES_AND_LABELS}; the treatment column is its label, n written as n: none of these runs is pooled."


def pooled_names(results):
    """What results.md's treatment column is beside its label column, where they differ: on a random
    split the paper's pooled treatment (its footnote 3, and Figure 2's caption for the bases), which shows a run
    of baseA as baseB, B3A as AnB,
    and a cross-dataset grid's baseT as baseB and S3T as AnB; "" where every run's treatment is its
    label's (n written as n: :func:`minitransfer.run_labels.label_pattern`), as on the natural split and
    on every class (:func:`minitransfer.run_labels.shown_treatment`), said so (:data:`OWN_TREATMENTS`): the
    column's meaning is said in every results.md (a report of another version's pooled natural runs too)."""
    pooled, tuned = {}, False
    for r in results:
        own, treatment = label_pattern(r.run).rstrip("+"), shown_treatment(r.run).rstrip("+")
        if own != treatment:  # in the order a reader meets them: this split's, then across datasets, baseS last
            pooled[own] = (r.run.split == CROSS, treatment == "source", KINDS.index(r.run.kind), own, treatment)
            tuned = tuned or r.run.fine_tuned
    if not pooled:
        return OWN_TREATMENTS if results else ""
    said = {False: [], True: []}
    for across, _, _, own, treatment in sorted(pooled.values()):
        said[across].append(f"{own} counts as {treatment}" if treatment != "source" else
                            f'{own}, the source base (trained and scored on {_source_classes(results)}), is '
                            f'"{treatment}"')
    here = "; ".join(filter(None, [", ".join(said[False]), "across datasets, " * bool(said[True])
                                   + ", ".join(said[True])]))
    return (f"{NAMES_AND_LABELS}; the treatment column is, for a random A/B split, the paper's "
            "pooled treatment (its footnote 3: AnA counts as BnB, BnA as AnB; Figure 2's caption: baseA as baseB, "
            "eight bases of four splits), as Figure 2 pools them, and for a transfer across datasets as its figure "
            "pools them; a natural-split or every-class run's "
            f"treatment is its own label (n written as n). Here {here}"
            + ("; a fine-tuned run (+) likewise." if tuned else "."))


def _source_classes(results):
    """The classes the source bases among ``results`` trained on, as their result.json recorded those scored:
    "5 classes of the other dataset" (a base of one half of it saw those only, not every class of it), "the
    other dataset" where none recorded them."""
    counts = sorted({r.scored_on[1] for r in results if shown_treatment(r.run) == "source" and len(r.scored_on) > 1})
    if not counts:
        return "the other dataset"
    return f"{' or '.join(map(str, counts))} class{'' if counts == [1] else 'es'} of the other dataset"


# A random split of an odd number of classes gives half A the floor of half of them, B the rest (7: 3 and 4):
# raw accuracies pooled across its halves (results.md's treatment column, Figure 2's top panel, Table 1's pooled
# column) are then not like for like, a 3-way choice pooled with a 4-way one; said where they are pooled
RANDOM_RULE = "A gets the floor of half the classes, B the rest"


def _pooled_classes(results):
    """{half: the numbers of classes its random-split networks were scored on} (as their result.json
    records them, :attr:`minitransfer.comparisons.Result.scored_on`), where the halves' differ; {} where
    they do not, or cannot be told."""
    counts = {half: sorted({r.scored_on[1] for r in results
                            if r.run.split == "random" and r.run.target == half and r.scored_on})
              for half in HALVES}
    if not all(counts.values()) or len(set(counts["A"]) | set(counts["B"])) < 2:
        return {}
    return counts


def _listed(numbers):
    return " or ".join(map(str, numbers))


def pooled_halves_note(results):
    """What results.md and table1.md say where the random split's halves of ``results`` hold different
    numbers of classes; "" where they do not."""
    counts = _pooled_classes(results)
    if not counts:
        return ""
    return (f"The random split's half A holds {_listed(counts['A'])} classes and half B {_listed(counts['B'])} "
            f"({RANDOM_RULE}): raw accuracies pooled across the halves (results.md's treatment column, where "
            f"baseA counts as baseB; Figure 2's top panel; Table 1's pooled column, where it shows numbers) are not "
            f"like for like; numbers relative to a base are each against the base of the network's own target.")


def with_pooled_halves(pooled, results):
    """results.md's paragraph ``pooled`` (:func:`pooled_names`, where baseA counts as
    baseB) with :func:`pooled_halves_note` after it."""
    return " ".join(filter(None, [pooled, pooled_halves_note(results)]))


def pooled_label(results, bases=None):
    """Figure 2's legend of the pooled bases: " (A and B pooled)", with the halves' classes where they
    differ: " (A and B pooled: 4 and 5 classes)", and how far apart their bases are where that is more than
    pooling allows (:func:`halves_apart`): " (A and B pooled; their bases up to 23.1 points apart)"."""
    counts, apart = _pooled_classes(results), halves_apart(results, bases)
    said = f": {_listed(counts['A'])} and {_listed(counts['B'])} classes" if counts else ""
    return f" (A and B pooled{said}" + (f"; their bases up to {POINTS * apart:.1f} points apart)" if apart else ")")


def halves_apart(results, bases=None):
    """How far apart (a fraction) a random split's baseA and baseB of ``results`` are at most, where some split's
    are further apart than :data:`minitransfer.comparisons.INTERCHANGEABLE`, which Table 1 pools; 0.0 where none is
    (or no split has both). ``bases``: the :class:`minitransfer.comparisons.Bases` of ``results``."""
    gaps = [abs(a - b) for a, b in built_bases(results, bases).random_pairs() if not math.isnan(a - b)]
    return max(gaps) if gaps and max(gaps) > INTERCHANGEABLE + 1e-9 else 0.0


def halves_apart_note(results, bases=None):
    """What results.md says under its pooled treatments where a random split's halves' bases are further apart
    than pooling allows (:func:`halves_apart`): its treatment column and Figure 2's top panel pool them still, as
    the paper's, while Table 1's pooled column does not and every comparison takes each network's own base; the
    column said "baseA counts as baseB" of bases 23 points apart, and Figure 2 drew them as one mean, without a
    word. "" otherwise."""
    apart = halves_apart(results, bases)
    if not apart:
        return ""
    return (f"The random split's baseA and baseB are up to {POINTS * apart:.1f} points apart here, more than the "
            f"{POINTS * INTERCHANGEABLE:.0f} within which pooling them is fair: the treatment column and Figure 2's "
            f"top panel pool them still, as the paper's Figure 2 does, but Table 1's pooled column shows – and every "
            f"comparison with a base (Table 1's other columns, findings.md, Figure 2's lower panel) takes each "
            f"network's own.")


def layer_list(ns):
    """Layers in words, as table1.csv and table1.md give them: "1 to 7", "3 and 5", "1 to 3, 5 and 7"
    (consecutive ones as a range), "" for none. Never "1-7" nor "3,5": a spreadsheet importing
    table1.csv read "1-7" as the 1st of July and "3,5" (in a locale with a decimal comma) as 3.5."""
    words = []
    for first, last in consecutive_spans(ns):
        words += [f"{first} to {last}"] if last > first + 1 else sorted({str(first), str(last)}, key=int)
    return " and ".join(words) if len(words) < 3 else f"{', '.join(words[:-1])} and {words[-1]}"


def consecutive_spans(numbers):
    """[first, last] of each run of consecutive ``numbers``, ascending: 0, 1, 2, 5 -> [0, 2], [5, 5]."""
    spans = []
    for number in sorted(numbers):
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return spans


def _format(value):
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4f}"
    return str(value)


def markdown_table(rows, columns):
    """The rows as a markdown table, one line each: a "|" in a run's name escaped, as its line
    breaks and tabs are (:func:`minitransfer.data.inputs.display_name`)."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    cells = ([inputs.display_name(_format(row[key])).replace("|", "\\|") or "–" for key in columns] for row in rows)
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines) + "\n"


def made_from(results, runs_dir):
    """results.md's closing section: which minitransfer wrote the report, of the runs under which folder
    (absolute), and a line for each run with its result.json's sha256 and the weights file's sha256 it
    records: a run trained again, or a result.json edited, since the report was made has others, so its
    figures can be traced back to the very results they show. A list, not a table: results.md's one table
    is its results'."""
    lines = []
    for result in results:
        path = os.path.join(os.path.abspath(runs_dir), f"{result.run.name}.run", "result.json")
        try:
            text = file_bytes(path)  # as collect read it, inside the report's reads_shared: not read again
            recorded = json.loads(text)
        except (OSError, ValueError):  # gone or changed since collect read it: said as such, not hidden
            text, recorded = None, {}
        weights = recorded.get("weights") if isinstance(recorded, dict) else None
        sha256 = weights.get("sha256") if isinstance(weights, dict) else None
        digest = hashlib.sha256(text).hexdigest() if text is not None else "unreadable now"
        lines.append(f"- {inputs.path_text(result.run.name)}: result.json sha256 {digest}, weights sha256 "
                     f"{sha256 or 'not recorded'}")
    said = (f"This report was written by minitransfer {__version__} from the runs under "
            f"{inputs.path_text(os.path.abspath(runs_dir))}: each run's result.json by its sha256, and the sha256 of "
            f"the weights file it records (a run trained again since has others).")
    return ["", "## Made from", "", said, "", *lines]


def _points(value):
    """A boost (a difference of accuracies, fractions) in percentage points, as findings.md gives differences and
    the paper's Table 1 its boosts (which it writes "%": its 1.6% is 1.6 points of top-1 accuracy): "+1.6"; "+0.0"
    for one that rounds to zero, as findings.md writes it (:func:`minitransfer.findings_figures.signed`), never "-0.0",
    which read as a loss beside findings.md's +0.0 of the same boost."""
    return "–" if math.isnan(value) else signed(POINTS * value)


TABLE_1_COLUMNS = ("layers", "boost_over_own_base", "boost_over_pooled_base", "boost_over_BnB+", "layers_with_runs")
# table1.md's headings of the boosts, and of the paper's runs' (--reference)
OWN_COLUMN, POOLED_COLUMN, SELFFER_COLUMN = ("over the own target's base", "over baseA+baseB pooled (paper)",
                                             "over selffer BnB+")
REFERENCE_COLUMNS = ("paper's runs: over pooled base", "paper's runs: over BnB+", "")


def table1_markdown(rows, reference_rows=None):
    columns = ["layers aggregated", OWN_COLUMN, POOLED_COLUMN, SELFFER_COLUMN, "layers with AnB+ runs"]
    if reference_rows:
        columns += list(REFERENCE_COLUMNS[:2])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for index, row in enumerate(rows):
        cells = [row["layers"], _points(row["boost_over_own_base"]), _points(row["boost_over_pooled_base"]),
                 _points(row["boost_over_BnB+"]), row["layers_with_runs"] or "–"]
        if reference_rows:
            cells += [_points(reference_rows[index]["boost_over_pooled_base"]),
                      _points(reference_rows[index]["boost_over_BnB+"])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
