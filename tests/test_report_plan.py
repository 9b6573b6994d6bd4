"""``report`` of a grid whose plan (experiment.json) names runs that have no run folder: named as
planned, not started, on the terminal and in results.md and findings.md, measured as without them;
and of its runs not finished, each named with where it stands."""

import json
import shutil

from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import checkpoint as checkpoints
from minitransfer import grid_plan_file, report
from minitransfer.cli import main

from test_checkpoint import _checkpoint
from test_info_run_folders_without_network import checkpoint_deleted_after_writing
from test_report import write_runs

GONE = "random0/A3B"  # a planned run whose folder and weights file were deleted


def _grid(out):
    """The fake finished grid of :func:`test_report.write_runs` with its experiment.json, as the grid writes it."""
    write_runs(out)
    grid_plan_file.write_plan(out, grid.plan_grid(layers=(1, 3, 5)), {"max_iter": 300}, ["minitransfer", "train"])
    return out


def _without(out, name):
    shutil.rmtree(out / f"{name}.run")
    (out / f"{name}.h5").unlink()


def test_a_planned_run_without_a_folder_is_named_and_the_measures_are_those_without_it(tmp_path):
    planned = _without(_grid(tmp_path / "grid"), GONE) or tmp_path / "grid"
    by_hand = tmp_path / "by_hand"  # the same runs, no plan: the oracle of what is measured
    shutil.copytree(planned, by_hand)
    (by_hand / grid.PLAN_FILE).unlink()
    with_plan = report.write_report(planned, tmp_path / "with_plan", figures=False)
    without_plan = report.write_report(by_hand, tmp_path / "without_plan", figures=False)

    words = f"planned, not started: {GONE} (rerun the grid's experiment command to train it)"
    assert with_plan.planned == [GONE] and without_plan.planned == []
    for name in ("results.md", "findings.md"):
        assert words in with_plan.files[name].read_text()
        assert "planned, not started" not in without_plan.files[name].read_text()
    for name in ("results.csv", "table1.csv"):
        assert with_plan.files[name].read_text() == without_plan.files[name].read_text()
    assert [f.text for f in with_plan.findings] == [f.text for f in without_plan.findings]

    said = CliRunner().invoke(main, ["report", str(planned), "-o", str(tmp_path / "terminal")])
    assert said.exit_code == 0, said.output
    assert f"  {words}" in said.output.splitlines()


def test_a_split_folder_of_a_grid_reads_the_plan_above_it(tmp_path):
    out = _grid(tmp_path / "grid")
    _without(out, GONE)
    measured = report.measure(out / "random0")
    assert measured.planned == [GONE.partition("/")[2]]
    assert report.measure(out).planned == [GONE]


def test_a_grid_whose_runs_are_all_gone_says_which_were_planned(tmp_path):
    out = _grid(tmp_path / "grid")
    shutil.rmtree(out / "random0")
    said = CliRunner().invoke(main, ["report", str(out)])
    assert said.exit_code == 1
    assert "planned, not started: random0/baseA, random0/baseB," in said.output


def _stop(out, name):
    """``name`` not finished: its result.json and weights file gone, its folder left to be told apart."""
    (out / f"{name}.run" / "result.json").unlink()
    (out / f"{name}.h5").unlink()
    return out / f"{name}.run"


def test_each_run_not_finished_says_where_it_stands(tmp_path):
    """A run stopped with a checkpoint (resumable at its iteration), one whose folder the grid's plan
    made alone (not started), and one whose train started (its config.json and train.log) and was
    killed before its first checkpoint: each named with its state, not one list of names."""
    out = _grid(tmp_path / "grid")
    saved = _checkpoint(seed=3)
    checkpoints.save(_stop(out, "random0/A1B") / "checkpoint.h5", saved)
    for path in _stop(out, "random0/A3B").iterdir():
        if path.name != "treatment.json":
            path.unlink()
    started = _stop(out, "random0/A5B")
    (started / "config.json").write_text(json.dumps({"split": "random", "split_seed": 0, "half": "B"}))
    (started / "train.log").write_text("iteration 3/300 loss 2.3000 lr 0.01\n")

    said = {"random0/A1B": f"resumable at iteration {saved.meta['iteration']}", "random0/A3B": "not started",
            "random0/A5B": "stopped before its first checkpoint"}
    listed = ", ".join(f"{name} ({state})" for name, state in said.items())
    written = report.write_report(out, tmp_path / "report", figures=False)
    assert written.unfinished == list(said)
    for name in ("results.md", "findings.md"):
        assert listed in written.files[name].read_text()
    terminal = CliRunner().invoke(main, ["report", str(out), "-o", str(tmp_path / "terminal")])
    assert terminal.exit_code == 0, terminal.output
    assert f"  not finished (3, left out): {listed}" in terminal.output.splitlines()


def test_a_run_whose_checkpoint_was_deleted_after_it_wrote_checkpoints_has_it_missing(micro_data, tmp_path):
    """Its logs record iterations past its first checkpoint: it was listed as "stopped before its first
    checkpoint". Its report still ends as one of no finished runs (1), naming it so."""
    checkpoint_deleted_after_writing(micro_data, tmp_path / "runs" / "net.h5")
    said = CliRunner().invoke(main, ["report", str(tmp_path / "runs"), "-o", str(tmp_path / "report")])
    assert said.exit_code == 1, said.output
    assert "before its first checkpoint" not in said.output, said.output
    assert ("net (its checkpoint.h5 is missing (moved or deleted since): its logs record iteration"
            in said.output), said.output
    assert "past its first checkpoint at iteration 2)" in said.output, said.output
