"""A run folder kept on another disk, linked into the grid (``random0/baseB.run -> /scratch/...``),
whose disk is not mounted now, or whose folder there was moved or deleted: the link leads nowhere.
The report passed it over without a word (its copies said only that their base "is not among the
runs"), and a folder of such links alone said "no run folder is in it". It is now named among the
runs left out, with where the link leads; a link to a folder there is read as the run it is."""

import os
import shutil

from click.testing import CliRunner

from minitransfer import report
from minitransfer.cli import main
from test_report import ACCURACY, runs_dir  # noqa: F401  (fixture)


def gone_link(link, target):
    return (f"{link} cannot be read (a link to {target}, which is not there: its disk not mounted, or the folder "
            f"moved or deleted): its run is missing from the report")


def test_a_run_folders_link_that_leads_nowhere_is_named_left_out(runs_dir, tmp_path):  # noqa: F811
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    for name in ("baseB", "A3B+"):  # kept on another disk, linked into the grid
        shutil.move(runs_dir / "random0" / f"{name}.run", scratch / f"{name}.run")
        os.symlink(scratch / f"{name}.run", runs_dir / "random0" / f"{name}.run")
    assert {r.run.name for r in report.measure(runs_dir).results} == set(ACCURACY)  # read through the links
    shutil.rmtree(scratch / "baseB.run")  # its disk not mounted, or the folder deleted there
    written = report.measure(runs_dir)
    assert {r.run.name for r in written.results} == set(ACCURACY) - {"random0/baseB"}
    link = runs_dir / "random0" / "baseB.run"
    assert written.left_out == [f"random0/baseB: {gone_link(link, scratch / 'baseB.run')}"]


def test_a_folder_of_a_link_that_leads_nowhere_alone_says_so(tmp_path):
    (tmp_path / "runs").mkdir()
    os.symlink(tmp_path / "scratch" / "baseA.run", tmp_path / "runs" / "baseA.run")
    result = CliRunner().invoke(main, ["report", str(tmp_path / "runs")])
    assert result.exit_code == 1
    why = gone_link(tmp_path / "runs" / "baseA.run", tmp_path / "scratch" / "baseA.run")
    assert result.output == f"error: no finished runs (*.run/result.json) under {tmp_path / 'runs'}: left out " \
                            f"baseA: {why}\n"
