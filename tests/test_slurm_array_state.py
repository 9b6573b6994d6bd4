"""On a real single-node SLURM (``tests/slurm_cluster.py``; skipped without root or slurm-wlm/munge):
what SLURM reports of an array task while others of its array are listed too."""

import pytest

from minitransfer import experiment as grid
from minitransfer import slurm
from test_slurm import SETTLE_SECONDS, cluster, real_options, settle, submit, submitted_jobs  # noqa: F401 (fixture)


def test_real_slurm_sigterm_requeues_the_task_that_runs_under_the_array_job_id(cluster, tmp_path):
    """The last task of an array to start runs under the array's own job id, and `squeue --jobs=<that
    id>` lists every task of the array: its state read so was "RUNNING" once per task, not "RUNNING",
    so the task was not requeued after SIGTERM (its transfers then never started) and said "the job is
    RUNNING RUNNING (cancelled, or out of time)"."""
    runs = grid.plan_grid(layers=(1,))[:2]  # random0/baseA, random0/baseB: one array of two tasks
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    job = submitted_jobs(submit(cluster, slurm.emit_slurm(runs, out, scripts, real_options(max_iter=100000))))["bases"]
    logs = [grid.run_dir(out, run) / grid.LOG_FILE for run in runs]
    cluster.wait_for(lambda: all(log.exists() and "\niteration " in log.read_text() for log in logs), SETTLE_SECONDS,
                     "both tasks' first iterations")
    # the task whose own job id is the array's (squeue's %A), while the other task still runs
    ids = dict(line.split() for line in cluster.command("squeue", "--noheader", "--array", f"--jobs={job}",
                                                        "--format=%i %A").splitlines())
    task = next(task for task, own_id in ids.items() if own_id == job)
    cluster.command("scancel", "--signal=TERM", task)
    slurm_log = scripts / "logs" / f"bases-{task}.out"
    cluster.wait_for(lambda: "exit 75" in slurm_log.read_text(), SETTLE_SECONDS, "the task to see the training's exit")
    output = slurm_log.read_text()
    assert "run random0/base" in output and "exit 75, interrupted with a checkpoint: requeued" in output, output
    cluster.wait_for(lambda: cluster.job_record(task)["Restarts"] == "1", SETTLE_SECONDS, "the requeue")
    cluster.command("scancel", job)
    assert settle(cluster) == {}
