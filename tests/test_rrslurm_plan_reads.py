"""report's standing of a SLURM grid (:func:`minitransfer.report_plan._slurm_grid`) reads the grid's plan once:
before, it parsed experiment.json, then parsed it again for its run records (``planned_records``), where
:func:`minitransfer.grid_plan_file.records_of` takes the plan already read."""

from counting import calls_of
from test_review_61_ux import _slurm_grid

from minitransfer import grid_plan_file, report_plan


def test_the_standing_of_a_slurm_grid_reads_its_plan_once(tmp_path, monkeypatch):
    out, submit = _slurm_grid(tmp_path)
    reads = calls_of(monkeypatch, grid_plan_file, "plan_and_fault")
    slurm = report_plan._slurm_grid(out)
    assert slurm.parent == {"random0/A1B": "random0/baseA"}, slurm.parent
    assert len(reads) == 1, reads
