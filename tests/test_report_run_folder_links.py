"""A run folder kept on another disk, linked into the grid (``random0/baseB.run -> /scratch/...``),
whose disk is not mounted now, or whose folder there was moved or deleted: the link leads nowhere.
The report passed it over without a word (its copies said only that their base "is not among the
runs"), and a folder of such links alone said "no run folder is in it". It is now named among the
runs left out, with where the link leads; a link to a folder there is read as the run it is."""

import os
import shutil


from minitransfer import report
from test_report import ACCURACY, runs_dir  # noqa: F401  (fixture)
from test_report_dead_links import gone


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
    assert written.left_out == [f"random0/baseB: {gone(link, scratch / 'baseB.run', 'its run is missing')}"]
    # a folder of such a link alone: test_report_dead_links.py
