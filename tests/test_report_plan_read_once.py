"""A report reads each grid's plan (experiment.json) once: for its planned runs without a folder, its SLURM scripts
(a failed run's "then rerun submit.sh"), the command that finishes it and whether it is a demo's. Before, the plan
of the grid reported was read four times (report_pooled.planned_in_grids, report_plan._slurm_grid,
finish_command.experiment_command, report_table1_notes.demo_planned), and a grid gathered below it twice. A
failed run of a SLURM grid gathered below says to rerun its submit.sh, as it does reported from its grid's folder
(before, the scripts of the grid the folder is or lies in alone were read)."""

import shutil

import pytest
from fake_results import finished_grid
from test_grid_plan_read_once import _plan_reads

from minitransfer import experiment, grid_plan_file, report


def _grid(out, slurm):
    """A grid folder at layer 1 whose plan was written for SLURM (``slurm``), its A1B not finished (its result.json
    gone) and its B1B planned without a folder."""
    finished_grid(out, layers=(1,))
    grid_plan_file.write_plan(out, list(experiment.plan_grid(layers=(1,))), {"max_iter": 4}, ["train"])
    grid_plan_file.record_slurm_scripts(out, slurm)
    (out / "random0" / "A1B.run" / "result.json").unlink()
    shutil.rmtree(out / "random0" / "B1B.run")
    return out


@pytest.mark.parametrize("below", ["", "sweep1"], ids=["the-grid", "a-grid-gathered-below"])
def test_a_report_reads_each_grids_plan_once(tmp_path, monkeypatch, below):
    runs = tmp_path / "results"
    grid = _grid(runs / below, tmp_path / "slurm")
    (grid / "random0" / "A1B.run" / "train.log").write_text("error: out of memory\n")  # the line it failed on
    reads = _plan_reads(monkeypatch)
    measured = report.measure(runs)
    assert reads == [grid / experiment.PLAN_FILE]
    prefix = f"{below}/" if below else ""
    assert measured.unfinished == [f"{prefix}random0/A1B"] and measured.planned == [f"{prefix}random0/B1B"]
    assert len(measured.finish) == 1 and f" -o {grid.absolute()} " in measured.finish[0], measured.finish
    log, submit = grid / "random0" / "A1B.run" / "train.log", tmp_path / "slurm" / "submit.sh"
    assert measured.failed == [f"{prefix}random0/A1B: error: out of memory (see {log}); then rerun bash {submit}"]
