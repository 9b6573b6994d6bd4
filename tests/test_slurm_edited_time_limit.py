"""An array script's ``#SBATCH --time`` line edited by hand (the README leaves its ``#SBATCH`` lines to the user) to a
limit that leaves under a minute of training before the SIGTERM of its ``--signal=TERM@`` line: ``submit.sh`` (its
``--dry-run`` too) refuses it, exit 2, naming the script and the line, as it refuses such an ``SBATCH_TIMELIMIT``.
Before, it submitted it: on the real test cluster (``--time 10`` edited to ``--time=2``, SIGTERM 120 s before the
limit) each task was signalled as it started, wrote a checkpoint and ended unfinished, its transfers stuck
(DependencyNeverSatisfied). No SLURM needed: stand-ins for SLURM's commands and train."""

import pytest
from test_slurm import (OPTIONS, fake_slurm, fake_train_command, sbatch_calls, submit_grid,  # noqa: F401
                        submit_refused)

from minitransfer import slurm
from minitransfer import experiment as grid


def emitted_with_time(tmp_path, line):
    """The scripts of a grid emitted with --time 10 (SIGTERM 120 s before it), bases.sh's --time line made ``line``."""
    scripts = tmp_path / "slurm"
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", scripts, OPTIONS,
                              train_command=fake_train_command(tmp_path), time_limit="10")
    bases = scripts / "bases.sh"
    text = bases.read_text()
    assert "\n#SBATCH --time=10\n" in text
    bases.write_text(text.replace("\n#SBATCH --time=10\n", f"\n{line}\n"))
    return submit


@pytest.mark.parametrize("line", ["#SBATCH --time=2", "#SBATCH --time=1:30", "#SBATCH --time 0:02:00"])
@pytest.mark.parametrize("dry_run", [(), ("--dry-run",)], ids=["submit", "dry-run"])
def test_an_edited_time_line_too_short_to_train_is_refused(tmp_path, fake_slurm, line, dry_run):
    submit = emitted_with_time(tmp_path, line)
    said = submit_refused(submit, fake_slurm, *dry_run)
    limit = line.split("time", 1)[1][1:]
    assert said.startswith(f"nothing submitted: {submit.parent / 'bases.sh'} asks for --time={limit} (its #SBATCH "
                           f"line): a time limit of {120 if limit != '1:30' else 90} s leaves under 60 s of training "
                           "before the 120 s before it"), said
    assert "edit that line to at least 3 minutes, or emit the scripts again with a --time of 5 minutes or more" in said


@pytest.mark.parametrize("line, env", [("#SBATCH --time=3", {}), ("#SBATCH --time=2", {"SBATCH_TIMELIMIT": "30"}),
                                       ("#SBATCH --time=UNLIMITED", {})],
                         ids=["long-enough", "overridden-by-sbatch-timelimit", "no-limit"])
def test_an_edited_time_line_that_leaves_training_time_is_submitted(tmp_path, fake_slurm, line, env):
    submit = emitted_with_time(tmp_path, line)
    done = submit_grid(submit, **env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sbatch_calls(fake_slurm)[0][:2] == ["--parsable", "--array=0,1"]
