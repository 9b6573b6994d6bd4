"""On a real single-node SLURM (``tests/slurm_cluster.py``; skipped without root or slurm-wlm/munge): the
tasks train whether the environment is left out with ``SBATCH_EXPORT=NONE`` in the shell that runs
submit.sh or with ``--sbatch-option --export=NONE`` (SLURM loads the user's login environment in
either, PATH with it; the train command names its program by its full path). submit.sh refused the
variable, while the option was taken."""

import subprocess

import pytest
from test_slurm import cluster, real_options, settle, submitted_jobs  # noqa: F401

from minitransfer import experiment as grid
from minitransfer import grid_status, slurm


@pytest.mark.parametrize("exported, sbatch_options", [({"SBATCH_EXPORT": "NONE"}, ()), ({}, ("--export=NONE",))],
                         ids=["variable", "option"])
def test_real_slurm_task_trains_with_no_environment_exported(cluster, tmp_path, exported, sbatch_options):
    run = grid.plan_grid(layers=(1,))[0]
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    script = slurm.emit_slurm([run], out, scripts, real_options(), sbatch_options=sbatch_options)
    env = dict(cluster.env, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", **exported)
    done = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr + cluster.diagnostics()
    job = submitted_jobs(done.stdout)["bases"]
    assert settle(cluster) == {}
    assert grid_status.is_finished(out, run), cluster.diagnostics()
    assert f"run {run.name}: done" in (scripts / "logs" / f"bases-{job}_0.out").read_text()
