"""On a real single-node SLURM (``tests/slurm_cluster.py``; skipped without root or slurm-wlm/munge): a
training killed by SIGKILL (the out-of-memory killer, kill -9), which srun reports as exit 137."""

import os
import pathlib
import signal

from minitransfer import experiment as grid
from minitransfer import slurm
from test_slurm import (SETTLE_SECONDS, cluster, real_options, resubmit, settle, submit,  # noqa: F401 (fixture)
                        submitted_jobs)


def training_of(weights):
    """The PID of the train process writing ``weights`` (not the srun that started its step)."""
    for entry in pathlib.Path("/proc").iterdir():
        try:
            words = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if str(weights) in words and "train" in words and not any(word.endswith("srun") for word in words):
            return int(entry.name)
    return None


def test_real_slurm_task_whose_training_was_killed_says_so(cluster, tmp_path):
    """The task said "FAILED with exit 137; see <run>.run/train.log", a log that ends mid-run."""
    run = grid.plan_grid(layers=(1,))[0]
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    job = submitted_jobs(submit(cluster, slurm.emit_slurm([run], out, scripts, real_options(max_iter=100000))))["bases"]
    log = grid.run_dir(out, run) / grid.LOG_FILE
    cluster.wait_for(lambda: log.exists() and "\niteration " in log.read_text(), SETTLE_SECONDS, "the first iterations")
    os.kill(training_of(grid.weights_path(out, run.name)), signal.SIGKILL)
    assert settle(cluster) == {}
    task_output = (scripts / "logs" / f"bases-{job}_0.out").read_text()
    assert task_output.endswith("run random0/baseA: FAILED: killed by SIGKILL, which leaves no message (SIGKILL: the "
                                "machine ran out of memory, or someone killed it); rerun "
                                f"{resubmit(scripts)} to resume it from its last checkpoint, if it wrote one, or else "
                                "to train it from the start\n"), task_output
    record = cluster.job_record(f"{job}_0")
    assert (record["JobState"], record["ExitCode"]) == ("FAILED", "137:0"), record
