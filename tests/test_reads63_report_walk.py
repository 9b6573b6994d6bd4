"""A report walks the runs' folder for the grids gathered below it (their plans, experiment.json) once: for the
planned runs (report_pooled.planned_in_grids) and Table 1's note on a demo (report_table1_notes.demo_planned) both.
Before, a folder that belongs to no grid (runs gathered by hand, or copies of several machines' grids) was walked
twice. The search for the run folders (run_search.find_runs, through links) is a walk of its own."""

import os

from counting import calls_of
from fake_results import finished_grid

from minitransfer import report


def test_a_report_of_runs_in_no_grid_walks_them_once_for_gathered_grids(tmp_path, monkeypatch):
    runs = finished_grid(tmp_path / "runs", layers=(1,))  # no experiment.json: in no grid
    walks = calls_of(monkeypatch, os, "walk")
    written = report.write_report(runs, tmp_path / "report", figures=False)
    assert len(written.results) == 6 and written.planned == [], written.left_out
    assert [arguments[0] for arguments in walks] == [runs]
