"""srun's input variables set in the shell that runs submit.sh: sbatch passes its environment on to
each task (--export=ALL), where the srun that runs the training takes them. submit.sh runs sbatch
without them (slurm_sbatch.SRUN_VARIABLES)."""

import os
import subprocess

from test_slurm import OPTIONS, cluster, fake_slurm, real_options, settle, submitted_jobs  # noqa: F401

from minitransfer import grid_status, slurm, slurm_sbatch
from minitransfer import experiment as grid

# what each did to the tasks' srun on the test cluster (slurm-wlm 22.05) before: the training started without
# PATH (exit 2), its output in another file, each line labelled "0: ", srun's refusal of the step (it asked
# more CPUs than the job has) given exit 75, read as a checkpoint: the task requeued over and over
BREAKING = {"SLURM_EXPORT_ENV": "NONE", "SLURM_LABELIO": "1", "SRUN_CPUS_PER_TASK": "2", "SLURM_EXIT_ERROR": "75"}


def test_submit_runs_sbatch_without_srun_variables_of_its_shell(tmp_path, fake_slurm):
    """Before, sbatch (here a stand-in recording the environment it is given) had them all."""
    fake_bin = fake_slurm.parent / "fake-bin"
    (fake_bin / "sbatch").rename(fake_bin / "sbatch-as-asked")
    (fake_bin / "sbatch").write_text('#!/usr/bin/env bash\nenv -0 > "$FAKE_LOG/sbatch-environment"\n'
                                     'exec "$(dirname "$0")/sbatch-as-asked" "$@"\n')
    (fake_bin / "sbatch").chmod(0o755)
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS)
    given = {name: f"{name.lower()}-value" for names in slurm_sbatch.SRUN_VARIABLES.values() for name in names}
    kept = {"SLURM_CONF": "/etc/slurm/slurm.conf", "SLURM_TASK_PROLOG": "/home/me/prolog", "MY_SETTING": "mine"}
    done = subprocess.run(["bash", str(submit)], capture_output=True, text=True,
                          env=dict(os.environ, **given, **kept))
    assert done.returncode == 0, done.stderr
    environment = dict(entry.split("=", 1) for entry in
                       (fake_slurm / "sbatch-environment").read_text().split("\0") if entry)
    assert {name: environment.get(name) for name in given} == dict.fromkeys(given)
    assert {name: environment.get(name) for name in kept} == kept
    assert set(BREAKING) <= set(given)


def test_real_slurm_tasks_train_whatever_srun_variables_the_shell_that_submits_holds(cluster, tmp_path):
    """On the test cluster, before: every task's step refused (More processors requested than permitted)
    with exit 75 from SLURM_EXIT_ERROR, requeued itself over and over, the runs never trained."""
    runs = [run for run in grid.plan_grid(layers=(1,)) if run.name in ("random0/baseA", "random0/A1B")]
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    script = slurm.emit_slurm(runs, out, scripts, real_options())
    env = dict(cluster.env, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", **BREAKING)
    done = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr + cluster.diagnostics()
    jobs = submitted_jobs(done.stdout)
    assert settle(cluster) == {}
    assert all(grid_status.is_finished(out, run) for run in runs), cluster.diagnostics()
    for run in runs:
        log = (grid.run_dir(out, run) / grid.LOG_FILE).read_text()
        assert "\niteration " in log and "\n0: " not in log, log
    assert "run random0/baseA: done" in (scripts / "logs" / f"bases-{jobs['bases']}_0.out").read_text()
