"""sbatch refusing an array over an ``SBATCH_*`` input variable of the shell that runs submit.sh (``SBATCH_PARTITION``
of a partition that does not exist, ``SBATCH_GRES=gpu:1`` where the nodes have no GPUs), which sbatch takes over the
scripts' ``#SBATCH`` lines. Seen on the test cluster: exit 1, "fix what it names (a partition, --gres,
--time or --sbatch-option: emit the scripts again with the right one)", which leaves the variable as it is; with the
scripts' own ``#SBATCH --partition=test``, that line would have been named. Now the variable is named, exit 2
(usage), with what to do. With stand-ins for SLURM's commands, then on the real test cluster (about 3 s)."""

import subprocess

import pytest
from test_slurm import cluster, fake_slurm, real_options  # noqa: F401 (fixtures)
from test_slurm_preview import dry_run, emit

from minitransfer import experiment as grid
from minitransfer import slurm

UNSET = ("unset it in this shell, or give it a value this cluster takes (sbatch takes its SBATCH_* variables over "
         "the scripts' #SBATCH lines)")


def said_of(script, variable, submit):
    return (f"sbatch --test-only refuses {script} over {variable} of this shell's environment (its error above): "
            f"{submit} would fail there (exit 2); {UNSET}\n")


@pytest.mark.parametrize("variable, error", [
    ("SBATCH_PARTITION=nope", "sbatch: error: invalid partition specified: nope"),
    ("SBATCH_GRES=gpu:1", "sbatch: error: Invalid generic resource (gres) specification"),
    ("SBATCH_GPUS=1", "sbatch: error: Invalid generic resource (gres) specification"),
], ids=["partition", "gres", "gpus"])
def test_dry_run_names_the_variable_sbatch_refused_not_the_scripts_line(tmp_path, fake_slurm, variable, error):
    submit = emit(tmp_path, partition="test")  # its own line, which the variable overrides
    name, value = variable.split("=")
    preview = dry_run(submit, FAKE_TEST_ONLY_ERROR=error, **{name: value})
    assert preview.returncode == 2, preview.stderr
    assert f"{error}\n{said_of('bases.sh', variable, submit)}" in preview.stderr, preview.stderr
    assert "over its #SBATCH" not in preview.stderr and "emit the scripts again" not in preview.stderr, preview.stderr
    # without the variable, the scripts' line is named as before
    preview = dry_run(submit, FAKE_TEST_ONLY_ERROR="sbatch: error: invalid partition specified: test")
    assert preview.returncode == 2 and "refuses bases.sh over its #SBATCH --partition=test" in preview.stderr


def test_real_slurm_refusal_over_a_variable_names_it_and_submits_nothing(cluster, tmp_path):
    """The test cluster has no GPUs (no GresTypes): sbatch refuses --gres=gpu:1 from SBATCH_GRES."""
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,), fine_tuned=False), tmp_path / "grid", tmp_path / "slurm",
                              real_options())
    env = dict(cluster.env, SBATCH_GRES="gpu:1")  # sbatch's error as the dry run's stand-in gives it
    done = subprocess.run(["bash", str(submit)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.endswith(f"sbatch refused bases.sh over SBATCH_GRES=gpu:1 of this shell's environment (its "
                                f"error above): nothing submitted; {UNSET}, then rerun {submit}\n"), done.stderr
    assert cluster.jobs() == {}
