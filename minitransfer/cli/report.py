"""``minitransfer report``: the results, Table 1, the findings and the figures from run directories."""

import pathlib

import click

from minitransfer import fileio
from minitransfer import report as reports
from minitransfer import results
from minitransfer.paper_runs import is_reference
from minitransfer.data import inputs

from ._errors import run
from ._output import echo
from ._paths import OutputFolder


def _reference(ctx, param, value):
    if value is None or value == results.PAPER_REFERENCE:
        return value
    if not is_reference(value):
        raise click.BadParameter(f"{value!r} is neither 'paper' nor an existing file")
    return pathlib.Path(value)


@click.command(short_help="The paper's tables, findings and figures of a folder of runs.")
@click.argument("runs", type=click.Path(exists=True, file_okay=False, path_type=pathlib.Path))
@click.option("-o", "--out", type=OutputFolder(path_type=pathlib.Path), default=None,
              help="Folder for the tables and figures (default: RUNS/report).")
@click.option("--reference", callback=_reference, default=None,
              help="The paper's numbers to overlay: 'paper' (the original runs' table, shipped with minitransfer) "
                   "or a TSV file (run, mean_top10_val_top1, ...).")
def report(runs, out, reference):
    """Tables, findings and figures of the paper from the runs under RUNS.

    Reads every RUNS/<name>.run/ with a result.json (from `minitransfer experiment` or `train`) and
    writes into OUT: results.csv / .md (run, treatment, n, final / best / mean-of-10-best top-1,
    still rising?), table1.csv / .md (boost of AnB+ over its own base, the pooled bases and BnB+,
    for layers "1 to 7", "3 to 7", "5 to 7", the layers with runs as "3 and 5": words, which a
    spreadsheet does not import as a date or a number; the CSV files hold accuracies and boosts as
    unrounded fractions, results.md to 4 decimals, table1.md in percentage points),
    findings.md (the paper's claims as measured here, with their uncertainty, the runs not finished,
    in no finding until they are, and the runs to read with care), and as PNG and SVG, where there
    are such runs, figure2 (random splits), figure3 (natural split, random weights), figure_cross
    (runs across datasets), figure_s1 (reduced-data runs: accuracy against the training images asked
    for per class, linear and log, and the images used where a class had fewer, as its dataset
    tells), and every run's learning curves (needs matplotlib: pip install 'minitransfer[plot]').

    The runs are looked for in every folder under RUNS, through folders linked into it (each folder
    read once; a prepared dataset's, /proc and /sys not looked into); where that takes long (a grid
    on a slow network disk, RUNS a home folder), a line on stderr every 10 s says how far it is, as
    it does while the figures of a large grid are drawn.

    A run that cannot be read, or is not the network its name says, is left out of every table,
    figure and finding, and named with the reason on the terminal ("left out: ..."), in results.md
    and in findings.md: a result.json that is not train's (corrupt, truncated, misshapen, without a
    field train writes, an accuracy outside [0, 1], another training's), a run copied from a base
    that cannot be found or read, so that its treatment cannot be told, a copy whose layers train
    recorded as coming from another base than its treatment says (A1B trained while baseA.h5 held
    half B's network), a run folder copied into another's place or whose treatment.json
    contradicts its config.json, a second name (a link) of a run folder or of a folder of runs,
    which is read once, and a second copy of one network (a grid copied beside itself, or trained
    again with the same seed and options: train is deterministic), counted once; a folder that
    cannot be read (permissions) is named too, its runs missing, and so is a run whose training
    diverged (its loss became NaN: no result.json, and none until it is trained again), which is not
    counted as unfinished. The report is still written from
    the other runs (exit code 0); with none left, it fails (exit code 1). Runs trained with other
    schedules than those they are compared with (train's --max-iter, --base-lr, ...) are named as a
    warning (table1.md says, under the table, where its pooled columns compare AnB+ with controls
    of other split seeds: a grid partly trained). A transfer, selffer or random-frozen
    run whose own base is not among the runs (its folder deleted, or only the copies gathered) is in
    the results but in no finding: "left out of the findings: ...". Runs of several datasets,
    presets or precisions (train's --precision; a run continued in another one is one of its own) are
    refused, each group named (exit code 1):
    report each from a folder of its own. A cross-dataset grid (experiment --source-data) is one
    dataset's: its source base is trained on the other one by design. So is such a study trained
    by hand in one folder, read as the grid's cross/ runs are: beside a transfer across datasets
    (train --data T --copy-from a base of another dataset), a base on every class of T is baseT,
    a copy from every class of T onto every class of T is TnT, and the base the transfer copied
    from is baseS (by the datasets the runs record, not by their names); a base on every class
    beside random-frozen or reduced-data runs of its dataset stays theirs. A transfer across datasets
    whose base had been trained on some of its classes (by wnid: a source holding the target's
    classes) is named with how many, in results.md and findings.md and beside the claims across
    datasets: it is no transfer to new classes alone.

    Of the runs not finished, those a process trains now are counted ("1 training now"), and those
    whose train ended on an error (the last line of the train.log experiment writes) are named as
    "failed", with that line: a rerun meets it again until it is fixed; so they are in the error of a
    folder where no run finished.

    A run whose eval.csv holds fewer or more evaluations than its result.json counts (cut short
    after it finished: a copy, a full disk) is named among the runs to read with care: its
    accuracies are result.json's, train's summary of every evaluation, but its learning curve is of
    the rows left. Where Table 1 measures nothing (no random-split AnB+ runs with their bases, as
    in a cross-dataset grid alone), table1.md says so under the table.

    On the terminal, a list of runs (not finished, failed, left out, left out of the findings, still
    rising, of fewer evaluations, of another schedule) names 5 and counts the others; results.md
    and findings.md list every one.

    A report replaces the earlier one in OUT, figures it no longer draws included. A file that
    cannot be written (disk full, read-only folder) is exit code 74: everything is computed before
    OUT is touched; a report that cannot fit in the space free there (the earlier one's included) is
    refused with the earlier report kept, and a write that fails after all leaves OUT with part of
    the new report and nothing of the earlier one. A second
    report into OUT while one writes there (a cron job's and yours) is refused, naming the first one's
    PID (exit code 2), never mixed with it.

    Exit codes: 0 done (also with runs left out), 1 error (no finished run under RUNS, and the
    message says why: no run folder there, as in a home folder or a run's own folder, none finished
    yet, or every one left out; runs of several datasets, presets or precisions), 2 usage (RUNS
    does not exist, --reference neither 'paper' nor a file, another report writing into OUT), 65
    bad data (a --reference file that is not a table of runs), 74 a file could not be written (in
    OUT, or the output), 75 interrupted (SIGINT, SIGTERM, SIGHUP), 141 the output's reader went away (| head), silently.

    \b
    Examples:
      minitransfer report minitransfer-demo                      # after the demo has run
      minitransfer report grid --reference paper                 # after your experiment (in grid)
    """
    written = run(lambda: _write(runs, out, reference))
    show(written, runs)


UNFINISHED_SHOWN = 5  # runs named on the terminal, unfinished, left out, or in a warning; the files list every one


def _write(runs, out, reference):
    """:func:`minitransfer.report.write_report`; a folder this process may not write (read-only,
    another user's) says to give -o another: its lock file, the first thing written, named alone
    left no way on."""
    try:
        return reports.write_report(runs, out, reference)
    except fileio.StorageError as error:
        if error.errno not in fileio.UNWRITABLE:
            raise
        raise fileio.StorageError(error.errno, f"{error}; write the report elsewhere: give -o (--out) a folder this "
                                               f"process can write") from error


def show(written, runs):
    """What a report holds, on the terminal: its files, the findings and the warnings; a line
    break, tab or backslash in a run's name or a path is escaped
    (:func:`minitransfer.data.inputs.display_name`), so that each line is one of them."""
    for line in _lines(written, runs):
        echo(inputs.display_name(line))


def _lines(written, runs):
    yield f"read {len(written.results)} finished runs from {runs}"
    if written.unfinished:
        shown = written.unfinished[:UNFINISHED_SHOWN]
        more = len(written.unfinished) - len(shown)
        training = f"{len(written.training)} training now, " if written.training else ""
        yield (f"  not finished ({len(written.unfinished)}, {training}left out): {', '.join(shown)}"
               + (f" and {more} more (listed in results.md)" if more else ""))
    yield from _some(written, "failed", written.failed)
    yield from _some(written, "left out", written.left_out)
    yield from _some(written, "left out of the findings", written.without_base)
    for name, path in written.files.items():
        yield f"  {name:12s} {path}"
    if not written.figures:
        yield f"figures not drawn: matplotlib is missing ({reports.PLOT_HINT})"
    yield "what these networks show (percentage points, ± one standard error):"
    for finding in written.findings:
        yield f"  {'holds' if finding.holds else 'not shown'}: {finding.text}"
    for warning in written.brief_warnings(UNFINISHED_SHOWN):
        yield f"  careful: {warning}"


def _some(written, what, texts):
    """A line for each of the first :data:`UNFINISHED_SHOWN` ``texts`` ("name: why"), and one counting the
    others, which results.md and findings.md list (a grid whose base is gone has thousands)."""
    for text in texts[:UNFINISHED_SHOWN]:
        yield f"  {what}: {text}"
    if len(texts) > UNFINISHED_SHOWN:
        yield (f"  {what}: {len(texts) - UNFINISHED_SHOWN} more, all listed in {written.files['results.md']} and "
               f"{written.files['findings.md']}")
