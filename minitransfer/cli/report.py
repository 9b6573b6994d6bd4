"""``minitransfer report``: the results, Table 1, the findings and the figures from run directories."""

import pathlib
import signal

import click

from minitransfer import config_checks, fileio, report_folder, rundir
from minitransfer import report as reports
from minitransfer import results, run_remedies, stopping
from minitransfer.paper_runs import is_reference
from minitransfer.report_plan import planned_words
from minitransfer.path_kinds import folder_words, path_kind
from minitransfer.data import inputs

from ._errors import run
from ._output import echo, say
from ._paths import OutputFolder, refuse_unnamed


def _reference(ctx, param, value):
    if value is None or value == results.PAPER_REFERENCE:
        return value
    if not is_reference(value):
        kind = path_kind(value)
        what = f"{value!r} is {kind}, neither 'paper' nor a file" if kind != "nothing" else \
            f"{value!r} is neither 'paper' nor an existing file"  # a named pipe, a folder: said so (it "existed")
        raise click.BadParameter(what)
    return pathlib.Path(value)


class _RunsPath(click.Path):
    """RUNS, a path that is there: "" (an unset shell variable) or - is refused as every path read is
    (:func:`._paths.refuse_unnamed`); click said "Path '' does not exist"."""

    def __init__(self):
        super().__init__(exists=True, path_type=pathlib.Path)

    def convert(self, value, param, ctx):
        refuse_unnamed(self, value, param, ctx, _GIVE_RUNS)
        return super().convert(value, param, ctx)


_GIVE_RUNS = "give the folder that holds the runs"


def _runs_folder(ctx, param, value):
    """RUNS, a folder: a file given instead (a run's result.json or weights) or a named pipe is a usage
    error saying what it is (:func:`minitransfer.path_kinds.path_kind`) and naming the folder that
    holds it, outside any run folder (click's ``file_okay=False`` named the file alone)."""
    if value.is_dir():
        return value
    folder = value.parent
    while folder.suffix == ".run" and folder != folder.parent:
        folder = folder.parent
    raise click.BadParameter(f"{value} is {path_kind(value)}, not a folder of runs: {_GIVE_RUNS}, "
                             f"{folder_words(folder)}")


@click.command(short_help="The paper's tables, findings and figures of a folder of runs.")
@click.argument("runs", type=_RunsPath(), callback=_runs_folder)
@click.option("-o", "--out", type=OutputFolder(path_type=pathlib.Path), default=None,
              help="Folder for the tables and figures (default: RUNS/report).")
@click.option("--reference", callback=_reference, default=None, metavar="paper|FILE",
              help="The paper's numbers to overlay: 'paper' (the original runs' table, shipped) or a TSV file "
                   "(run, mean_top10_val_top1, ...) of the paper code's run names: half0A, transfer0A0B_1_3, ... "
                   "(docs/report.md).")
def report(runs, out, reference):
    """Tables, findings and figures of the paper from the runs under RUNS.

    Reads every <name>.run/ with a result.json (from `experiment` or `train`) in RUNS and the
    folders below it, and writes into OUT (-o, default RUNS/report):

    \b
      results.csv, .md  each run's final, best and mean-of-10-best top-1
      table1.csv, .md   Table 1: the boost of AnB+ over its base and BnB+
      findings.md       the paper's claims as measured, with their uncertainty
      figure*, curves   Figures 2, 3, S1, across datasets, learning curves:
                        PNG and SVG (pip install 'minitransfer[plot]')

    A run that cannot be read or is not the network its name says (a corrupt result.json, a folder
    copied into another's place, a training that diverged) is left out and named with the reason;
    runs not finished are named, each with its state (those the grid planned, without a folder:
    "planned, not started"), and in no finding. Each network is measured
    against the base of its target in its own folder: keep each replicate's runs with its bases. Runs
    of several datasets (or transfers across datasets from several source datasets), presets or
    precisions are refused: report each from a folder of its own. The report replaces the earlier one
    in OUT, computed before OUT is touched.

    Exit codes: 0 done (also with runs left out, or stopped once the report is whole), 1 error (no
    run under RUNS finished, training or not), 2 usage (RUNS missing, not a folder, holding no run, or
    a run's, a dataset's or a report's; OUT holding runs, or another kind's folder (a grid's ...);
    --reference neither 'paper' nor a file; another report writing into OUT), 65 bad data (runs of
    several datasets, presets or precisions; an edited result.json or eval.csv; a --reference file not
    a table of runs), 74 a file could not be written, 75 interrupted (SIGINT, SIGTERM, SIGHUP: rerun),
    141 its reader went away (| head), silently.

    \b
    Examples:
      minitransfer report minitransfer-demo                      # after the demo has run
      minitransfer report grid --reference paper                 # after your experiment (in grid)
    """
    written = run(lambda: _write(runs, out, reference), interrupted=_interrupted(_out_dir(runs, out)))
    if isinstance(written, report_folder.WrittenWhole):
        return stopped_whole(written.out_dir)
    try:
        show(written, runs)
        gone = run_remedies.network_gone_note(written.network_gone, UNFINISHED_SHOWN)
        if gone:  # counted all the same: a note, not a run left out
            say(f"note: {inputs.display_name(gone)}")
        stopping.raise_owed_stop()  # one swallowed in a finalizer meanwhile: answered here, as any other
    except KeyboardInterrupt:
        stopped_whole(_out_dir(runs, out))


def stopped_whole(out_dir):
    """A stop signal that came once the report was whole in ``out_dir`` (as its files replaced the
    earlier report's: :class:`minitransfer.report_folder.WrittenWhole`, or as it was being shown):
    said on stderr, exit code 0, the stops that follow ignored (a second Ctrl-C as it is said is not
    to turn it into 75). The command said "interrupted ... rerun the same command to continue" (exit
    code 75), where a rerun would write the same report again."""
    for stop in stopping.stop_signals_heard():
        signal.signal(stop, signal.SIG_IGN)
    say(f"stopped: the report was written whole into {inputs.display_name(out_dir)} before stopping; nothing is left "
        f"to do")


def _interrupted(out_dir):
    """What a stop before the report was written says (exit code 75): ``out_dir`` as it was, the earlier report
    whole or none (the report is made before its folder is touched, and a stop while its files replace the
    earlier's is answered once they have: :class:`minitransfer.report_folder.WrittenWhole`). It said "before
    anything was saved, or with every file written so far intact; rerun the same command to continue", a
    command's that may have written part of its work, of one that writes its folder whole or not at all."""
    return (f"stopped by a signal before the report was written, {inputs.display_name(out_dir)} as it was; rerun "
            f"the same command to write it")


def _out_dir(runs, out):
    """The folder the report is written into: -o (--out), else RUNS/report."""
    return out if out is not None else runs / "report"


UNFINISHED_SHOWN = 5  # runs named on the terminal, unfinished, left out, or in a warning; the files list every one


def _write(runs, out, reference):
    """:func:`minitransfer.report.write_report`; a folder this process may not write (read-only,
    another user's) says to give -o another: its lock file, the first thing written, named alone
    left no way on. -o (or the default, RUNS/report) a run's, a dataset's, a grid's or a grid split's
    folder, or inside a run folder, is refused before RUNS is read
    (:func:`minitransfer.report_folder.other_kind`), as the library refuses it before writing, naming
    the option (the library names its parameter, `out_dir`); but RUNS/report where RUNS is a run
    folder, which the library says holds no runs, and to give the folder that holds it. A stop that came
    as the report's files replaced the earlier report's, once they did, is returned: the
    :class:`minitransfer.report_folder.WrittenWhole` raised, which :func:`report` says."""
    if out is not None or rundir.enclosing_run_dir(runs) is None:  # a run folder's own: no runs to report, said so
        report_folder.refuse_other_kind(_out_dir(runs, out), "-o (--out)")
        if out is not None:
            _refuse_among_runs(runs, out)
    try:
        return reports.write_report(runs, out, reference)
    except report_folder.WrittenWhole as stopped:  # the report whole: nothing to rerun (exit code 0)
        return stopped
    except fileio.StorageError as error:
        if error.errno not in fileio.UNWRITABLE:
            raise
        raise fileio.StorageError(error.errno, f"{error}; write the report elsewhere: give -o (--out) a folder this "
                                               f"process can write") from error


def _refuse_among_runs(runs, out_dir):
    """A ``ConfigError`` where the report would be written among runs: into RUNS itself (-o RUNS), or into a
    folder holding a run folder (-o a folder of runs trained by hand), naming -o and the default, RUNS/report,
    a folder of the report's own. Its tables and figures lay beside the networks' files, and a later report
    into the report's own folder left them there, out of date."""
    folder = pathlib.Path(out_dir)
    if folder.resolve() == runs.resolve():
        held = "the folder of runs it reports"
    else:
        run_dir = next((found for found in sorted(folder.glob("*.run")) if rundir.is_run_dir(found)), None)
        if run_dir is None:
            return
        held = f"a folder of runs (it holds {run_dir.name})"
    raise config_checks.ConfigError(f"-o (--out) {inputs.path_text(folder)} is {held}: the report's files would lie "
                                    f"among the runs' own; give -o a folder of the report's own, or leave it out "
                                    f"for {inputs.path_text(runs / 'report')}")


def show(written, runs):
    """What a report holds, on the terminal: its files and the findings on stdout, the runs it left out
    or that failed on stderr, as warnings (``warning: left out: ...``) as other commands say theirs; a
    line break, tab or backslash in a run's name or a path is escaped
    (:func:`minitransfer.data.inputs.display_name`), so that each line is one of them."""
    for write, line in _lines(written, runs):
        write(inputs.display_name(line))


def _lines(written, runs):
    """What :func:`show` prints, as (how, line): :func:`echo` (stdout) or :func:`say` (stderr, the warnings)."""
    read = len(written.results)
    yield echo, f"read {read} finished run{'s' * (read != 1)} from {inputs.path_text(runs)}"
    if written.unfinished:
        shown = written.unfinished_said[:UNFINISHED_SHOWN]
        more = len(written.unfinished) - len(shown)
        training = f"{len(written.training)} training now, " if written.training else ""
        yield echo, (f"  not finished ({len(written.unfinished)}, {training}left out): {', '.join(shown)}"
                     + (f" and {more} more (listed in results.md)" if more else ""))
    if written.planned:
        yield echo, "  " + planned_words(written.planned, UNFINISHED_SHOWN, " (listed in results.md)")
    for note in written.finish:  # each grid's command, rebuilt from its plan: said once, after the runs it finishes
        yield echo, "  " + note
    yield from _some(written, "failed", written.failed)
    yield from _some(written, "left out", written.left_out)
    yield from _some(written, "left out of the findings", written.without_base)
    width = max([12, *map(len, written.files)])  # figure_s1.png's 13 characters too
    for name, path in written.files.items():
        yield echo, f"  {name:{width}s} {path}"
    if not written.figures:
        yield echo, f"figures not drawn: matplotlib is missing ({reports.PLOT_HINT})"
    yield echo, "what these networks show (percentage points, ± one standard error):"
    for finding in written.findings:
        yield echo, f"  {'holds' if finding.holds else 'not shown'}: {finding.text}"
    for warning in written.brief_warnings(UNFINISHED_SHOWN):
        yield echo, f"  careful: {warning}"


def _some(written, what, texts):
    """A warning for each of the first :data:`UNFINISHED_SHOWN` ``texts`` ("name: why"), and one counting the
    others, which results.md and findings.md list (a grid whose base is gone has thousands)."""
    for text in texts[:UNFINISHED_SHOWN]:
        yield say, f"{stopping.WARNING}{what}: {text}"
    if len(texts) > UNFINISHED_SHOWN:
        yield say, (f"{stopping.WARNING}{what}: {len(texts) - UNFINISHED_SHOWN} more, all listed in "
                    f"{written.files['results.md']} and {written.files['findings.md']}")
