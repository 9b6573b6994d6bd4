"""The #SBATCH lines of emitted scripts edited (which ``submit.sh`` allows: "edit only its #SBATCH lines"): a
time limit shortened under 5 minutes, or the ``--signal`` line removed, then ``experiment --dry-run`` of the grid,
which reads the scripts to say what they submit."""

import re

import pytest
from click.testing import CliRunner

from minitransfer.cli.experiment import experiment


@pytest.mark.parametrize("edit", [
    lambda text: text.replace("#SBATCH --time=5\n", "#SBATCH --time=1\n"),
    lambda text: re.sub(r"#SBATCH --signal=\S+\n", "", text),
    lambda text: re.sub(r"#SBATCH --signal=\S+\n", "", text).replace("#SBATCH --time=5\n", ""),
], ids=["time-1", "no-signal", "no-signal-no-time"])
def test_dry_run_of_a_grid_whose_scripts_time_lines_were_edited_says_the_plan(tmp_path, synthetic_8, edit):
    """A task killed at its time limit (TIMEOUT: the --signal line removed, or a --time under the margin) left its
    run to resume; the grid's dry run then ended in a traceback (ValueError: time limit '1' is under 5 minutes;
    StopIteration without a --signal line) as it described the scripts, instead of the plan."""
    common = ["--data", synthetic_8, "-o", str(tmp_path / "grid"), "--layers", "1", "--device", "cpu"]
    emitted = CliRunner().invoke(experiment, [*common, "--time", "5", "--emit-slurm", str(tmp_path / "slurm")])
    assert emitted.exit_code == 0, emitted.output
    for name in ("bases.sh", "transfers.sh"):
        script = tmp_path / "slurm" / name
        script.write_text(edit(script.read_text()))
    result = CliRunner().invoke(experiment, [*common, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "6 runs in 1 folder (random0 6): 0 finished, 6 to train" in result.output
    assert f"on SLURM (the scripts this plan was written for, in {tmp_path / 'slurm'})" in result.output


def test_the_description_of_edited_scripts_says_what_their_time_lines_leave(tmp_path, synthetic_8):
    from minitransfer import experiment as grid
    from minitransfer import slurm

    runs = grid.plan_grid(layers=(1,))
    slurm.emit_slurm(runs, tmp_path / "grid", tmp_path / "slurm", {"data": synthetic_8, "device": "cpu"},
                     time_limit="5")
    script = tmp_path / "slurm" / "bases.sh"
    script.write_text(script.read_text().replace("#SBATCH --time=5\n", "#SBATCH --time=1\n"))
    said = slurm.describe_scripts(runs, tmp_path / "grid", tmp_path / "slurm")
    assert "#SBATCH --time=1: time limit '1' is under 5 minutes" in " ".join(said), said
    script.write_text(re.sub(r"#SBATCH --signal=\S+\n", "", script.read_text()))
    said = slurm.describe_scripts(runs, tmp_path / "grid", tmp_path / "slurm")
    assert "no --signal=TERM@SECONDS line: the tasks are not told to checkpoint before their time limit" \
           in " ".join(said), said
