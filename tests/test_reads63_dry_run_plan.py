"""`experiment --dry-run` reads the grid's plan (OUT/experiment.json) once, as the grid's notes (the plan it replaces,
the runs it leaves alone), the SLURM submissions and the SLURM scripts' line all look at it: before, it opened and
parsed the file four times for a grid written for SLURM scripts."""

from click.testing import CliRunner

from counting import opens_of
from minitransfer.cli import main
from minitransfer.experiment import PLAN_FILE


def test_a_dry_run_reads_the_grids_plan_once(micro_data, tmp_path, monkeypatch):
    out = tmp_path / "grid"
    common = ["experiment", "--data", micro_data, "-o", str(out), "--layers", "1", "--max-iter", "2",
              "--no-fine-tuned", "--device", "cpu"]
    emitted = CliRunner().invoke(main, [*common, "--emit-slurm", str(tmp_path / "slurm"), "--time", "10"])
    assert emitted.exit_code == 0, emitted.output
    reads = opens_of(monkeypatch, out / PLAN_FILE)
    dry = CliRunner().invoke(main, [*common, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "on SLURM (the scripts this plan was written for" in dry.stdout, dry.stdout  # the plan read
    assert len(reads) == 1, reads
