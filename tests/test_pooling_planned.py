"""``report`` of a folder gathering several machines' grids (a course's or a lab's study: class/alice/grid,
class/bob/grid, each copied with its experiment.json): the runs a grid's plan names that were not copied
(deleted, never trained) are named as planned, not started, with the grid's path before them, as the grid
reported alone names them; before, a plan below the folder reported was not read, and its missing runs
went unsaid. Gathered demos are named as a demo alone is under Table 1 (it trains no BnB+ on a CPU)."""

import shutil

from click.testing import CliRunner

from minitransfer import report
from minitransfer.cli import main

from test_report_plan import GONE, _grid, _without


def _class(tmp_path):
    """class/alice/grid missing GONE, class/bob/grid whole: two copies of one fake grid's plan and runs."""
    gathered = tmp_path / "class"
    _without(_grid(gathered / "alice" / "grid"), GONE)
    shutil.copytree(_grid(tmp_path / "bob"), gathered / "bob" / "grid")
    return gathered


def test_a_gathered_grids_planned_run_without_a_folder_is_named_with_its_grids_path(tmp_path):
    gathered = _class(tmp_path)
    alone = report.measure(gathered / "alice" / "grid")
    assert alone.planned == [GONE]
    measured = report.measure(gathered)
    assert measured.planned == [f"alice/grid/{GONE}"]

    said = CliRunner().invoke(main, ["report", str(gathered), "-o", str(tmp_path / "out")])
    assert said.exit_code == 0, said.output
    words = f"planned, not started: alice/grid/{GONE} (rerun the grid's experiment command to train it)"
    assert f"  {words}" in said.output.splitlines()
    for name in ("results.md", "findings.md"):
        assert words in (tmp_path / "out" / name).read_text()


def test_a_whole_gathered_grid_and_run_folders_name_nothing_planned(tmp_path):
    gathered = tmp_path / "class"
    shutil.copytree(_grid(tmp_path / "bob"), gathered / "bob" / "grid")
    (gathered / "bob" / "grid" / "random0" / "baseA.run" / "experiment.json").write_text("{}")  # not looked into
    assert report.measure(gathered).planned == []


def test_gathered_demos_say_the_demo_trains_no_bnb_plus_as_a_demo_alone_does(tmp_path):
    from minitransfer.grid_options import ALL_CLASSES
    from test_report_wording_sources import DEMO_WORDS, write_grid

    demo = {ALL_CLASSES: {"max_iter": 30}, "preset": "toy"}
    write_grid(tmp_path / "class" / "alice" / "demo", demo)
    alone = report.write_report(tmp_path / "class" / "alice" / "demo", tmp_path / "alone", figures=False)
    assert DEMO_WORDS in alone.files["table1.md"].read_text()
    gathered = report.write_report(tmp_path / "class", tmp_path / "gathered", figures=False)
    assert DEMO_WORDS in gathered.files["table1.md"].read_text()

    write_grid(tmp_path / "lab" / "bob" / "grid", {"max_iter": 30})  # an experiment's grid: no demo named
    assert DEMO_WORDS not in report.write_report(tmp_path / "lab", tmp_path / "lab_report",
                                                 figures=False).files["table1.md"].read_text()
