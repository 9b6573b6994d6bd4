"""The report's text files, from the runs :func:`minitransfer.report.measure` read: results.csv and results.md
(:func:`results_files`), table1.csv and table1.md (:func:`table1_files`), findings.md (:func:`findings_text`).

What each holds is said in :mod:`minitransfer.report`'s docstring, which reads the runs, draws the figures and
writes the folder (:func:`minitransfer.report.write_report`); the tables themselves are made by
:mod:`minitransfer.report_tables`, the lines under Table 1 by :mod:`minitransfer.report_table1_notes`.
"""

import csv
import io
import math

from minitransfer import run_caveats
from minitransfer.data import inputs
from minitransfer.findings_caveats import natural_halves
from minitransfer.report_plan import planned_words, training_now
from minitransfer.report_table1_notes import (table1_at_chance, table1_own_base_partial, table1_unevaluated,
                                              table1_schedules, table1_selffer_partial, table1_unmeasured,
                                              table1_unpaired, table1_unpooled, table1_without_own_base,
                                              table1_without_selffer)
from minitransfer.report_tables import (REFERENCE_COLUMNS, TABLE_1_COLUMNS, Selffers, halves_apart_note,
                                        markdown_table, pooled_names, result_rows, table1, table1_markdown,
                                        table1_measured, pooled_halves_note, with_pooled_halves, made_from)
from minitransfer.report_versions import versions_said
from minitransfer.results import INTERCHANGEABLE, metric_words, recorded_runs

COLUMNS = ("run", "label", "treatment", "split", "split_seed", "target", "n", "final_top1", "best_top1",
           "mean10_top1", "evaluations", "still_rising")


def results_files(report, runs_dir):
    """results.csv and results.md of the :class:`minitransfer.report.Report` ``report`` of the runs under
    ``runs_dir``: one row per network, then the runs not finished, planned, to read with care, read, left out."""
    rows = result_rows(report.results)
    pooled, halves = with_pooled_halves(pooled_names(report.results), report.results), natural_halves(report.results)
    apart = halves_apart_note(report.results, report.bases)
    lines = [f"# Results of {len(rows)} network{'s' * (len(rows) != 1)} in {inputs.path_text(runs_dir)}", "",
             "Top-1 validation accuracy on each network's own target classes: final, best, and mean10_top1, the "
             f"metric of the paper's runs (the original code's: {metric_words(report.results)}); still_rising: the "
             "accuracy was still climbing at the end.", "", *([pooled, ""] if pooled else []),
             *([apart, ""] if apart else []), *([halves, ""] if halves else []), markdown_table(rows, COLUMNS)]
    if report.unfinished:
        unfinished = ", ".join(report.unfinished_said)
        lines += ["", inputs.display_name(f"Not finished ({len(report.unfinished)}{training_now(report.training)}): "
                                          f"{unfinished}")]
    lines += _planned(report)
    cautions = [report.reference_levels] * bool(report.reference_levels) \
        + run_caveats.seen_classes(report.results, facts=report.dataset_facts) \
        + run_caveats.other_schedules(report.results) + versions_said(report.versions)
    for caution in cautions:
        lines += ["", inputs.display_name(f"Careful: {caution}.")]
    lines += made_from(report.results, runs_dir) + _left_out(report)  # the runs read, then those left out
    return {"results.csv": _csv(rows, COLUMNS), "results.md": "\n".join(lines) + "\n"}


def table1_files(report, reference_results, reference_bases, runs_dir):
    """table1.csv and table1.md of ``report``: the boosts, beside the paper's where ``reference_results`` (the
    runs of --reference, their :class:`minitransfer.comparisons.Bases` ``reference_bases``), and the lines under it."""
    selffers = Selffers(report.results, report.bases)  # the BnB+ each AnB+ is compared with: the column's, the notes'
    boosts = table1(report.results, bases=report.bases, selffers=selffers)
    states = report.unfinished_states  # a base not finished is said so
    reference_boosts = table1(reference_results, bases=reference_bases) if reference_results else None
    text = ["# Table 1: performance boost of AnB+ over controls, averaged over ranges of layers (the mean over "
            "the AnB+ networks of the range, as the paper's), in percentage points",
            "", "Boosts in percentage points of top-1 accuracy, as findings.md gives differences: the paper's Table 1 "
            "writes them as % (its 1.6% is 1.6 points).", "",
            table1_markdown(boosts, reference_boosts), "",
            "Each AnB+ network is compared with the base of its own target half; the pooled column repeats the "
            "paper's definition (baseA and baseB averaged) where the halves' bases agree within "
            f"{100 * INTERCHANGEABLE:.0f} points, and shows – where they do not; there the BnB+ column compares each "
            "AnB+ with the BnB+ of its own target half alone."]
    for line in (table1_unevaluated(report.results, boosts), table1_unpooled(report.results, boosts, report.bases),
                 pooled_halves_note(report.results),
                 table1_without_own_base(report.results, boosts, bases=report.bases, unfinished=states),
                 table1_without_selffer(report.results, boosts, report.demo, report.bases, selffers),
                 table1_own_base_partial(report.results, boosts, bases=report.bases, unfinished=states),
                 table1_selffer_partial(report.results, boosts, report.bases, selffers)):
        if line:
            text.append(line)
    if reference_boosts:
        text.append("The paper's columns are computed the same way from the original runs' logs (--reference): "
                    "from --reference paper, its printed Table 1 to the digit.")
    # the runs not finished told by the treatment their folders record, read only where it is said
    unfinished = (recorded_runs(runs_dir, report.unfinished, report.base_checkpoints)
                  if not table1_measured(boosts) else ())
    unmeasured = table1_unmeasured(report.results, boosts, unfinished)
    at_chance = "" if unmeasured else table1_at_chance(report.results, report.dataset_facts, bases=report.bases)
    if unmeasured or at_chance:
        text += ["", unmeasured or at_chance]
    unpaired = table1_unpaired(report.results, bases=report.bases) + (
        table1_unpaired(reference_results, columns=REFERENCE_COLUMNS, bases=reference_bases)
        if reference_results else [])
    for line in unpaired + table1_schedules(report.results, boosts):
        text += ["", inputs.display_name(f"Careful: {line}.")]
    return {"table1.csv": _csv(boosts, TABLE_1_COLUMNS), "table1.md": "\n".join(text) + "\n"}


def findings_text(report):
    """findings.md of ``report``: the claims as measured, the runs not finished, planned, left out, to read with
    care."""
    lines = ["# What these networks show", "",
             f"Differences in percentage points of top-1 accuracy ({metric_words(report.results)}), each network "
             "relative to the base of its own target, ± one standard error over the split seeds (replicates): a "
             "seed's networks, AnB and BnA, share its split and bases and count as one observation; a difference is "
             "resolved beyond two standard errors.", ""]
    lines += [inputs.display_name(f"- {'holds' if f.holds else 'not shown'}: {f.text}") for f in report.findings]
    if report.unfinished:  # a grid partly trained: its findings may change as the rest finish
        lines += ["", inputs.display_name(f"Not finished ({len(report.unfinished)}{training_now(report.training)}), "
                                          f"in no finding until they are: {', '.join(report.unfinished_said)}")]
    lines += _planned(report)
    lines += _left_out(report)
    if report.warnings:
        lines += ["", "## Runs to read with care", ""]
        lines += [inputs.display_name(f"- {warning}") for warning in report.warnings]
    return "\n".join(lines) + "\n"


def _planned(report):
    """The line naming the runs the grid planned that have no run folder
    (:attr:`minitransfer.report.Report.planned`), then the command that finishes the grid, where it is said
    (:attr:`minitransfer.report.Report.finish`)."""
    planned = ["", inputs.display_name(f"{len(report.planned)} {planned_words(report.planned)}")] \
        if report.planned else []
    return planned + [line for note in report.finish  # no stop: pasted
                      for line in ("", inputs.display_name(note[:1].upper() + note[1:]))]


def _left_out(report):
    lines = []
    if report.failed:
        lines += ["", f"## Failed ({len(report.failed)}): not finished, their train ended on an error, which a "
                      f"rerun meets again until it is fixed", ""] + [inputs.display_name(f"- {text}")
                                                                        for text in report.failed]
    if report.left_out:
        lines += ["", f"## Left out ({len(report.left_out)}): runs that cannot be read, diverged, are not the "
                      f"network their name says, or that report measures nowhere (a control or a transfer across "
                      f"datasets on a half), in no table, figure or finding", ""] \
            + [inputs.display_name(f"- {text}") for text in report.left_out]
    if report.without_base:
        lines += ["", f"## Left out of the findings ({len(report.without_base)}): runs without their base, in the "
                      f"results and accuracies but in no finding or number relative to a base", ""] \
            + [inputs.display_name(f"- {text}") for text in report.without_base]
    return lines


def _csv(rows, columns):
    """The rows as CSV, for scripts: every number as it is (an accuracy as result.json holds it), not
    rounded as the markdown tables round it; NaN (nothing to compute) as an empty field. A run's name
    is as it is, a leading = + - @ too (no quote put before it against a spreadsheet's formulas):
    scripts join on it; a spreadsheet should import the file's columns as text."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: _csv_field(row[key]) for key in columns} for row in rows)
    return buffer.getvalue()


def _csv_field(value):
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)
