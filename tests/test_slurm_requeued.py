"""On a real single-node SLURM (``tests/slurm_cluster.py``; skipped without root or slurm-wlm/munge): a
task requeued from outside while it trains (``scontrol requeue``, as an administrator or a preemption
with PreemptMode=REQUEUE does) resumes its run from the checkpoint written as SLURM stopped it."""

import re

from minitransfer import experiment as grid
from minitransfer import grid_status, slurm
from test_slurm import SETTLE_SECONDS, cluster, real_options, settle, submit, submitted_jobs  # noqa: F401 (fixture)


def test_real_slurm_task_requeued_by_scontrol_resumes_from_its_checkpoint(cluster, tmp_path):
    run = grid.plan_grid(layers=(1,))[0]
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    options = real_options(max_iter=600, eval_every=200, log_every=5)
    job = submitted_jobs(submit(cluster, slurm.emit_slurm([run], out, scripts, options)))["bases"]
    log = grid.run_dir(out, run) / grid.LOG_FILE
    cluster.wait_for(lambda: log.exists() and "\niteration " in log.read_text(), SETTLE_SECONDS, "the first iterations")
    cluster.command("scontrol", "requeue", f"{job}_0")
    assert settle(cluster) == {}

    trained = log.read_text()
    stopped = re.search(r"stopped after iteration (\d+); wrote .*checkpoint\.h5", trained)
    assert stopped and 0 < int(stopped.group(1)) < 600, trained[-2000:]
    assert f"checkpoint.h5 at iteration {stopped.group(1)}\n" in trained, trained[-2000:]  # resuming ... at
    assert grid_status.is_finished(out, run), trained[-2000:]
    record = cluster.job_record(f"{job}_0")
    assert (record["JobState"], record["Restarts"], record["ExitCode"]) == ("COMPLETED", "1", "0:0"), record
    task_output = (scripts / "logs" / f"bases-{job}_0.out").read_text()
    assert f"array task {job}_0, restart 1;" in task_output and task_output.endswith("run random0/baseA: done\n")
