"""A SLURM script's option (--time, --partition, --gres, --sbatch-option) given to a grid without --emit-slurm is
refused (exit 2) at once, naming what was given and the way out: before, it came after the grid's warnings, as the
last of several lines, and named the four options alone, not the one given."""

from click.testing import CliRunner

from minitransfer.cli import main


def test_a_slurm_option_without_emit_slurm_is_refused_first_naming_it(micro_data, tmp_path):
    data, out = micro_data, tmp_path / "grid"
    # --max-iter 4: a schedule the grid warns of (few evaluations) before it trains
    result = CliRunner().invoke(main, ["experiment", "--data", str(data), "-o", str(out), "--layers", "1",
                                       "--max-iter", "4", "--device", "cpu", "--dry-run", "--time", "1:00:00",
                                       "--sbatch-option=--account=lab"])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert errors == ["Error: --time 1:00:00 --sbatch-option --account=lab: --gres, --partition, --time and "
                      "--sbatch-option only apply with --emit-slurm; add --emit-slurm DIR to write SLURM scripts, or "
                      "leave them out to train here"], result.output
    assert "warning:" not in result.output, result.output  # refused before the grid's checks and warnings
    assert not out.exists()
