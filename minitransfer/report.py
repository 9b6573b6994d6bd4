"""The paper's results from run directories: the results table, Table 1, the findings and the figures.

The runs are read by :mod:`minitransfer.results`, the claims measured by :mod:`minitransfer.findings`,
the figures drawn by :mod:`minitransfer.figures`. Accuracy is the metric of the paper's runs (the
original code's; the paper's text never states it), the mean of the 10 best validation top-1 evaluations
(of all of them, for a run that made fewer: the text says so, :func:`minitransfer.comparisons.metric_words`),
unless a column says otherwise.

- results.csv / .md: one row per network (treatment, n, final / best / mean of 10 best, whether it
  was still rising at the end). The CSV files hold the numbers unrounded, for scripts; results.md
  rounds them to 4 decimals, table1.md gives percentage points. results.md ends with what it was made
  from (:func:`minitransfer.report_tables.made_from`; then the runs left out, if any): the minitransfer
  version, the runs' folder, and each run's result.json and weights file by sha256, so its figures trace
  back to the very results.
- Table 1 (§4.1): the mean boost of AnB+ over the base of its own target, over baseA and baseB pooled
  as the paper did (only where the halves are interchangeable; a seed's base without its other half's is not
  pooled: :func:`minitransfer.report_tables.paired_bases`), and over the selffer BnB+ at the
  same n, for layers 1–7, 3–7, 5–7, each the mean over the range's AnB+ networks, as the paper's; under it,
  where no random split has both halves' bases with an accuracy, a line saying the pooled column cannot be measured
  (:func:`minitransfer.report_table1_notes.table1_unpooled`), and where the own-base column shows – for want
  of the AnB+ runs' bases, or averages only some of them, a line naming the bases lacking
  (:func:`minitransfer.report_table1_notes.table1_without_own_base`,
  :func:`minitransfer.report_table1_notes.table1_own_base_partial`), where the BnB+ column shows – for want
  of BnB+, a line saying so (:func:`minitransfer.report_table1_notes.table1_without_selffer`), and where a
  row's AnB+ made no evaluation, a line naming them (:func:`minitransfer.report_table1_notes.table1_unevaluated`);
  below it, a line for each pooled column that compares AnB+ with controls of other split seeds, naming a seed's
  lone base left out (:func:`minitransfer.report_table1_notes.table1_unpaired`), a line naming the schedules its
  runs were trained with where they are several (:func:`minitransfer.report_table1_notes.table1_schedules`, also
  in results.md), and where it measures nothing, a line saying why
  (:func:`minitransfer.report_table1_notes.table1_unmeasured`), else where its bases are no better than chance, a
  line naming them
  (:func:`minitransfer.report_table1_notes.table1_at_chance`). Its layers are words, "1 to 7" and "3 and 5"
  (:func:`minitransfer.report_tables.layer_list`), never "1-7" nor "3,5", which spreadsheets import as a date (the
  1st of July) or a number (3.5, with a decimal comma).
- findings.md: the paper's five claims as measured (a sixth where natural-split and random-frozen runs
  share an n; fragile co-adaptation where BnB were trained at a middle layer; and, for a cross-dataset grid,
  three across datasets; a folder of those alone says once that the five are not measured), with their
  uncertainty, the runs not finished (in no finding until they are), and the runs whose metric
  should not be trusted (:mod:`minitransfer.run_caveats`: still rising, 10 evaluations or fewer,
  validation sets of 100 images or fewer, a transfer across datasets whose base had seen some of
  its classes: also under results.md and beside the claims across datasets; an eval.csv that is
  not the one its result.json sums up: its accuracies are result.json's, its curve not the whole,
  told apart as cut short (rows lost, the last one torn: copy it back) or as edited or damaged
  (rows train never writes, left out of the curve, the first named by its line and value: mend
  them), :func:`minitransfer.run_caveats.eval_csv_faults`).
- figure2 (random splits), figure3 (natural split, random weights), figure_cross (transfer across
  datasets), figure_s1 (reduced-data runs: accuracy against training images asked for per class,
  and the images used where a class had fewer), each where
  there are such runs; curves (every run's learning curves).

A run that cannot be read or is not the network its name says (:func:`minitransfer.results.collect`:
a result.json train would not write, a base that cannot be found, layers copied from another base
than its treatment says), and a run whose training diverged (no result: not unfinished), is in
none of these; results.md and findings.md name it and say why, so a report of a large grid is
still written while one run is being fixed. A transfer, selffer or random-frozen run whose own base
is not among the runs
(:func:`minitransfer.missing_bases.without_base`) is in the results and the accuracy panels but in no
finding or number relative to a base; results.md and findings.md name it too.

Runs of several datasets, presets or precisions, and transfers across datasets from bases of
several source datasets (:func:`minitransfer.report_mixed.mixed`), are not compared: the report
refuses them, naming each group, so that each is reported from a folder of its own. A
cross-dataset grid's source base, trained on the other dataset by design, is no such mix, nor is
that of such a study trained by hand in one folder (:func:`minitransfer.run_labels.cross_studies`).

``--reference FILE`` (or ``paper``, the table shipped with minitransfer) overlays the original runs; over runs
not of their setup, results.md and the terminal say once that only shapes compare
(:func:`minitransfer.run_caveats.reference_levels`).

Table 1 and the markdown tables are made by :mod:`minitransfer.report_tables`, the lines under Table 1
by :mod:`minitransfer.report_table1_notes`, the text files' contents by :mod:`minitransfer.report_texts`, the
report's folder written by :mod:`minitransfer.report_folder`, the runs no table may pool told by
:mod:`minitransfer.report_mixed`; their public names are importable from here too. Here: the runs read and
measured (:func:`measure`), the figures drawn, and the whole written (:func:`write_report`).
"""

import dataclasses
import os
import pathlib

from minitransfer import config_checks
from minitransfer import figures as figure_module
from minitransfer import findings as measured
from minitransfer import run_caveats
from minitransfer.run_facts import validation_sets
from minitransfer.result_checks import refuse_contradicted
from minitransfer.run_file_readers import reads_shared
from minitransfer.data import inputs
from minitransfer.report_folder import FIGURE_FORMATS, REPORT_FILES, replace_report
from minitransfer.report_mixed import MixedRuns, mixed, reports_apart
from minitransfer.report_no_runs import UNFINISHED_NAMED, no_runs
from minitransfer.report_plan import finish_notes, grids_of, said_of, unfinished_states
from minitransfer.report_pooled import gathered_grids, planned_in_grids
from minitransfer.report_table1_notes import demo_planned, table1_at_chance, table1_unmeasured, table1_unpaired
from minitransfer.report_versions import version_groups, versions_said
from minitransfer.report_tables import (OWN_COLUMN, POOLED_COLUMN, REFERENCE_COLUMNS, SELFFER_COLUMN, TABLE_1_COLUMNS,
                                        TABLE_1_RANGES, layer_list, markdown_table, table1, table1_markdown)
from minitransfer.report_texts import COLUMNS, findings_text, results_files, table1_files
from minitransfer.paper_runs import is_reference
from minitransfer.comparisons import Bases
from minitransfer.errors import MinitransferError
from minitransfer.home_paths import expanded
from minitransfer.results import collect, read_reference, without_base
from minitransfer.run_remedies import network_gone

__all__ = ["COLUMNS", "PLOT_HINT", "NoRuns", "RunFolderGiven", "MixedRuns", "mixed", "Report", "write_report",
           "measure",
           "UNFINISHED_NAMED", "FIGURE_FORMATS", "REPORT_FILES", "TABLE_1_RANGES", "TABLE_1_COLUMNS", "OWN_COLUMN",
           "POOLED_COLUMN", "SELFFER_COLUMN", "REFERENCE_COLUMNS", "table1", "layer_list", "table1_unpaired",
           "markdown_table", "table1_markdown", "table1_unmeasured", "table1_at_chance"]

PLOT_HINT = "pip install 'minitransfer[plot]'"


class NoRuns(MinitransferError, RuntimeError):
    """The folder holds run folders but no finished run to report (exit code 1); nothing is written. One that is no
    folder of runs raises the :class:`RunFolderGiven` it subclasses (exit code 2)."""


class RunFolderGiven(NoRuns):
    """The folder given is no folder of runs: a run folder itself, a dataset's or a report's, or one holding no run
    folder at all (empty, mistyped, not there, a file; :mod:`minitransfer.report_no_runs`): a usage mistake (exit
    code 2), as a weights file given is, not runs that failed (1); nothing is written. Named for its first case."""


@dataclasses.dataclass
class Report:
    """What :func:`write_report` wrote: paths by kind, the runs read, the unfinished runs, the
    findings and warnings, whether the figures were drawn, the runs left out ("name: why":
    a result.json that cannot be read, a base that cannot be found), the runs left out of the
    findings ("name: why": their own base is not among the runs, or not finished), and of the unfinished runs those
    a process trains now (``training``) and those whose train failed (``failed``, "name: its
    train.log's error line (see the log)"; :func:`minitransfer.report_plan.unfinished_states`); ``bases``,
    the results' bases (:class:`minitransfer.comparisons.Bases`), built once for the findings, Table 1 and the
    figures;
    ``network_gone``, the names of the results whose network is gone (their weights file and checkpoint
    moved or deleted: :func:`minitransfer.run_remedies.network_gone`), counted all the same; ``planned``, the
    runs the grid's plan names without a run folder (:func:`minitransfer.report_pooled.planned_in_grids`),
    in no table: a rerun of the grid trains them; ``demo``: whether they are a demo's, its grid's plan or those
    gathered below the runs' folder read once (:func:`minitransfer.report_table1_notes.demo_planned`)."""

    files: dict
    results: list
    unfinished: list
    figures: bool
    findings: list = dataclasses.field(default_factory=list)
    warnings: list = dataclasses.field(default_factory=list)
    left_out: list = dataclasses.field(default_factory=list)
    without_base: list = dataclasses.field(default_factory=list)
    training: list = dataclasses.field(default_factory=list)
    failed: list = dataclasses.field(default_factory=list)
    validation_sets: list = None  # run_facts.validation_sets of the results: read from their datasets once
    bases: Bases = None  # the results' bases, built once for the findings, Table 1 and the figures
    dataset_facts: dict = None    # their datasets as read (dataset_reads.dataset_fact), for the warnings again
    base_checkpoints: dict = None  # the base checkpoints read, by path (results.collect), for recorded_runs
    network_gone: list = dataclasses.field(default_factory=list)  # results whose network is gone: network_gone()
    planned: list = dataclasses.field(default_factory=list)  # planned runs with no run folder: report_plan
    demo: bool = False  # whether the runs are a demo's (report_table1_notes.demo_planned), asked once
    unfinished_states: dict = dataclasses.field(default_factory=dict)  # {name: state} of each unfinished run
    reference_levels: str = ""  # --reference over runs not of the paper's setup: run_caveats.reference_levels
    versions: dict = dataclasses.field(default_factory=dict)  # {version: runs} where several: report_versions
    finish: list = dataclasses.field(default_factory=list)  # the commands that finish their grids: finish_notes

    @property
    def unfinished_said(self):
        """"name (state)" of each unfinished run (:func:`minitransfer.report_plan.said_of`)."""
        return said_of(self.unfinished_states)

    def brief_warnings(self, shown):
        """The warnings, each naming ``shown`` runs at most and counting the others, which
        findings.md lists (a grid of thousands of runs trained too short named every one on one
        line of the terminal). Table 1's unpaired columns are said under the table only: the CPU
        demo's claim splits (the lowest and top n alone) would print one on every demo. With them, what
        ``--reference`` compares over runs not of the paper's setup (:attr:`reference_levels`)."""
        listed_in = self.files["findings.md"]
        return run_caveats.warnings(self.results, shown, listed_in, self.validation_sets, self.dataset_facts) \
            + versions_said(self.versions, shown, listed_in) + [self.reference_levels] * bool(self.reference_levels)


def write_report(runs_dir, out_dir=None, reference=None, figures=True):
    """Read every run under ``runs_dir`` and write into ``out_dir`` (default ``runs_dir/report``):
    results.csv / results.md (one row per network), table1.csv / table1.md, findings.md (the paper's
    claims as measured, with their uncertainty, and the runs not to trust), and (``figures``, with
    matplotlib) figure2 (random splits), figure3 (natural split, random weights), the cross-dataset
    figure and figure_s1 (reduced data) when there are such runs, and every run's learning curves,
    as PNG and SVG. An earlier report's files are removed as this one is written, those it does not
    draw too, so that no figure shows other runs than the tables, even after a failure
    (:func:`minitransfer.report_folder.replace_report`).
    ``reference``: a TSV of the paper's runs to overlay, or ``"paper"`` for the one shipped with
    minitransfer. A run that cannot be read (a corrupt result,
    a base that cannot be found) is left out of every table and figure, and named with the reason
    in ``left_out``, results.md and findings.md; each run not finished is named with where it stands
    (:func:`minitransfer.report_plan.unfinished_states`: resumable at iteration N, not started, ...); a run
    measured against a base that is not among the runs is left out of the findings and every relative number,
    and named in ``without_base``, results.md and findings.md. Raises :class:`NoRuns` when ``runs_dir`` holds no
    finished run (:class:`RunFolderGiven` where it is no folder of runs: a run folder itself, a dataset's or a
    report's, or one holding no run folder at all), :class:`MixedRuns` for runs of several
    datasets, presets or precisions (both before anything is written), ``paper_runs.BadReference`` for a
    ``reference`` that is not a table of the paper's runs,
    ``fileio.StorageError`` when a file cannot be written, and ``ConfigError`` naming an argument of
    the wrong kind (a folder that is no path, ``figures`` not True or False, a ``reference`` neither
    "paper" nor an existing file), before anything is read. A stop (SIGINT, SIGTERM, SIGHUP) that comes while
    the report replaces the earlier one is held until it is whole, then raised as
    :class:`minitransfer.report_folder.WrittenWhole` (a ``KeyboardInterrupt``: nothing is left to do).
    A path may start with ``~``, the home folder (:func:`minitransfer.home_paths.expanded`).

    Example: ``write_report("grid", reference="paper").findings``
    """
    runs_dir, out_dir, reference = expanded(runs_dir), expanded(out_dir), expanded(reference)
    _check_arguments(runs_dir, out_dir, reference, figures)
    with reads_shared():  # each run's files read once for every table (a base's result.json was read thrice)
        return _write_report(runs_dir, out_dir, reference, figures)


def _write_report(runs_dir, out_dir, reference, figures):
    """:func:`write_report` of arguments checked."""
    runs_dir = pathlib.Path(runs_dir)
    out_dir = pathlib.Path(out_dir) if out_dir else runs_dir / "report"
    report = measure(runs_dir)
    results = report.results
    reference_results = read_reference(reference) if reference else None
    reference_bases = Bases(reference_results) if reference_results else None  # for Table 1 and figure3
    report.reference_levels = run_caveats.reference_levels(results) if reference else ""
    contents = {**results_files(report, runs_dir), **table1_files(report, reference_results, reference_bases, runs_dir),
                "findings.md": findings_text(report)}
    Figure = figure_module.figure_class() if figures else None
    notice = figure_module.DrawNotice(f"{len(results):,} run{'s' * (len(results) != 1)}")
    drawn = (figure_module.draw_all(Figure, results, reference_results, report.bases, reference_bases,
                                    report.left_out, unfinished=[*report.unfinished, *report.planned],
                                    facts=report.dataset_facts)
             if Figure is not None else {})
    files = [(name, suffix) for name in figure_module.FIGURES if name in drawn for suffix in FIGURE_FORMATS]
    for number, (name, suffix) in enumerate(files, start=1):
        notice.tick(lambda: f"{name}.{suffix} ({number} of {len(files)} file{'s' * (len(files) != 1)})")
        contents[f"{name}.{suffix}"] = figure_module.render(drawn[name], suffix)
    notice.done(lambda: f"{len(files)} file{'s' * (len(files) != 1)} drawn")
    replace_report(out_dir, {name: data.encode("utf-8", inputs.DISPLAY_ERRORS) if isinstance(data, str) else data
                       for name, data in contents.items()})  # a run or folder named in bytes not UTF-8: as \xNN
    report.files = {name: out_dir / name for name in contents}
    report.figures = Figure is not None
    return report


def _check_arguments(runs_dir, out_dir, reference, figures):
    """A ``ConfigError`` naming the first argument of :func:`write_report` of the wrong kind."""
    config_checks.check_path("runs_dir", runs_dir, required=True)
    config_checks.check_path("out_dir", out_dir)
    config_checks.check_flag("figures", figures)
    if reference is None:
        return
    if not isinstance(reference, (str, os.PathLike)):
        got = type(reference).__name__
    elif is_reference(reference):
        return
    else:
        got = "a folder" if pathlib.Path(reference).exists() else "no such file"
    raise config_checks.ConfigError(f"`reference` must be 'paper' (the paper's runs shipped with minitransfer) or "
                                    f"a TSV file of runs (a str or pathlib.Path), got {reference!r} ({got})")


def measure(runs_dir):
    """The :class:`Report` of the runs under ``runs_dir`` as :func:`write_report` writes it, without
    its files (``files`` empty): what a folder that cannot be written shows. Raises :class:`NoRuns`,
    :class:`MixedRuns`, and ``ConfigError`` for a ``runs_dir`` that is no path (before anything is
    read)."""
    config_checks.check_path("runs_dir", runs_dir, required=True)
    with reads_shared():  # inside write_report's, its own
        return _measure(pathlib.Path(runs_dir))


def _measure(runs_dir):
    """:func:`measure` of a ``runs_dir`` checked."""
    checkpoints = {}  # the base checkpoints collect reads, read no second time for Table 1's unfinished runs
    results, unfinished, left_out = collect(runs_dir, checkpoints)
    refuse_contradicted(left_out)  # an edited result.json: exit 65, not a run left out in a note
    grids = grids_of(runs_dir, gathered_grids(runs_dir))  # one walk, each plan read once for all that follows
    planned = planned_in_grids(grids)
    training, failed, states = unfinished_states(runs_dir, unfinished, grids)
    finish = finish_notes(runs_dir, [*unfinished, *planned], grids)
    if not results:
        why, run_folder = no_runs(runs_dir, said_of(states), left_out, training, failed, planned, finish)
        raise (RunFolderGiven if run_folder else NoRuns)(inputs.display_name(why))
    groups = mixed(results, left_out)  # a copy of one network collect left out named with its group
    if groups:
        raise MixedRuns(inputs.display_name(
            f"the runs under {runs_dir} are of {'; and of '.join(groups)}; no table or finding may pool them (other "
            f"classes, images, chance levels, networks or arithmetic): report each from a folder of its own"
            f"{reports_apart(runs_dir, results)}"))
    facts = {}  # each dataset's validation labels, read once for every reader
    sets = validation_sets(results, facts)
    bases = Bases(results)
    demo = demo_planned(grids)
    versions = version_groups(results, runs_dir, demo)  # several versions: said
    return Report(files={}, results=results, unfinished=unfinished, figures=False,
                  findings=measured.findings(results, facts, bases),
                  warnings=run_caveats.warnings(results, sets=sets, facts=facts) + versions_said(versions),
                  versions=versions,
                  left_out=left_out,
                  without_base=without_base(results, bases, states, runs_dir),
                  training=training, failed=failed,
                  validation_sets=sets, dataset_facts=facts, bases=bases, base_checkpoints=checkpoints,
                  network_gone=[r.run.name for r in results if network_gone(runs_dir / f"{r.run.name}.run")],
                  planned=planned, demo=demo, unfinished_states=states,
                  finish=finish)
