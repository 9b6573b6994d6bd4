"""A grid's start reads its earlier plan (OUT/experiment.json) once for its two notes, the plan it replaces and the
runs it leaves alone, as its dry run does: before, it opened and parsed the file once for each. write_plan reads
it again, fresh, before it writes (not counted here: the start stops as it is called)."""

import pytest
from click.testing import CliRunner

from counting import opens_of
from minitransfer import experiment as grid
from minitransfer import grid_runner, scheduler
from minitransfer.cli import main
from minitransfer.experiment import PLAN_FILE


class Planned(Exception):
    """Raised where the grid's start writes its plan, its notes said: nothing trained."""


def test_a_grids_start_reads_its_earlier_plan_once_for_both_notes(micro_data, tmp_path, monkeypatch):
    out = tmp_path / "grid"
    emitted = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), "--layers", "1,2",
                                        "--max-iter", "2", "--no-fine-tuned", "--device", "cpu",
                                        "--emit-slurm", str(tmp_path / "slurm"), "--time", "10"])
    assert emitted.exit_code == 0, emitted.output
    reads, read_when_planned = opens_of(monkeypatch, out / PLAN_FILE), []

    def planned(*args, **kwargs):
        read_when_planned.append(len(reads))
        raise Planned

    monkeypatch.setattr(grid_runner, "write_plan", planned)
    runs = grid.plan_grid(random_seeds=(0,), layers=(1,), fine_tuned=False)
    options = {"data": micro_data, "preset": "micro", "max_iter": 3, "device": "cpu"}
    lines = []
    with pytest.raises(Planned):
        scheduler.run_grid(runs, out, options, log=lines.append)
    notes = [line for line in lines if line.startswith("note: ")]
    assert any("replaced by this grid's plan" in note for note in notes), lines  # both notes said, from one read
    assert any("of an earlier plan that this grid does not plan" in note for note in notes), lines
    assert read_when_planned == [1], (read_when_planned, reads)
