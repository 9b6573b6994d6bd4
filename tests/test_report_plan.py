"""``report`` of a grid whose plan (experiment.json) names runs that have no run folder: named as
planned, not started, on the terminal and in results.md and findings.md, measured as without them."""

import shutil

from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import grid_plan_file, report
from minitransfer.cli import main

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
