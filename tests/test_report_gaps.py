"""``minitransfer report`` where a grid lacks what a table or a run's file should hold: a
cross-dataset grid alone (no random-split runs for Table 1), a run whose eval.csv was cut short
after it finished, a grid whose every run failed."""

import json
import math

import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import report
from minitransfer.cli import main
from minitransfer.experiment import LOG_FILE
from minitransfer.run_lock import RunLock
from test_report import ACCURACY, write_curve, write_run, write_runs


@pytest.mark.usefixtures("placeholder_figures")
def test_table1_of_a_cross_dataset_grid_alone_says_why_it_is_empty(tmp_path):
    """A grid of transfers across datasets only (experiment --source-data, no --split random): Table 1
    (AnB+ of a random split against its controls) has nothing to measure. Before, table1.md was every
    cell "–" and no line saying why; it now says so in the findings' words, and names what measures
    these runs. A grid with random-split runs has no such line."""
    runs_dir = tmp_path / "cross-grid"
    for run in grid.plan_grid(random_seeds=(), layers=(1, 7), cross=True):
        write_run(runs_dir, run, 0.45 if run.n else 0.5)
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    table = (tmp_path / "r" / "table1.md").read_text()
    rows = [line for line in table.splitlines() if line.startswith("| ") and "%" not in line][1:]
    assert len(rows) == 3 and all(row.count("–") == 4 for row in rows)  # every boost and the layers with runs
    assert ("Table 1: not measured (no random-split AnB+ runs with their bases: experiment --split random); this "
            "folder's runs are transfers across datasets, which findings.md and figure_cross measure.") in table
    assert "fine-tuned transfer: not measured" not in result.output  # said once, for the five claims
    assert "not shown: the paper's five claims within one dataset (general and specific features" in result.output

    written = report.write_report(write_runs(tmp_path / "grid"), tmp_path / "r2", figures=False)
    assert "not measured" not in written.files["table1.md"].read_text()


UNMEASURED = {  # a grid's runs (of plan_grid's options) -> why its Table 1 is empty
    "frozen-transfers-only": (dict(layers=(1, 5), fine_tuned=False),
                              "Table 1: not measured (no random-split AnB+ runs with their bases: experiment --split "
                              "random, without --no-fine-tuned)."),
    "AnB+-without-bases-or-BnB+": (dict(layers=(3,), frozen=False, selffer_fine_tuned=False),
                                   "Table 1: not measured (no random-split AnB+ runs with their bases)."),
    "no-evaluations": (dict(layers=(1, 3)), "Table 1: not measured (no random-split AnB+ runs with their bases: the "
                                            "2 AnB+ made no evaluation)."),
}


@pytest.mark.parametrize("options, why", UNMEASURED.values(), ids=UNMEASURED.keys())
def test_table1_says_why_it_measured_nothing(tmp_path, options, why):
    """A random-split grid without AnB+, and one whose AnB+ have neither their bases nor BnB+ (only the
    transfers copied into a folder): Table 1 is empty, and says which runs it lacks."""
    for run in grid.plan_grid(**options):
        if "no evaluation" in why:  # every run trained without an evaluation: train writes NaN accuracies
            write_run(tmp_path / "grid", run, math.nan, final=math.nan, best=math.nan)
            result = grid.run_dir(tmp_path / "grid", run) / "result.json"
            result.write_text(result.read_text().replace('"evaluations": 30', '"evaluations": 0'))
        elif run.kind != "base" and run.treatment != "BnB":
            write_run(tmp_path / "grid", run, 0.5)
    [line] = [line for line in report.write_report(tmp_path / "grid", tmp_path / "r", figures=False)
              .files["table1.md"].read_text().splitlines() if "not measured" in line]
    assert line == why


@pytest.mark.usefixtures("placeholder_figures")
def test_a_run_whose_eval_csv_was_cut_short_is_named(tmp_path):
    """A finished run whose eval.csv lost its last rows (a copy cut short, a full disk) after train had
    summed it up in result.json: its accuracies are result.json's (train's summary of all its
    evaluations), but its learning curve is of the rows left. Before, nothing said so; now the run is
    named with the file, the counts and what to do, in findings.md and on the terminal, and the report
    is written. Runs whose eval.csv holds every evaluation (or have none) are not named."""
    runs_dir = write_runs(tmp_path / "grid")
    climbing = [(10 * i, 0.3 + 0.01 * i) for i in range(1, 31)]
    for name in ACCURACY:  # each run's eval.csv, as result.json counts it (30 evaluations)
        write_curve(runs_dir / f"{name}.run", climbing)
    cut = runs_dir / "random0" / "A5B+.run" / "eval.csv"
    cut.write_text("".join(cut.read_text().splitlines(keepends=True)[:13]) + "130,0.4")  # 12 rows, one torn
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    told = (f"eval.csv holding fewer or more evaluations than result.json counts (1): random0/A5B+ ({cut}: 12 "
            f"evaluations, result.json 30); their accuracies are result.json's, which train computed from every "
            f"evaluation, but their learning curves (curves.png) are of the rows left, and whether they still rose "
            f"at the end cannot be told: copy the run's eval.csv back from where it trained, or train it again "
            f"(--overwrite)")
    assert f"  careful: {told}\n" in result.output
    assert f"- {told}\n" in (tmp_path / "r" / "findings.md").read_text()
    rows = {line.split(" | ")[0]: line for line in (tmp_path / "r" / "results.md").read_text().splitlines()}
    assert "| 0.6900 | 0.7100 | 0.7000 | 30 |" in rows["| random0/A5B+"]  # result.json's, not the 12 rows'
    assert result.output.count("eval.csv holding") == 1
    findings = (tmp_path / "r" / "findings.md").read_text()
    rising = next(line for line in findings.splitlines() if "still rising at the end" in line)
    rising = set(rising.split("): ", 1)[1].split("; ")[0].split(", "))
    assert rising == set(ACCURACY) - {"random0/A5B+"}  # its 12 rows climb too, but they are not its end


EDITED = {  # a row of eval.csv changed by hand -> (its line, what the report says of it)
    "text-in-the-middle": (7, "60,high,1.0,0.5\n", "top1 'high', not a number"),
    "nan-last-line": (31, "300,nan,1.0,0.5\n", "top1 nan, not an accuracy in [0, 1]"),
    "negative": (12, "110,0.41,-0.2,0.5\n", "top5 -0.2, not an accuracy in [0, 1]"),
    "a-value-left-out": (20, "190,0.49,0.5\n", "3 values ('190,0.49,0.5'), expected 4"),
    "negative-loss": (9, "80,0.38,1.0,-0.5\n", "loss -0.5, not a loss (finite, not negative)"),
    "nan-loss": (9, "80,0.38,1.0,nan\n", "loss nan, not a loss (finite, not negative)"),
    "iteration-0": (2, "0,0.31,1.0,0.5\n", "iteration 0, not one train counts (from 1)"),
    "negative-iteration": (9, "-80,0.38,1.0,0.5\n", "iteration -80, not one train counts (from 1)"),
    "a-row-repeated": (9, "70,0.37,1.0,0.5\n", "iteration 70, not after line 8's 70 (a row repeated, or out of order)"),
    "out-of-order": (9, "8,0.38,1.0,0.5\n", "iteration 8, not after line 8's 70 (a row repeated, or out of order)"),
}


@pytest.mark.parametrize("line, row, fault", EDITED.values(), ids=EDITED.keys())
def test_a_run_whose_eval_csv_was_edited_is_told_from_one_cut_short(tmp_path, line, row, fault):
    """A row edited by hand (text where a number belongs, NaN, a negative accuracy, a value left out),
    in the middle or on a whole last line, was told as a file cut short, "copy the run's eval.csv
    back": it is named as edited or damaged, with its line and value. A row cut short (a torn last
    line) is still told as before (test_a_run_whose_eval_csv_was_cut_short_is_named). A negative or
    NaN loss, an iteration below 1, a row repeated or out of order were read as rows, and drawn in
    the curves without a word: train writes none of them, and they are left out and told as these."""
    runs_dir = write_runs(tmp_path / "grid")
    for name in ACCURACY:
        write_curve(runs_dir / f"{name}.run", [(10 * i, 0.3 + 0.01 * i) for i in range(1, 31)])
    edited = runs_dir / "random0" / "A5B+.run" / "eval.csv"
    lines = edited.read_text().splitlines(keepends=True)
    lines[line - 1] = row
    edited.write_text("".join(lines))
    findings = report.write_report(runs_dir, tmp_path / "r", figures=False).files["findings.md"].read_text()
    assert "eval.csv holding fewer or more" not in findings  # the words of a file cut short
    told = (f"eval.csv edited or damaged, with rows train never writes, left out (1): random0/A5B+ ({edited} line "
            f"{line}: {fault}; 29 evaluations, result.json 30); their accuracies are result.json's, which train "
            f"computed from every evaluation, but their learning curves (curves.png) are of the rows left, and "
            f"whether they still rose at the end cannot be told: mend those lines (train writes "
            f"iteration,top1,top5,loss: iterations rising from 1, accuracies fractions in [0, 1], a loss finite and "
            f"not negative) or copy the run's eval.csv back from "
            f"where it trained, or train it again (`overwrite`)")
    assert f"- {told}\n" in findings


def failed_grid(tmp_path, failed):
    """A grid planned by experiment, none of its runs trained, the first ``failed`` of them ended on an
    error in their train.log, the next one stopped, the one after that training now (a
    :class:`RunLock` to hold): (folder, [(name, error line, log)] of the failed, the lock's folder)."""
    runs_dir = tmp_path / "grid"
    planned = grid.plan_grid(layers=(1, 3, 5, 7))
    told = []
    for number, run in enumerate(planned):
        folder = grid.run_dir(runs_dir, run)
        folder.mkdir(parents=True)
        (folder / "treatment.json").write_text(json.dumps(run.to_json()))
        if number < failed:
            error = f"error: bad data: {runs_dir}/{run.name}.h5: shard {number} cut short"
            (folder / LOG_FILE).write_text(f"$ minitransfer train ...\n{error}\n")
            told.append((run.name, error, folder / LOG_FILE))
        elif number == failed:
            (folder / LOG_FILE).write_text("$ minitransfer train ...\ninterrupted: SIGINT\n")
    return runs_dir, told, grid.run_dir(runs_dir, planned[failed + 1]), len(planned)


@pytest.mark.parametrize("failed", [2, 7])
def test_a_grid_whose_runs_all_failed_names_the_failed_ones(tmp_path, failed):
    """No run finished, some failed (their train.log ends on its error), one training now: before, the
    error said "N not finished (...)" alone, the failures and their causes unsaid, as a report with
    some runs finished names them. Now it names the first 5 failed with their error line and log,
    counts the rest and those training now; exit code 1, as documented, nothing written."""
    runs_dir, told, training, planned = failed_grid(tmp_path, failed)
    with RunLock(training):
        result = CliRunner().invoke(main, ["report", str(runs_dir)])
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith(f"error: no finished runs (*.run/result.json) under {runs_dir}: {planned} not finished, "
                           f"1 training now (")
    # told is in the plan's order, which the report lists runs in: the bases, then each n's selffers, transfers
    named = "; ".join(f"failed {name}: {error} (see {log})" for name, error, log in told[:5])
    more = "; and 2 more failed" if failed > 5 else ""
    assert line.endswith(f"); {named}{more}")
    assert not (runs_dir / "report").exists()


@pytest.mark.usefixtures("placeholder_figures")
def test_a_finished_run_without_evaluations_is_named(tmp_path):
    """A result.json counting 0 evaluations (another version's, or edited; NaN accuracies): the run is
    in results.md with "–" and in no Table 1 cell or finding's count. Before, nothing said so: the
    findings counted 2 AnB+ of 3 without a word; now the run is named, in findings.md and on the
    terminal. A grid whose every run evaluated names none."""
    runs_dir = write_runs(tmp_path / "grid")
    assert not any("without evaluations" in warning for warning in report.measure(runs_dir).warnings)
    path = runs_dir / "random0" / "A3B+.run" / "result.json"
    path.write_text('{"final": {}, "best_top1": NaN, "mean10_top1": NaN, "evaluations": 0}')
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    told = ("without evaluations (1): random0/A3B+; their result.json counts none, so they have no accuracy: "
            "Table 1, the figures and the findings leave them out (results.md shows –), and the networks measured "
            "against them with them: copy the run's result.json back from where it trained, or train it again "
            "(--overwrite)")
    assert f"  careful: {told}\n" in result.output
    assert f"- {told}\n" in (tmp_path / "r" / "findings.md").read_text()
    assert "| random0/A3B+ | A3B+ | AnB+ | random | 0 | B | 3 | – | – | – | 0 | – |" in \
        (tmp_path / "r" / "results.md").read_text()
