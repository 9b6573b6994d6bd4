"""``minitransfer.report`` on fake run directories (the files ``train`` and ``experiment`` write):
tables derived from the runs, Table 1 against a hand computation, the reference TSV, figures with
and without matplotlib."""

import csv
import dataclasses
import errno
import json
import math
import os
import pathlib
import shutil
import sys

import h5py
import numpy as np
import placeholders
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer import config as configs
from minitransfer import experiment as grid
from minitransfer import figures, figures_paper, fileio, grid_plan_file, report, run_lock
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import folder as folders
from minitransfer.results import Result, collect, means_by_n, natural_families, read_reference, reference_path

REFERENCE = (pathlib.Path(__file__).resolve().parents[1].parent
             / "shared/data/reference/yosinski_logs_mean_top10_accuracy.tsv")

# Mean-of-10-best accuracies of a small random-split grid, chosen so Table 1 is easy by hand:
# baseB mean 0.61; AnB+ − baseB at n = 1, 3, 5: 0.04, 0.05, 0.09; AnB+ − BnB+: 0.03, 0.03, 0.06.
ACCURACY = {
    "random0/baseA": 0.60, "random0/baseB": 0.62,
    "random0/B1B": 0.58, "random0/B1B+": 0.62, "random0/A1B": 0.57, "random0/A1B+": 0.65,
    "random0/B3B": 0.55, "random0/B3B+": 0.63, "random0/A3B": 0.53, "random0/A3B+": 0.66,
    "random0/B5B": 0.52, "random0/B5B+": 0.64, "random0/A5B": 0.45, "random0/A5B+": 0.70,
}


def write_run(out, run, mean10, final=None, best=None, treatment=True, config=None):
    folder = grid.run_dir(out, run)
    folder.mkdir(parents=True, exist_ok=True)
    grid.weights_path(out, run.name).write_text("weights")
    if treatment:
        (folder / "treatment.json").write_text(json.dumps(run.to_json()))
    if config is not None:
        (folder / "config.json").write_text(json.dumps(config))
    result = {"final": {"iteration": 300, "top1": final if final is not None else mean10 - 0.01},
              "best_top1": best if best is not None else mean10 + 0.01, "mean10_top1": mean10, "evaluations": 30}
    (folder / "result.json").write_text(json.dumps(result))


def write_curve(folder, curve):
    """The run in ``folder``'s eval.csv of ``curve`` ((iteration, top1) pairs), and its result.json's
    count of evaluations, as train writes both (it sums up every row of eval.csv)."""
    rows = "".join(f"{iteration},{top1!r},1.0,0.5\n" for iteration, top1 in curve)
    (folder / "eval.csv").write_text("iteration,top1,top5,loss\n" + rows)
    result = json.loads((folder / "result.json").read_text())
    (folder / "result.json").write_text(json.dumps({**result, "evaluations": len(curve)}))


def write_runs(out):
    """``out`` holding the results of a grid at layers 1, 3 and 5, their accuracies :data:`ACCURACY`'s."""
    for run in grid.plan_grid(layers=(1, 3, 5)):
        write_run(out, run, ACCURACY[run.name])
    return out


@pytest.fixture
def runs_dir(tmp_path):
    return write_runs(tmp_path / "grid")


def read_csv(path):
    with open(path, newline="") as stream:
        return list(csv.DictReader(stream))


def test_results_table_is_derived_from_the_run_directories(runs_dir, tmp_path):
    written = report.write_report(runs_dir, tmp_path / "report", figures=False)
    rows = {row["run"]: row for row in read_csv(written.files["results.csv"])}
    assert set(rows) == set(ACCURACY)
    for name, accuracy in ACCURACY.items():
        assert float(rows[name]["mean10_top1"]) == pytest.approx(accuracy)
        assert float(rows[name]["final_top1"]) == pytest.approx(accuracy - 0.01)
        assert float(rows[name]["best_top1"]) == pytest.approx(accuracy + 0.01)
    assert rows["random0/A3B+"]["treatment"] == "AnB+" and rows["random0/A3B+"]["n"] == "3"
    assert rows["random0/B5B"]["treatment"] == "BnB" and rows["random0/baseA"]["treatment"] == "baseB"
    markdown = written.files["results.md"].read_text()
    assert "| random0/A5B+ | A5B+ | AnB+ | random | 0 | B | 5 | 0.6900 | 0.7100 | 0.7000 | 30 | – |" in markdown

    # Change one run's result: the table follows.
    write_run(runs_dir, {r.name: r for r in grid.plan_grid(layers=(5,))}["random0/A5B+"], 0.4321)
    again = report.write_report(runs_dir, tmp_path / "report", figures=False)
    rows = {row["run"]: row for row in read_csv(again.files["results.csv"])}
    assert rows["random0/A5B+"]["mean10_top1"] == "0.4321"


def test_the_csv_tables_hold_the_runs_numbers_unrounded(runs_dir, tmp_path):
    """results.csv and table1.csv are what scripts read: each accuracy as the run's result.json (and
    train --json) holds it, and each boost as Table 1 computes it, not rounded to the 4 decimals of
    the markdown tables (a mean of 3 evaluations of 500 images is 0.40866..., not 0.4087)."""
    a1b = {r.name: r for r in grid.plan_grid(layers=(1,))}["random0/A1B+"]
    write_run(runs_dir, a1b, 613 / 1500, final=0.40866, best=623 / 1500)
    written = report.write_report(runs_dir, tmp_path / "report", figures=False)
    row = {row["run"]: row for row in read_csv(written.files["results.csv"])}["random0/A1B+"]
    recorded = json.loads((grid.run_dir(runs_dir, a1b) / "result.json").read_text())
    assert (float(row["mean10_top1"]), float(row["final_top1"]), float(row["best_top1"])) == \
        (recorded["mean10_top1"], recorded["final"]["top1"], recorded["best_top1"])
    boosts = read_csv(written.files["table1.csv"])
    computed = report.table1(collect(runs_dir)[0])
    assert [[float(row[key]) for key in report.TABLE_1_COLUMNS[1:4]] for row in boosts] == \
        [[row[key] for key in report.TABLE_1_COLUMNS[1:4]] for row in computed]
    assert "| random0/A1B+ | A1B+ | AnB+ | random | 0 | B | 1 | 0.4087 | 0.4153 | 0.4087 | 30 | – |" in \
        written.files["results.md"].read_text()


def test_table1_matches_a_hand_computation(runs_dir, tmp_path):
    """AnB+ − the own target's base (baseB, 0.62): 0.03, 0.04, 0.08 at n = 1, 3, 5; − the pooled bases
    (0.61, the halves within 2 points): 0.04, 0.05, 0.09; − BnB+: 0.03, 0.03, 0.06."""
    written = report.write_report(runs_dir, tmp_path / "report", figures=False)
    rows = {row["layers"]: row for row in read_csv(written.files["table1.csv"])}
    expected = {"1 to 7": (0.05, 0.06, 0.04), "3 to 7": (0.06, 0.07, 0.045), "5 to 7": (0.08, 0.09, 0.06)}
    for layers, (over_own, over_pooled, over_selffer) in expected.items():
        assert float(rows[layers]["boost_over_own_base"]) == pytest.approx(over_own, abs=1e-4)
        assert float(rows[layers]["boost_over_pooled_base"]) == pytest.approx(over_pooled, abs=1e-4)
        assert float(rows[layers]["boost_over_BnB+"]) == pytest.approx(over_selffer, abs=1e-4)
    assert rows["3 to 7"]["layers_with_runs"] == "3 and 5"
    assert "| 5 to 7 | +8.0 | +9.0 | +6.0 | 5 |" in written.files["table1.md"].read_text()


def test_unequal_halves_are_not_pooled(runs_dir, tmp_path):
    write_run(runs_dir, {r.name: r for r in grid.plan_grid(layers=(1,))}["random0/baseA"], 0.50)
    rows = {row["layers"]: row for row in report.table1(collect(runs_dir)[0])}
    assert math.isnan(rows["1 to 7"]["boost_over_pooled_base"])
    assert rows["1 to 7"]["boost_over_own_base"] == pytest.approx(0.05)  # baseB's own, unchanged


def test_unfinished_runs_are_listed_not_reported(runs_dir, tmp_path):
    planned = grid.plan_grid(layers=(7,))
    grid_plan_file.write_plan(runs_dir, planned, {}, ["train"])  # A7B etc.: planned, never trained
    written = report.write_report(runs_dir, tmp_path / "report", figures=False)
    assert not written.figures and len(written.results) == len(ACCURACY)
    assert "random0/A7B+" in written.unfinished
    assert "Not finished (4): " in written.files["results.md"].read_text()


@pytest.mark.usefixtures("placeholder_figures")
def test_unfinished_runs_that_train_now_or_failed_are_told_apart(runs_dir, tmp_path):
    """A grid's folder with runs finished, one training, one whose train failed (bad data) and one not
    started: the report listed the three alike as "not finished", the failure and its cause unsaid."""
    grid_plan_file.write_plan(runs_dir, grid.plan_grid(layers=(7,)), {}, ["train"])  # A7B, A7B+, B7B, B7B+: not trained
    failed_log = runs_dir / "random0" / "A7B.run" / "train.log"
    error = "error: bad data: checkpoint random0/baseA.h5: cannot be read (truncated file)"
    failed_log.write_text(f"$ minitransfer train ...\nstarting\n{error}\n")
    (runs_dir / "random0" / "B7B.run" / "train.log").write_text("$ minitransfer train ...\ninterrupted: SIGINT\n")
    with run_lock.RunLock(runs_dir / "random0" / "A7B+.run"):  # a process trains it now
        result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "  not finished (4, 1 training now, left out): " in result.output
    told = f"random0/A7B: {error} (see {failed_log})"
    assert f"warning: failed: {told}\n" in result.stderr and result.output.count("failed: ") == 1
    for name in ("results.md", "findings.md"):
        text = (tmp_path / "r" / name).read_text()
        assert "## Failed (1): " in text and f"\n- {told}\n" in text
    assert "Not finished (4, 1 training now): " in (tmp_path / "r" / "results.md").read_text()
    # findings.md, of the finished runs, said nothing of those to come, whose results may change them
    unfinished = ("random0/B7B (stopped before its first checkpoint), random0/B7B+ (not started), "
                  "random0/A7B (failed), random0/A7B+ (training now)")  # selffers first, frozen before fine-tuned
    assert f"\nNot finished (4, 1 training now), in no finding until they are: {unfinished}\n" in \
        (tmp_path / "r" / "findings.md").read_text()


@pytest.mark.usefixtures("placeholder_figures")
def test_the_terminal_names_the_unfinished_runs(runs_dir, tmp_path):
    planned = grid.plan_grid(layers=(1, 3, 5, 7), fine_tuned=True, both_directions=True)
    grid_plan_file.write_plan(runs_dir, planned, {}, ["train"])
    unfinished = [run.name for run in planned if run.name not in ACCURACY]
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "not finished" in line)
    shown = [name.removesuffix(" (not started)") for name in line.split(": ", 1)[1].split(" and ")[0].split(", ")]
    assert line.startswith(f"  not finished ({len(unfinished)}, left out): ") and len(shown) == 5
    assert set(shown) <= set(unfinished) and f"and {len(unfinished) - 5} more" in line


@pytest.mark.usefixtures("placeholder_figures")
def test_the_terminal_names_a_few_runs_left_out_and_the_files_every_one(runs_dir, tmp_path):
    """Six runs unreadable and seven without their base: the terminal gave a line to each (thousands in a
    large grid whose base is gone); it names 5 of each, as the "careful:" lines do, and says where all are."""
    unreadable = ["random0/baseA", "random0/B1B", "random0/B1B+", "random0/A1B", "random0/A1B+", "random0/B3B"]
    for name in unreadable:
        (runs_dir / f"{name}.run" / "result.json").write_text("{")
    shutil.rmtree(runs_dir / "random0" / "baseB.run")
    without_base = set(ACCURACY) - set(unreadable) - {"random0/baseB"}
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    files = f"all listed in {tmp_path / 'r' / 'results.md'} and {tmp_path / 'r' / 'findings.md'}"
    for label, names in (("left out", unreadable), ("left out of the findings", without_base)):
        lines = [line for line in result.stderr.splitlines() if line.startswith(f"warning: {label}: ")]
        shown = [line.split(": ")[2] for line in lines[:-1]]
        assert len(shown) == 5 and set(shown) < set(names), lines
        assert lines[-1] == f"warning: {label}: {len(names) - 5} more, {files}"
        for markdown in ("results.md", "findings.md"):
            listed = (tmp_path / "r" / markdown).read_text()
            assert all(f"\n- {name}: " in listed for name in names) and "more, all listed" not in listed


@pytest.mark.usefixtures("placeholder_figures")
def test_the_terminals_warnings_name_a_few_runs_and_findings_md_every_one(runs_dir, tmp_path):
    """Every run still rising: the "careful:" line named all of them (thousands in a large grid trained
    too short), while the unfinished runs' line names 5; it names 5 too and says where all are."""
    for name in ACCURACY:
        write_curve(runs_dir / f"{name}.run", [(50 * i, 0.1 + 0.03 * i) for i in range(1, 22)])
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("  careful: still rising"))
    assert line.count("random0/") == 5
    assert f" and {len(ACCURACY) - 5} more, all listed in {tmp_path / 'r' / 'findings.md'}; the mean" in line
    findings_md = (tmp_path / "r" / "findings.md").read_text()
    assert all(name in findings_md for name in ACCURACY) and "more, all listed" not in findings_md


def test_runs_trained_by_hand_are_read_from_their_config(tmp_path):
    """The copies' base is told by what train recorded in their checkpoint (its half, and whether it
    was trained on another dataset), not by the base file, which is not a checkpoint here."""
    out = tmp_path / "hand"
    base = grid.Run("baseA", "base", "random", 0, target="A")
    write_run(out, base, 0.61, treatment=False, config={"split": "random", "split_seed": 0, "half": "A"})
    for name, half, frozen in (("a4b", "B", True), ("a4a", "A", False)):
        config = {"split": "random", "split_seed": 0, "half": half, "copy_from": str(out / "baseA.h5"), "n": 4,
                  "frozen": frozen}
        write_run(out, grid.Run(name, "?", "random", 0), 0.5, treatment=False, config=config)
        with h5py.File(grid.run_dir(out, grid.Run(name, "?", "random", 0)) / "checkpoint.h5", "w") as f:
            f.attrs["source"] = json.dumps({"checkpoint": "baseA.h5", "split_half": "A", "cross_dataset": False})
    results = {r.run.name: r.run for r in collect(out)[0]}
    assert results["baseA"].treatment == "baseB"
    assert (results["a4b"].treatment, results["a4b"].label) == ("AnB", "A4B")
    assert (results["a4a"].treatment, results["a4a"].label) == ("BnB+", "A4A+")


NOT_TRAINS = {
    "null": ("null", "expected a JSON object, got null"),
    "list": ("[]", "expected a JSON object, got []"),
    "final-a-number": ('{"final": 3}', "final is 3, expected an object: not a result train writes"),
    "top1-a-string": ('{"final": {"top1": "abc"}}', "final top1 is 'abc', expected a top-1 accuracy in [0, 1]"),
    "best-above-1": ('{"final": {"top1": 0.5}, "best_top1": 5, "mean10_top1": 0.5, "evaluations": 30}',
                     "best_top1 is 5, expected a top-1 accuracy in [0, 1]"),
    "mean-below-0": ('{"final": {"top1": 0.5}, "best_top1": 0.5, "mean10_top1": -1, "evaluations": 30}',
                     "mean10_top1 is -1, expected"),
    "nan-with-evaluations": ('{"final": {"top1": 0.5}, "best_top1": NaN, "mean10_top1": 0.5, "evaluations": 30}',
                             "best_top1 is nan, expected a top-1 accuracy in [0, 1] (NaN only for a run without"),
    "evaluations-a-string": ('{"final": {"top1": 0.5}, "best_top1": 0.5, "mean10_top1": 0.5, "evaluations": "30"}',
                             'evaluations is "30", expected a count, 0 or more'),
    # each named with the field at fault, not as the record's first 80 characters, which hid it
    "evaluations-true": ('{"final": {"top1": 0.5}, "best_top1": 0.5, "mean10_top1": 0.5, "evaluations": true}',
                         "evaluations is true, expected a count, 0 or more"),
    "iterations-negative": ('{"final": {"top1": 0.5}, "best_top1": 0.5, "mean10_top1": 0.5, "evaluations": 30, '
                            '"iterations": -300}', "iterations is -300, expected a count, 1 or more"),
    "iterations-overflowing": ('{"final": {"top1": 0.5}, "best_top1": 0.5, "mean10_top1": 0.5, "evaluations": 30, '
                               '"iterations": 1e999}', "iterations is Infinity, expected a count, 1 or more"),
    # reported as a number of no evaluation: train writes NaN there
    "accuracy-of-no-evaluation": ('{"final": {}, "best_top1": NaN, "mean10_top1": 0.55, "evaluations": 0}',
                                  "mean10_top1 is 0.55 of 0 evaluations: train writes NaN for a run without"),
    "truncated": ('{"final": {"to', "not valid JSON (empty, truncated or corrupt)"),
    "empty": ("", "not valid JSON (empty, truncated or corrupt)"),
    # read as a finished run without an accuracy, it vanished from every finding without a word
    "no-fields": ("{}", "no final, best_top1, mean10_top1, evaluations: not a result train writes"),
    "another-versions-fields": ('{"final": {"top1": 0.5}, "best": 0.6, "mean_best": 0.55, "evaluated": 30}',
                                "no best_top1, mean10_top1, evaluations: not a result train writes"),
}


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("content, why", NOT_TRAINS.values(), ids=NOT_TRAINS.keys())
def test_a_result_json_that_is_not_trains_is_left_out_and_named(runs_dir, tmp_path, content, why):
    path = runs_dir / "random0" / "A3B+.run" / "result.json"
    path.write_text(content)
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert f"left out: random0/A3B+: {path}: " in result.output and why in result.output
    assert {row["run"] for row in read_csv(tmp_path / "r" / "results.csv")} == set(ACCURACY) - {"random0/A3B+"}
    markdown = (tmp_path / "r" / "results.md").read_text()
    assert "Not finished" not in markdown and f"- random0/A3B+: {path}: " in markdown


def test_a_run_without_evaluations_is_read_with_no_accuracy(runs_dir, tmp_path):
    path = runs_dir / "random0" / "A3B+.run" / "result.json"
    path.write_text('{"final": {}, "best_top1": NaN, "mean10_top1": NaN, "evaluations": 0}')
    results, unfinished, left_out = collect(runs_dir)
    [run] = [r for r in results if r.run.name == "random0/A3B+"]
    assert math.isnan(run.final_top1) and math.isnan(run.mean10_top1) and run.evaluations == 0
    assert len(results) == len(ACCURACY) and not unfinished and not left_out


def set_evaluations(runs_dir, counts):
    """Give the runs named in ``counts`` that many evaluations in their result.json (none: no accuracy, NaN, as
    train writes it)."""
    for name, count in counts.items():
        path = runs_dir / f"{name}.run" / "result.json"
        result = dict(json.loads(path.read_text()), evaluations=count)
        if count == 0:
            result.update(best_top1=math.nan, mean10_top1=math.nan)
            result["final"].update(top1=math.nan, top5=math.nan)
        path.write_text(json.dumps(result))


@pytest.mark.parametrize("counts, words", [
    ({}, "mean of the 10 best evaluations"),
    ({name: 3 for name in ACCURACY}, "mean of all 3 evaluations"),
    ({name: 1 for name in ACCURACY}, "each run's one evaluation"),
    ({name: 1 + len(name) % 3 for name in ACCURACY}, "mean of all of a run's evaluations, 1 to 3"),
    ({"random0/A1B": 3, "random0/A3B": 5}, "mean of the 10 best evaluations; of all, for the 2 runs with fewer"),
    ({name: 0 for name in ACCURACY}, "no run made an evaluation"),
], ids=["ten-or-more", "all-three", "all-one", "all-fewer", "some-fewer", "none"])
def test_the_metric_is_named_as_the_runs_took_it(runs_dir, tmp_path, counts, words):
    """Runs of 3 evaluations each: results.md and the findings called their accuracy the mean of the
    10 best evaluations, which train takes as the mean of all 3."""
    set_evaluations(runs_dir, counts)
    written = report.write_report(runs_dir, tmp_path / "report", figures=False)
    results = written.files["results.md"].read_text()
    assert f"mean10_top1, the metric of the paper's runs (the original code's: {words});" in results
    assert f"top-1 accuracy ({words}), each network" in written.files["findings.md"].read_text()


FAST = {"batch_size": 16, "max_iter": 3, "eval_every": 3, "quiet": True, "device": "cpu"}


def train_in(folder, monkeypatch, **fields):
    """Train as a researcher does by hand: from ``folder``, with paths relative to it."""
    folder.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(folder)
    training.train(configs.TrainConfig(**fields, **FAST))


@pytest.mark.usefixtures("placeholder_figures")
def test_a_run_whose_training_diverged_is_named_not_unfinished(synthetic_8, tmp_path, monkeypatch):
    """A base whose loss became NaN has no result.json: it was listed as not finished, as if it were
    still training, and a folder of it alone said only "1 not finished"."""
    train_in(tmp_path, monkeypatch, data=synthetic_8, half="B", out="baseB.h5")
    with pytest.raises(training.Diverged):
        train_in(tmp_path, monkeypatch, data=synthetic_8, half="A", out="baseA.h5", base_lr=1e6)
    (tmp_path / "A2B.run").mkdir()
    (tmp_path / "A2B.run" / "config.json").write_text("{}")  # planned, not started: unfinished
    written = report.write_report(tmp_path, tmp_path / "report")
    assert [r.run.name for r in written.results] == ["baseB"] and written.unfinished == ["A2B"]
    [left_out] = written.left_out
    assert left_out.startswith("baseA: training diverged: loss became nan at iteration ")
    assert left_out.endswith(f"no result (see {tmp_path / 'baseA.run' / 'metrics.jsonl'}): resumed, it diverges "
                             f"again; start it over with --overwrite (without --resume) and a lower --base-lr, or "
                             f"check the data")
    assert f"- {left_out}" in written.files["results.md"].read_text()
    shutil.rmtree(tmp_path / "baseB.run")
    with pytest.raises(report.NoRuns, match="left out baseA: training diverged: "):
        report.write_report(tmp_path, tmp_path / "report")


def treatments_seen_from(folders_and_runs, monkeypatch):
    """{(folder report ran in, RUNS as typed): {name: (label, treatment, split)}}."""
    seen = {}
    for folder, runs in folders_and_runs:
        monkeypatch.chdir(folder)
        results, unfinished, left_out = collect(runs)
        assert not unfinished and not left_out, (unfinished, left_out)
        seen[folder, runs] = {r.run.name: (r.run.label, r.run.treatment, r.run.split) for r in results}
    return seen


def forget_the_record(run_folder):
    """Make a run look trained before train recorded its base: no ``source`` attribute in its
    checkpoints, copy_from and out in config.json as they were typed (:func:`train_in`: names in the
    folder train ran in; train now records both absolute)."""
    config_file = run_folder / "config.json"
    config = json.loads(config_file.read_text())
    for path in (run_folder / "checkpoint.h5", run_folder.parent / pathlib.Path(config["out"]).name):
        with h5py.File(path, "a") as f:
            del f.attrs["source"]
    config_file.write_text(json.dumps(dict(config, copy_from=os.path.basename(config["copy_from"]),
                                           out=os.path.basename(config["out"]))))


def test_a_hand_trained_transfer_is_the_same_from_any_folder(synthetic_8, tmp_path, monkeypatch):
    """baseA and A2B trained in hand/ (--copy-from baseA.h5), and a decoy baseA.h5 one folder up,
    trained on half B: read from hand/, from its parent or from /, A2B is a transfer from A to B,
    whether train recorded its base or (an older run) only the path as typed."""
    hand = tmp_path / "hand"
    train_in(tmp_path, monkeypatch, out="baseA.h5", data=synthetic_8, half="B")  # the decoy
    train_in(hand, monkeypatch, out="baseA.h5", data=synthetic_8, half="A")
    train_in(hand, monkeypatch, out="A2B.h5", data=synthetic_8, copy_from="baseA.h5", n=2, frozen=True)
    assert json.loads((hand / "A2B.run" / "config.json").read_text())["copy_from"] == str(hand / "baseA.h5")
    places = [(hand, "."), (tmp_path, "hand"), (pathlib.Path("/"), str(hand))]
    expected = {"A2B": ("A2B", "AnB", "random"), "baseA": ("baseA", "baseB", "random")}

    assert treatments_seen_from(places, monkeypatch) == {place: expected for place in places}
    forget_the_record(hand / "A2B.run")
    assert treatments_seen_from(places, monkeypatch) == {place: expected for place in places}


def test_the_bases_of_older_runs_are_kept_without_their_weights(synthetic_8, tmp_path, monkeypatch):
    """A run trained before train recorded its base is told from the base checkpoint, and every base
    read was kept, weights and all (CaffeNet's: 240 MB a base), until the last run was read: what
    is kept of it is what tells the treatment (its metadata), and the treatment is still told."""
    from minitransfer import treatments

    train_in(tmp_path, monkeypatch, out="baseA.h5", data=synthetic_8, half="A")
    train_in(tmp_path, monkeypatch, out="A2B.h5", data=synthetic_8, copy_from="baseA.h5", n=2, frozen=True)
    forget_the_record(tmp_path / "A2B.run")
    kept = []
    treatment = treatments.treatment
    monkeypatch.setattr(treatments, "treatment", lambda folder, name, config, bases, records=None:
                        kept.append(bases) or treatment(folder, name, config, bases, records))
    assert {r.run.name: r.run.treatment for r in collect(tmp_path)[0]} == {"A2B": "AnB", "baseA": "baseB"}
    [base] = kept[0].values()
    assert base.meta["split_half"] == "A" and not base.weights and base.mean is None


def test_a_base_of_another_copy_of_the_dataset_is_no_cross_dataset_transfer(synthetic_8, tmp_path, monkeypatch):
    """train calls a base of the same class table a transfer within the dataset (class_tables.same_dataset),
    wherever that table is stored; so does report, from train's record or, for an older run, from
    the base and the dataset themselves."""
    copy = tmp_path / "copy-of-synthetic-8"
    shutil.copytree(synthetic_8, copy)
    train_in(tmp_path, monkeypatch, out="baseA.h5", data=str(copy), half="A")
    train_in(tmp_path, monkeypatch, out="A2B+.h5", data=synthetic_8, copy_from="baseA.h5", n=2)
    expected = {"A2B+": ("A2B+", "AnB+", "random"), "baseA": ("baseA", "baseB", "random")}
    assert treatments_seen_from([(tmp_path, ".")], monkeypatch)[tmp_path, "."] == expected
    forget_the_record(tmp_path / "A2B+.run")
    assert treatments_seen_from([(tmp_path, ".")], monkeypatch)[tmp_path, "."] == expected


def test_a_run_whose_base_is_gone_is_left_out_and_named(synthetic_8, tmp_path, monkeypatch):
    """With train's record the base file is not needed; without it (an older run), a missing base
    leaves the run out of every table, named with its base, neither guessed at nor "not finished"."""
    train_in(tmp_path, monkeypatch, out="baseA.h5", data=synthetic_8, half="A")
    train_in(tmp_path, monkeypatch, out="A2B.h5", data=synthetic_8, copy_from="baseA.h5", n=2, frozen=True)
    (tmp_path / "baseA.h5").unlink()
    assert {r.run.name: r.run.treatment for r in collect(tmp_path)[0]} == {"A2B": "AnB", "baseA": "baseB"}

    forget_the_record(tmp_path / "A2B.run")
    written = report.write_report(tmp_path, tmp_path / "report", figures=False)
    assert [r.run.name for r in written.results] == ["baseA"] and written.unfinished == []
    [left_out] = written.left_out
    assert left_out.startswith("A2B: ") and f"{tmp_path / 'baseA.h5'}: no such file" in left_out
    for name in ("results.md", "findings.md"):
        assert "Left out (1): runs that cannot be read, diverged, are not the network their name says" in \
            written.files[name].read_text()
        assert f"- {left_out}" in written.files[name].read_text()


@pytest.mark.parametrize("weights", ["gone", "corrupt"])
def test_a_copy_whose_checkpoint_cannot_be_read_says_so_not_that_train_recorded_nothing(
        synthetic_8, tmp_path, monkeypatch, weights):
    """A hand-trained copy whose checkpoint is corrupt (its weights file gone or corrupt too), its
    base gone: the report said "train recorded nothing about its base", which sent a researcher to
    look for an older version of train; train did record it, in the file that cannot be read."""
    train_in(tmp_path, monkeypatch, out="baseA.h5", data=synthetic_8, half="A")
    train_in(tmp_path, monkeypatch, out="A2B.h5", data=synthetic_8, copy_from="baseA.h5", n=2, frozen=True)
    (tmp_path / "baseA.h5").unlink()
    checkpoint, weights_file = tmp_path / "A2B.run" / "checkpoint.h5", tmp_path / "A2B.h5"
    checkpoint.write_bytes(checkpoint.read_bytes()[:4096])  # a copy cut short
    if weights == "gone":
        weights_file.unlink()
    else:
        weights_file.write_bytes(b"not an HDF5 file")
    [left_out] = collect(tmp_path)[2]
    assert left_out.startswith(f"A2B: cannot tell its treatment: its checkpoint {checkpoint} cannot be read (")
    assert (f"weights file {weights_file} cannot be read (" in left_out) == (weights == "corrupt")
    assert "recorded nothing" not in left_out
    assert f"{tmp_path / 'baseA.h5'}: no such file" in left_out


@pytest.mark.usefixtures("placeholder_figures")
def test_a_copy_whose_own_base_is_not_among_the_runs_is_named(runs_dir, tmp_path):
    """random1/A1B alone (its split's bases not copied into the folder) is in the results but no
    finding counts it, and the report says so; random0's copies, whose own base baseB is there,
    are measured though the base they copied from (baseA) is gone."""
    shutil.rmtree(runs_dir / "random0" / "baseA.run")
    write_run(runs_dir, grid.Run("random1/A1B", "transfer", "random", 1, target="B", source="A", n=1), 0.5)
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    text = "random1/A1B: its base random1/baseB (random split 1, half B) is not among the runs"
    said = [line for line in result.output.splitlines() if "left out" in line]
    assert said == [f"warning: left out of the findings: {text}"]
    assert "random1/A1B" in {row["run"] for row in read_csv(tmp_path / "r" / "results.csv")}
    for name in ("results.md", "findings.md"):
        assert "## Left out of the findings (1): runs without their base" in (tmp_path / "r" / name).read_text()
        assert f"\n- {text}\n" in (tmp_path / "r" / name).read_text()
    assert "At n=1, transferred layers (AnB) score -5.0 points relative to their own base (1 network)" in \
        (tmp_path / "r" / "findings.md").read_text()  # random0/A1B alone: 0.57 - 0.62


def record_fingerprint(runs_dir, name, fingerprint):
    """What train writes into a run's checkpoint: the sha256 of its dataset's meta.json."""
    with h5py.File(runs_dir / f"{name}.run" / "checkpoint.h5", "w") as f:
        f.attrs["dataset_fingerprint"] = fingerprint


def test_runs_of_two_datasets_in_one_folder_are_refused_each_named(runs_dir, tmp_path):
    """A grid's bases on an 8-class set (one of them on a copy of it in another folder: the same
    dataset) and a base on a 20-class one: their chance levels differ, and a transfer of one would be
    measured against a base of the other. Nothing is written; each dataset is named with its runs."""
    eight, twenty = "8" * 64, "20" * 32
    for run in grid.plan_grid(layers=(1,)):
        if run.kind == "base":
            data = "/data/eight" if run.target == "A" else "/copy/of/eight"
            write_run(runs_dir, run, ACCURACY[run.name], config={"split": "random", "half": run.target, "data": data,
                                                                 "preset": "mini"})
            record_fingerprint(runs_dir, run.name, eight)
    write_run(runs_dir, grid.Run("twenty/baseA", "base", "random", 0, target="A"), 0.3, treatment=False,
              config={"split": "random", "half": "A", "data": "/data/twenty", "preset": "mini"})
    record_fingerprint(runs_dir, "twenty/baseA", twenty)
    assert_refused_as_mixed(runs_dir, tmp_path / "r",
                            "2 datasets: /copy/of/eight, /data/eight (meta.json sha256 888888888888) (2: "
                            "random0/baseA, random0/baseB); /data/twenty (meta.json sha256 202020202020) (1: "
                            "twenty/baseA)", apart=("random0", "twenty"))

    shutil.rmtree(runs_dir / "twenty")
    assert report.write_report(runs_dir, tmp_path / "r", figures=False).results


def assert_refused_as_mixed(runs_dir, out, groups, apart=()):
    """``report RUNS_DIR -o OUT`` refuses the runs that mix ``groups`` as bad data (exit 65: the runs given do not
    fit each other, none failed; it was 1, a run's failure), saying so, writing nothing; where their folders below
    RUNS_DIR (``apart``) may each be reported, naming the command that reports each."""
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(out)])
    assert result.exit_code == 65
    commands = ": " + ", ".join(f"`minitransfer report {runs_dir / folder}`" for folder in apart) if apart else ""
    assert result.output == (f"error: bad data: the runs under {runs_dir} are of {groups}; no table or finding may "
                             f"pool them (other classes, images, chance levels, networks or arithmetic): report each "
                             f"from a folder of its own{commands}\n")
    assert not out.exists()


def test_a_dataset_is_one_by_its_fingerprint_and_a_cross_grids_source_is_no_mix():
    def on(dataset, preset, name, fingerprint="", kind="base", split="random", target="B"):
        return dataclasses.replace(Result(grid.Run(name, kind, split, 0, target=target), 0.6, 0.6, 0.6, 20),
                                   dataset=dataset, preset=preset, fingerprint=fingerprint)

    one = [on("/data/eight", "mini", "eight/baseA", "f8"), on("/data/eight", "mini", "eight/baseB"),  # no checkpoint
           on("/data/eight", "mini", "eight/A1B", "f8", kind="transfer"),
           on("/data/source", "mini", "cross/baseS", "f20", split="cross", target="S")]
    assert one[-1].run.treatment == "source" and report.mixed(one) == []
    again = on("/data/eight", "toy", "again/baseA", "f0")  # the folder prepared again (eight/baseB's now unknown)
    assert report.mixed(one + [again]) == [
        "3 datasets: /data/eight (1: eight/baseB); /data/eight (meta.json sha256 f0) (1: again/baseA); /data/eight "
        "(meta.json sha256 f8) (2: eight/baseA, eight/A1B)",
        "2 presets: mini (4: eight/baseA, eight/baseB, eight/A1B, ...); toy (1: again/baseA)"]


def record_precision_changes(runs_dir, name, changes):
    """What train writes into a run's checkpoint when a resumption continued it in another precision."""
    with h5py.File(runs_dir / f"{name}.run" / "checkpoint.h5", "a") as f:
        f.attrs["precision_changes"] = json.dumps(changes)


def test_runs_of_two_precisions_in_one_folder_are_refused_each_named(runs_dir, tmp_path):
    """A grid trained in ieee and the same grid's next seed added in tf32 (experiment started again on
    the folder with another --precision): TF32 rounds every product to 10 bits, so no table may pool
    them. A run continued in another precision (--allow-precision-change) is a precision of its own;
    a run whose configuration predates the option was trained in ieee."""
    def config(run, precision):
        return {"split": "random", "half": run.target, "data": "/data/eight", "preset": "mini",
                **({"precision": precision} if precision else {})}

    for seed, precision in ((0, None), (1, "tf32")):
        for run in grid.plan_grid(random_seeds=(seed,), layers=(1,), fine_tuned=False):
            write_run(runs_dir, run, 0.6, config=config(run, precision))
    record_precision_changes(runs_dir, "random1/baseB", [{"iteration": 200, "from": "tf32", "to": "ieee"}])
    assert_refused_as_mixed(runs_dir, tmp_path / "r",
                            "3 precisions: ieee (4: random0/baseA, random0/baseB, random0/B1B, ...); tf32 (3: "
                            "random1/baseA, random1/B1B, random1/A1B); tf32 until iteration 200, then ieee (1: "
                            "random1/baseB)")


def test_still_rising_reads_the_runs_learning_rate_steps_from_its_config(tmp_path):
    """A base whose accuracy jumped at its last step (700 of 1050, stepsize 350) and then stayed
    flat has settled; the same curve under a schedule that never steps is still rising."""
    for stepsize in (350, 2000):
        out = tmp_path / f"stepsize{stepsize}"
        run = grid.Run("baseB", "base", "random", 0, target="B")
        write_run(out, run, 0.8, config={"split": "random", "split_seed": 0, "half": "B", "stepsize": stepsize,
                                         "max_iter": 1050, "gamma": 0.1})
        write_curve(grid.run_dir(out, run), [(50 * i, 0.75 if 50 * i <= 700 else 0.8) for i in range(1, 22)])
        (result,) = collect(out)[0]
        assert (result.last_rate_change, result.still_rising) == ((700, False) if stepsize == 350 else (0, True))


TINY_REFERENCE = """run\tmean_top10_val_top1\tn_test_points\tmax_iter
half0A\t0.60\t450\t450000
half0B\t0.62\t450\t450000
transfer0A0B_1_2\t0.55\t450\t450000
transfer0B0A_1_2\t0.57\t450\t450000
transfer0A0A_1_2\t0.59\t450\t450000
transfer-ft0A0B_1_2\t0.64\t450\t450000
transfer-ft0A0A_1_2\t0.62\t450\t450000
transfernatmanAB_1_3\t0.40\t450\t450000
halfnatmanB\t0.54\t450\t450000
nolearn_1_3\t0.01\t450\t450000
netbase\t0.58\t450\t450000
reduced-0010\t0.001\t200\t200000
"""


def test_read_reference_names(tmp_path):
    path = tmp_path / "reference.tsv"
    path.write_text(TINY_REFERENCE)
    results = {r.run.name: r for r in read_reference(path)}
    assert results["transfer0B0A_1_2"].run.treatment == "AnB" and results["transfer0B0A_1_2"].run.target == "A"
    assert results["transfer0A0A_1_2"].run.treatment == "BnB"
    assert results["transfer-ft0A0B_1_2"].run.treatment == "AnB+"
    assert (results["transfernatmanAB_1_3"].run.split, results["transfernatmanAB_1_3"].run.target) == ("natural", "B")
    assert results["nolearn_1_3"].run.treatment == "random" and results["nolearn_1_3"].run.n == 3
    assert results["reduced-0010"].run.per_class == 10
    assert math.isnan(results["half0A"].final_top1)
    assert means_by_n(list(results.values()), treatment="AnB") == {2: pytest.approx(0.56)}
    [row] = report.table1(list(results.values()), ranges=((1, 7),))
    assert row["boost_over_pooled_base"] == pytest.approx(0.03) and row["boost_over_BnB+"] == pytest.approx(0.02)
    assert row["boost_over_own_base"] == pytest.approx(0.02)  # transfer-ft0A0B against half0B


def test_read_reference_rejects_unknown_names(tmp_path):
    path = tmp_path / "reference.tsv"
    path.write_text("run\tmean_top10_val_top1\nhalf0A\t0.6\nmystery\t0.5\n")
    with pytest.raises(ValueError, match="line 3: unknown run name 'mystery'"):
        read_reference(path)


@pytest.mark.parametrize("text", ["run\tmean_top10_val_top1\n", ""], ids=["header-only", "empty"])
def test_read_reference_rejects_a_file_without_runs(tmp_path, text):
    """A reference that holds no run would overlay nothing, silently: the wrong file was given."""
    path = tmp_path / "reference.tsv"
    path.write_text(text)
    with pytest.raises(ValueError, match=f"report: {path} holds no runs"):
        read_reference(path)


NOT_REFERENCES = {
    "percent": (b"run\tmean_top10_val_top1\nhalf0A\t61.5\n",
                "line 2: mean_top10_val_top1 is '61.5', expected a top-1 accuracy in [0, 1]"),
    "nan-with-test-points": (b"run\tmean_top10_val_top1\tn_test_points\nhalf0A\tnan\t450\n",
                             "line 2: mean_top10_val_top1 is 'nan', expected a top-1 accuracy in [0, 1] (NaN only"),
    "comma-separated": (b"run,mean_top10_val_top1\nhalf0A,0.6\n",
                        "line 1: no column run, mean_top10_val_top1 (found 'run,mean_top10_val_top1';"),
    "no-header": (b"half0A 0.6\n", "line 1: no column run, mean_top10_val_top1 (found 'half0A 0.6';"),
    "binary": (bytes(range(128, 256)) * 3, "not UTF-8 text"),
    "field-over-csv-limit": (b"run\tmean_top10_val_top1\nhalf0A\t" + b"0" * 200_000 + b"\n",
                             "line 2: field larger than field limit (131072)"),
    "stray-quote": (b'run\tmean_top10_val_top1\n"half0A\t0.6\n' + b"half0B\t0.6\n" * 20_000,
                    "line 2: field larger than field limit (131072)"),
    # rows that do not fit the header: a Python message ("float() argument must be ... not 'NoneType'"),
    # or read without a word (a field more, a run twice, a column twice: its last one)
    "a-row-without-its-accuracy": (b"run\tmean_top10_val_top1\nhalf0A\t0.6\nhalf0B\n",
                                   "line 3: 1 field where the header names 2"),
    "a-row-of-more-fields": (b"run\tmean_top10_val_top1\nhalf0A\t0.6\t450\t450000\n",
                             "line 2: 4 fields where the header names 2"),
    "more-fields-then-a-tab": (b"run\tmean_top10_val_top1\nhalf0A\t0.6\t450\t\n",
                               "line 2: 3 fields where the header names 2"),
    "a-run-twice": (b"run\tmean_top10_val_top1\nhalf0A\t0.6\nhalf0B\t0.6\nhalf0A\t0.7\n",
                    "line 4: run half0A again (line 2 holds it): each run once"),
    "a-column-twice": (b"run\tmean_top10_val_top1\tmean_top10_val_top1\nhalf0A\t0.6\t0.9\n",
                       "line 1: column mean_top10_val_top1 twice"),
    "after-blank-lines": (b"run\tmean_top10_val_top1\nhalf0A\t0.6\n\n\nmystery\t0.5\n",
                          "line 5: unknown run name 'mystery'"),
    "empty-accuracy": (b"run\tmean_top10_val_top1\nhalf0A\t\n",
                       "line 2: mean_top10_val_top1 is '', expected a top-1 accuracy in [0, 1]"),
    # a quoted field over several lines: its row was named by its last line
    "a-quoted-name-over-lines": (b'run\tmean_top10_val_top1\nhalf0A\t0.6\n"myst\n\nery"\t0.5\n',
                                 "line 3: unknown run name 'myst\\n\\nery'"),
    "a-run-twice-first-over-lines": (b'run\tmean_top10_val_top1\nhalf0A\t"0.6\n"\nhalf0B\t0.6\nhalf0A\t0.7\n',
                                     "line 5: run half0A again (line 2 holds it): each run once"),
    "stray-quote-after-blank-lines": (b'run\tmean_top10_val_top1\nhalf0A\t0.6\n\n\n"half0B\t0.6\n'
                                      + b"half0C\t0.6\n" * 20_000, "line 5: field larger than field limit (131072)"),
}


@pytest.mark.parametrize("content, why", NOT_REFERENCES.values(), ids=NOT_REFERENCES.keys())
def test_a_reference_that_is_not_the_papers_runs_is_refused_naming_the_line(runs_dir, tmp_path, content, why):
    """A table in percent would be drawn on the fractions' axis and enter Table 1 a hundred times
    too large; a file of another format named a run '' or stopped on a traceback."""
    path = tmp_path / "reference.tsv"
    path.write_bytes(content)
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(tmp_path / "r"), "--reference", str(path)])
    assert result.exit_code == 65 and result.exception.code == 65, result.output
    assert f"error: bad data: report: {path}" in result.output and why in result.output


def test_a_reference_whose_rows_end_in_tabs_is_read(tmp_path):
    """A spreadsheet's export ends each row with a tab or two: an empty field past the header's was
    refused ("3 fields where the header names 2")."""
    path = tmp_path / "reference.tsv"
    path.write_text("run\tmean_top10_val_top1\nhalf0A\t0.6\t\nhalf0B\t0.7\t\t\n")
    assert [(r.run.name, r.mean10_top1) for r in read_reference(path)] == [("half0A", 0.6), ("half0B", 0.7)]


def test_a_reference_saved_with_a_byte_order_mark_is_read(tmp_path):
    """Spreadsheets save UTF-8 with a byte order mark: its first column is still 'run'."""
    path = tmp_path / "reference.tsv"
    path.write_bytes("\ufeff".encode() + TINY_REFERENCE.encode())
    assert [r.run.name for r in read_reference(path)][:2] == ["half0A", "half0B"]


@pytest.mark.skipif(not REFERENCE.is_file(), reason=f"the paper's numbers are not at {REFERENCE}")
def test_the_papers_runs_give_the_papers_means_and_table1():
    results = read_reference(REFERENCE)
    # The data README's table (means of the original logs) and the paper's Table 1 to its printed digit: the mean
    # over the AnB+ networks of each range (the mean of each n's mean gave 1.7, 1.9, 2.1 and 1.6, 1.5, 1.8).
    assert means_by_n(results, treatment="AnB")[7] == pytest.approx(0.5425, abs=1e-4)
    assert means_by_n(results, treatment="BnB+")[1] == pytest.approx(0.6177, abs=1e-4)
    assert means_by_n(results, "natural", "AnB", "A")[7] == pytest.approx(0.3990, abs=1e-4)
    assert means_by_n(results, "all", "random")[3] == pytest.approx(0.0011, abs=1e-4)
    rows = {row["layers"]: row for row in report.table1(results)}
    for layers, over_base, over_selffer in (("1 to 7", 0.016, 0.014), ("3 to 7", 0.018, 0.014),
                                            ("5 to 7", 0.021, 0.017)):
        assert rows[layers]["boost_over_pooled_base"] == pytest.approx(over_base, abs=0.0005)
        assert rows[layers]["boost_over_BnB+"] == pytest.approx(over_selffer, abs=0.0005)


def _dots(axes):
    """The y values of the single-network dots of a panel (not the means' error-bar caps)."""
    return sorted(y for line in axes.lines if line.get_linestyle() == "None" and line.get_marker() not in ("_", "|")
                  for y in line.get_ydata())


def _means(axes):
    """{label: mean values} of the panel's mean ± s.d. lines (without the NaN where a line breaks across n not
    measured: tests/test_figures_gaps_in_n.py)."""
    return {container.get_label(): [y for y in container.lines[0].get_ydata() if not math.isnan(y)]
            for container in axes.containers}


def test_figures_plot_every_network_and_the_means_with_their_spread(runs_dir, tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    reference = tmp_path / "reference.tsv"
    reference.write_text(TINY_REFERENCE)
    written = report.write_report(runs_dir, tmp_path / "report", reference=reference)
    assert written.figures
    for name in ("figure2", "figure3", "curves"):
        assert written.files[f"{name}.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert written.files[f"{name}.svg"].read_text().lstrip().startswith("<?xml")
    results = collect(runs_dir)[0]
    top, bottom = figures_paper.figure2(Figure, results).axes
    assert _dots(top) == pytest.approx(sorted(ACCURACY.values()))  # every network is a dot
    assert _means(top)["AnB+ (1 network per n)"] == pytest.approx([0.65, 0.66, 0.70])
    assert _means(top)["BnB (1 network per n)"] == pytest.approx([0.58, 0.55, 0.52])
    assert _means(bottom)["AnB+ (1 network per n)"] == pytest.approx([3, 4, 8])  # points over baseB, 0.62
    assert "mean of the 10 best" in top.get_ylabel() and "own base" in bottom.get_ylabel()


def test_a_report_written_twice_is_the_same_bytes(runs_dir, tmp_path):
    """The same runs give the same report files, figures included: matplotlib's SVGs carried the
    time of writing and random element ids, so two reports of one grid differed in every SVG."""
    pytest.importorskip("matplotlib")
    first = report.write_report(runs_dir, tmp_path / "first")
    second = report.write_report(runs_dir, tmp_path / "second")
    assert sorted(first.files) == sorted(second.files) and "figure2.svg" in first.files
    assert [name for name in first.files if first.files[name].read_bytes() != second.files[name].read_bytes()] == []


def test_figure3_normalises_each_treatment_by_its_own_base(tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    out = tmp_path / "grid"
    accuracy = {"natural/baseA": 0.70, "natural/baseB": 0.50, "natural/A2B": 0.45, "natural/B2A": 0.60,
                "all/base": 0.55, "all/random2": 0.25}
    runs = grid.plan_grid(random_seeds=(), natural=True, layers=(2,), random_frozen=(2,))
    for run in runs:
        write_run(out, run, accuracy[run.name])
    _, _, relative = figures_paper.figure3(Figure, collect(out)[0]).axes
    lines = _means(relative)
    assert lines["natural target: BnA (1 network)"] == pytest.approx([-10])  # B2A: onto half A, natural
    assert lines["man-made target: AnB (1 network)"] == pytest.approx([-5])
    assert lines["random frozen layers (1 network)"] == pytest.approx([-30])
    assert not any(label.startswith("random A/B split") for label in lines)


@pytest.fixture(scope="module")
def plants_and_vehicles(tmp_path_factory):
    """A class-folder dataset whose families are plant and vehicle, half A the vehicles (--family-a)."""
    root = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(4)
    for number, name in enumerate(("oak", "fern", "car", "bus")):
        for subset in ("train", "val"):
            (root / "tree" / subset / name).mkdir(parents=True)
            for index in range(2):
                pixels = rng.integers(0, 256, (12, 12, 3)) // (number + 1)
                Image.fromarray(pixels.astype(np.uint8)).save(root / "tree" / subset / name / f"{index}.png")
    (root / "families.txt").write_text("oak plant\nfern plant\ncar vehicle\nbus vehicle\n")
    folders.import_folder(root / "tree", root / "data", families=root / "families.txt", family_a="vehicle", size=12,
                          workers=1)
    return root / "data"


def test_the_natural_split_is_named_after_the_families_its_dataset_records(runs_dir, plants_and_vehicles, tmp_path,
                                                                          monkeypatch):
    pytest.importorskip("matplotlib")
    svg = figures.render  # figure3.svg's text is read; the PNGs, which no one looks at here, are placeholders
    monkeypatch.setattr(figures, "render", lambda figure, suffix: svg(figure, suffix) if suffix == "svg" else
                        placeholders.render(figure, suffix))
    accuracy = {"natural/baseA": 0.70, "natural/baseB": 0.60, "natural/A5B": 0.40, "natural/B5A": 0.50}
    for run in grid.plan_grid(random_seeds=(), natural=True, layers=(5,)):
        write_run(runs_dir, run, accuracy[run.name],
                  config={"split": "natural", "half": run.target, "data": str(plants_and_vehicles)})
    written = report.write_report(runs_dir, tmp_path / "report")
    figure3 = written.files["figure3.svg"].read_text()
    for text in ("target vehicle (1 network per n)", "target plant (1 network per n)", "plant target: AnB",
                 "natural split: vehicle (A) / plant (B), by target task"):
        assert text in figure3
    assert "man-made" not in figure3
    assert "At n=5, the vehicle / plant transfer loses 3.0 points more than a random split's (natural -20.0, " \
           "random -17.0 points" in written.files["findings.md"].read_text()  # the two splits, as --split names them

    moved = tmp_path / "elsewhere"
    shutil.move(plants_and_vehicles, moved)  # the dataset is not where the runs were trained
    try:
        assert natural_families(collect(runs_dir)[0]) == ("family A", "family B")
    finally:
        shutil.move(moved, plants_and_vehicles)


def test_the_natural_split_is_named_after_its_families_where_some_runs_name_a_path_not_read():
    """A grid continued on a cluster node where the dataset lies at another path: the runs trained
    there record a path that cannot be read here, the others one that can. The figure and findings
    called the halves "family A" / "family B" when the first run by name was one of the former."""
    def natural(name, families):
        return dataclasses.replace(Result(grid.Run(name, "base", "natural", 0, target=name[-1]), 0.6, 0.6, 0.6, 20),
                                   families=families)

    results = [natural("natural/baseA", ("family A", "family B")), natural("natural/baseB", ("vehicle", "plant"))]
    assert natural_families(results) == ("vehicle", "plant")
    assert natural_families(results[:1]) == ("family A", "family B")


@pytest.mark.usefixtures("placeholder_figures")
def test_the_papers_table_ships_with_minitransfer(runs_dir, tmp_path):
    shipped = read_reference("paper")
    assert len(shipped) == 170 and {r.run.treatment for r in shipped} >= {"baseB", "AnB", "AnB+", "BnB", "random"}
    assert means_by_n(shipped, treatment="AnB")[7] == pytest.approx(0.5425, abs=1e-4)  # the data README's table
    if REFERENCE.is_file():  # the same bytes as the reference data beside the project
        assert reference_path("paper").read_bytes() == REFERENCE.read_bytes()
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(tmp_path / "r"), "--reference", "paper"])
    assert result.exit_code == 0, result.output
    assert "paper's runs: over pooled base" in (tmp_path / "r" / "table1.md").read_text()
    refused = CliRunner().invoke(main, ["report", str(runs_dir), "--reference", "papers"])
    assert refused.exit_code == 2 and "neither 'paper' nor an existing file" in refused.output


def test_without_matplotlib_the_tables_are_still_written(runs_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    from minitransfer.cli.report import report as report_command

    result = CliRunner().invoke(report_command, [str(runs_dir), "-o", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    assert "pip install 'minitransfer[plot]'" in result.output
    assert sorted(p.name for p in (tmp_path / "report").iterdir()) == \
        ["findings.md", "results.csv", "results.md", "table1.csv", "table1.md"]


@pytest.mark.usefixtures("placeholder_figures")  # which figures are drawn is checked, not their rendering
def test_a_report_leaves_no_figure_of_an_earlier_one(runs_dir, tmp_path, monkeypatch):
    """Every figure beside the tables is this report's: a cross-dataset figure whose runs are gone,
    the figures of a report drawn before matplotlib was removed, and a killed report's temporary
    are not left next to tables they no longer show."""
    pytest.importorskip("matplotlib")
    out = tmp_path / "report"
    for run in grid.plan_grid(random_seeds=(), layers=(1,), cross=True):
        write_run(runs_dir, run, 0.45)
    assert "figure_cross.png" in report.write_report(runs_dir, out).files
    shutil.rmtree(runs_dir / "cross")
    killed = out / ".figure2.png.tmp-999999999"  # fileio's temporary name, of a process that is gone
    killed.write_bytes(b"\x89PNG half")
    written = report.write_report(runs_dir, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(written.files) and "figure2.png" in written.files

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    written = report.write_report(runs_dir, out)
    assert not written.figures
    assert sorted(p.name for p in out.iterdir()) == ["findings.md", "results.csv", "results.md", "table1.csv",
                                                     "table1.md"]


@pytest.mark.usefixtures("placeholder_figures")  # the files' names and bytes are compared, not rendered pictures
def test_a_report_that_fails_leaves_nothing_of_the_earlier_one_beside_its_own(runs_dir, tmp_path, monkeypatch):
    """A full disk halfway through a report: before, the new tables sat beside the earlier report's
    figures, which showed other runs (and one of runs that are gone). A failure while drawing, before
    any file is touched, leaves the earlier report whole."""
    pytest.importorskip("matplotlib")
    placeholder = figures.render
    out = tmp_path / "report"
    for run in grid.plan_grid(random_seeds=(), layers=(1,), cross=True):
        write_run(runs_dir, run, 0.45)
    earlier = {path.name: path.read_bytes() for path in report.write_report(runs_dir, out).files.values()}
    shutil.rmtree(runs_dir / "cross")
    write_run(runs_dir, next(r for r in grid.plan_grid(layers=(5,)) if r.name == "random0/A5B+"), 0.80)
    new = {path.name: path.read_bytes() for path in report.write_report(runs_dir, tmp_path / "whole").files.values()}
    assert "figure_cross.png" in earlier and "figure_cross.png" not in new

    def failing(*args):
        raise MemoryError("drawing")

    monkeypatch.setattr(figures, "render", failing)
    with pytest.raises(MemoryError):
        report.write_report(runs_dir, out)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == earlier
    monkeypatch.setattr(figures, "render", placeholder)

    written, write_bytes = [], fileio.write_bytes

    def full_disk(path, data):
        if len(written) == 3:
            raise fileio.storage_error(path, OSError(errno.ENOSPC, "No space left on device"))
        write_bytes(path, data)
        written.append(path.name)

    monkeypatch.setattr(fileio, "write_bytes", full_disk)
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(out)])
    assert result.exit_code == 74, result.output
    assert f"; {out} holds 3 of this report's {len(new)} files and none of the earlier report's\n" in result.output
    left = {path.name: path.read_bytes() for path in out.iterdir()}
    assert sorted(left) == sorted(written) and all(left[name] == new[name] for name in left)


@pytest.mark.usefixtures("placeholder_figures")
def test_a_report_folder_under_a_file_is_an_io_error_naming_the_folder(runs_dir, tmp_path):
    """The failed write's own error (the folder, made for its lock before the tables are written),
    not the one of removing a temporary that was never made. (The command refuses such an -o before
    it starts, exit 2: tests/cli/test_output_paths.py.)"""
    in_the_way = tmp_path / "notes.txt"
    in_the_way.write_text("mine")
    with pytest.raises(fileio.StorageError) as raised:
        report.write_report(runs_dir, in_the_way / "report")
    assert str(raised.value) == f"cannot write {in_the_way / 'report'}: Not a directory"
    assert in_the_way.read_text() == "mine"


@pytest.mark.usefixtures("placeholder_figures")
def test_cli_report_says_where_the_files_are(runs_dir, tmp_path):
    from minitransfer.cli.report import report as report_command

    result = CliRunner().invoke(report_command, [str(runs_dir)])
    assert result.exit_code == 0, result.output
    assert f"read {len(ACCURACY)} finished runs" in result.output
    assert str(runs_dir / "report" / "table1.md") in result.output


def test_run_names_with_line_breaks_and_bars_keep_one_line_per_run(runs_dir, tmp_path):
    """A run folder named with a line break and a "|" (a hand-trained run named from a pasted
    note), another with a tab, left out: results.md's table keeps one row per run and its columns,
    each list one line per run (the names escaped as on the terminal: \\n, \\t, \\|); results.csv
    keeps the names as they are."""
    write_run(runs_dir, grid.Run("random1/odd\nbase|A", "base", "random", 1, target="A"), 0.6)
    broken = runs_dir / "random0" / "broken\tA3B.run"
    broken.mkdir()
    (broken / "result.json").write_text("{")
    written = report.write_report(runs_dir, tmp_path / "r", figures=False)
    table = [line for line in written.files["results.md"].read_text().splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(ACCURACY) + 1
    assert all(line.replace("\\|", "").count("|") == len(report.COLUMNS) + 1 for line in table)
    assert any(line.startswith("| random1/odd\\nbase\\|A | baseA | baseB | random | 1 | A | 0 |") for line in table)
    left_out = f"- random0/broken\\tA3B: {runs_dir}/random0/broken\\tA3B.run/result.json: not valid JSON"
    for name in ("results.md", "findings.md"):
        assert left_out in written.files[name].read_text().splitlines()[-1]
    assert "random1/odd\nbase|A" in {row["run"] for row in read_csv(written.files["results.csv"])}


def test_cli_report_whose_only_run_is_named_with_a_line_break_fails_on_one_line(tmp_path):
    """Every run left out, one named with a line break: the error is one line, the name escaped as
    in the report's other lines."""
    folder = tmp_path / "grid" / "odd\nbase.run"
    folder.mkdir(parents=True)
    (folder / "result.json").write_text("{")
    result = CliRunner().invoke(main, ["report", str(tmp_path / "grid")])
    assert result.exit_code == 1
    assert result.output == (f"error: no finished runs (*.run/result.json) under {tmp_path}/grid: left out "
                             f"odd\\nbase: {tmp_path}/grid/odd\\nbase.run/result.json: not valid JSON (empty, "
                             f"truncated or corrupt)\n")


def test_cli_report_without_runs_fails(tmp_path):
    """An empty folder: a usage mistake (exit code 2), no run having failed there."""
    from minitransfer.cli.report import report as report_command

    result = CliRunner().invoke(report_command, [str(tmp_path)])
    assert result.exit_code == 2 and "no finished runs" in result.output
    assert list(tmp_path.iterdir()) == []  # nothing written


def home_folder(tmp_path):
    """A folder of everything but runs (a home folder: notes, code, a weights file)."""
    for folder in ("notes", "code/minitransfer", ".cache/pip"):
        (tmp_path / "home" / folder).mkdir(parents=True)
    (tmp_path / "home" / "baseA.h5").write_text("weights")
    return tmp_path / "home"


def unfinished_grid(tmp_path):
    """A grid planned by experiment, none of its runs trained yet."""
    runs = grid.plan_grid(layers=(1, 3, 5))
    for run in runs:
        grid.run_dir(tmp_path / "grid", run).mkdir(parents=True)
        (grid.run_dir(tmp_path / "grid", run) / "treatment.json").write_text(json.dumps(run.to_json()))
    return tmp_path / "grid"


NOT_RUNS = {
    "home-folder": (home_folder, 2, "no run folder (<name>.run/, which experiment and train write) is in it or "
                                    "in a folder below it: give the folder a grid was trained into (its --out), or "
                                    "the one that holds train's --out"),
    "run-folder-itself": (lambda tmp_path: write_runs(tmp_path / "grid") / "random0" / "A3B.run", 2,
                          "it is a run folder itself: give the folder that holds it, {runs.parent}"),
    "nothing-finished": (unfinished_grid, 1, "14 not finished (random0/baseA (not started), "
                                             "random0/baseB (not started), random0/B1B (not started), "
                                             "random0/B1B+ (not started), random0/A1B (not started) and 9 more)"),
}


@pytest.mark.parametrize("folder, code, why", NOT_RUNS.values(), ids=NOT_RUNS.keys())
def test_cli_report_of_a_folder_without_finished_runs_says_why(tmp_path, folder, code, why):
    """A mistyped or wrong folder (a home folder, a run's own folder), or a grid not trained yet:
    one line naming the folder and why there is nothing to report, nothing written; exit code 1 for a grid
    none of whose runs finished, but 2 for a run's own folder or one that holds no run folder, usage mistakes
    (as a weights file given is), which exited 1 ("run failed" of runs that never were)."""
    runs = folder(tmp_path)
    before = sorted(runs.rglob("*"))
    result = CliRunner().invoke(main, ["report", str(runs)])
    assert result.exit_code == code
    assert result.output == f"error: no finished runs (*.run/result.json) under {runs}: {why.format(runs=runs)}\n"
    assert sorted(runs.rglob("*")) == before
