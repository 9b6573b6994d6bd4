"""On a real single-node SLURM (``tests/slurm_cluster.py``; skipped without root or slurm-wlm/munge):
the array task that runs under its array's own job id, which SLURM's commands given that id take
for every task of the array."""

from minitransfer import experiment as grid
from minitransfer import slurm
from test_slurm import SETTLE_SECONDS, cluster, real_options, settle, submit, submitted_jobs  # noqa: F401 (fixture)


def start_both_bases(cluster, tmp_path):
    """An array of two long runs, both training: ``(array job id, {task: its own job id}, out, scripts)``."""
    runs = grid.plan_grid(layers=(1,))[:2]  # random0/baseA, random0/baseB: one array of two tasks
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    job = submitted_jobs(submit(cluster, slurm.emit_slurm(runs, out, scripts, real_options(max_iter=100000))))["bases"]
    logs = [grid.run_dir(out, run) / grid.LOG_FILE for run in runs]
    cluster.wait_for(lambda: all(log.exists() and "\niteration " in log.read_text() for log in logs), SETTLE_SECONDS,
                     "both tasks' first iterations")
    ids = dict(line.split() for line in cluster.command("squeue", "--noheader", "--array", f"--jobs={job}",
                                                        "--format=%i %A").splitlines())
    return job, ids, out, scripts


def test_real_slurm_sigterm_to_the_script_of_one_task_stops_that_task_only(cluster, tmp_path):
    """`scancel --batch --signal=TERM <job>_<task>`: the script passed the signal on with scancel to its
    job id, which for the task running under the array's own id is the whole array: every running task
    of the array checkpointed and was requeued."""
    job, ids, out, scripts = start_both_bases(cluster, tmp_path)
    task = next(task for task, own_id in ids.items() if own_id == job)
    other = next(each for each in ids if each != task)
    cluster.command("scancel", "--batch", "--signal=TERM", task)
    slurm_log = scripts / "logs" / f"bases-{task}.out"
    cluster.wait_for(lambda: "exit 75" in slurm_log.read_text(), SETTLE_SECONDS, "the task to see the training's exit")
    cluster.wait_for(lambda: cluster.job_record(task)["Restarts"] == "1", SETTLE_SECONDS, "the requeue")
    # the other task's training goes on: its next iterations come without a stop and a resume between
    other_log = grid.run_dir(out, grid.plan_grid(layers=(1,))[int(other.split("_")[1])]) / grid.LOG_FILE
    seen = len(other_log.read_text())
    cluster.wait_for(lambda: "\niteration " in other_log.read_text()[seen:], SETTLE_SECONDS, "more iterations")
    assert "interrupted" not in other_log.read_text(), other_log.read_text()[-2000:]
    assert cluster.job_record(other)["Restarts"] == "0"
    cluster.command("scancel", job)
    assert settle(cluster) == {}


def test_real_slurm_sigterm_requeues_the_task_that_runs_under_the_array_job_id(cluster, tmp_path):
    """The last task of an array to start runs under the array's own job id, and `squeue --jobs=<that
    id>` lists every task of the array: its state read so was "RUNNING" once per task, not "RUNNING",
    so the task was not requeued after SIGTERM (its transfers then never started) and said "the job is
    RUNNING RUNNING (cancelled, or out of time)"."""
    job, ids, out, scripts = start_both_bases(cluster, tmp_path)
    # the task whose own job id is the array's (squeue's %A), while the other task still runs
    task = next(task for task, own_id in ids.items() if own_id == job)
    cluster.command("scancel", "--signal=TERM", task)
    slurm_log = scripts / "logs" / f"bases-{task}.out"
    cluster.wait_for(lambda: "exit 75" in slurm_log.read_text(), SETTLE_SECONDS, "the task to see the training's exit")
    output = slurm_log.read_text()
    assert "run random0/base" in output and "exit 75, interrupted with a checkpoint: requeued" in output, output
    cluster.wait_for(lambda: cluster.job_record(task)["Restarts"] == "1", SETTLE_SECONDS, "the requeue")
    cluster.command("scancel", job)
    assert settle(cluster) == {}
