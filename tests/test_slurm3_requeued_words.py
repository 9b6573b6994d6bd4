"""A task whose script outlives a requeue of its job (the training checkpointed and exited within KillWait): how
SLURM ended this start is read from slurmstepd's line in the task's output ("*** JOB 77 ON vm CANCELLED AT ... DUE
TO JOB REQUEUE ***", written before it signals the job), as a restart reads its previous start's. Before, a job
PENDING was said requeued as "its node failed or was set DOWN" whatever requeued it, and one a scontrol requeue
left COMPLETING (so squeue lists it as the script goes on: seen on the one-node test cluster with KillWait=30, the
training's step exiting 75) was "not requeued (cancelled, or out of time)", its transfers' tasks said never to
start. With
stand-ins for SLURM's commands (tests/test_slurm.py's fake_slurm): deterministic, no SLURM needed."""

import pytest

import test_slurm
from test_slurm import GUARD_SECONDS, OPTIONS, fake_train_command, resubmit, run_task

from minitransfer import experiment as grid
from minitransfer import slurm

fake_slurm = test_slurm.fake_slurm  # the fixture

STEPD = "slurmstepd-vm: error: *** JOB 77 ON vm CANCELLED AT 2026-12-07T01:56:30{} ***\n"
REQUEUED = ("run random0/baseA: not finished (its job step ended with exit 75): SLURM requeued the job (the job is "
            "{}); it runs again when SLURM starts it, resuming the run\n")
NOT_REQUEUED = ("run random0/baseA: exit 75, interrupted with a checkpoint; not requeued: the job is COMPLETING "
                "({}); rerun {{}} to resume it\n")  # then the command to run submit.sh again


@pytest.mark.parametrize("state, stepd, said", [
    ("COMPLETING", " DUE TO JOB REQUEUE", REQUEUED.format("COMPLETING: a scontrol requeue from outside")),
    ("PENDING", " DUE TO JOB REQUEUE", REQUEUED.format("PENDING: a scontrol requeue from outside")),
    ("PENDING", " DUE TO PREEMPTION", REQUEUED.format("PENDING: a preemption (PreemptMode=REQUEUE)")),
    ("PENDING", " DUE TO NODE FAILURE, SEE SLURMCTLD LOG FOR DETAILS",
     REQUEUED.format("PENDING: its node failed or was set DOWN")),
    ("PENDING", None, REQUEUED.format("PENDING: its node failed or was set DOWN")),
    ("COMPLETING", "", NOT_REQUEUED.format("cancelled")),  # a plain scancel
    ("COMPLETING", " DUE TO TIME LIMIT", NOT_REQUEUED.format("out of time")),
    ("COMPLETING", " DUE TO PREEMPTION", NOT_REQUEUED.format("preempted")),  # PreemptMode=CANCEL: not requeued
    ("COMPLETING", None, NOT_REQUEUED.format("cancelled, or out of time")),
    ("COMPLETING", " DUE TO SOMETHING NEW", NOT_REQUEUED.format("cancelled, or out of time")),
], ids=["requeue-completing", "requeue-pending", "preemption", "node-failure", "no-word", "scancel", "time-limit",
        "preemption-cancel", "not-said", "other-reason"])
def test_a_start_that_outlives_its_requeue_says_what_requeued_it(tmp_path, fake_slurm, state, stepd, said):
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    log = out / "random0/baseA.run" / grid.LOG_FILE
    (scripts / "logs" / "bases-77_0.out").write_text(  # this start's first line, then slurmstepd's as it ends it
        f"run random0/baseA: array task 77_0, restart 0; output in {log}\n" + ("" if stepd is None else
                                                                              STEPD.format(stepd)))
    task = run_task(scripts, "bases.sh", 0, FAKE_TRAIN_EXIT="75", FAKE_JOB_STATE=state)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert output.endswith(said.format(resubmit(scripts))), output
    assert ("will not start" in output) == ("not requeued" in said), output  # its transfers' tasks
    assert not (fake_slurm / "scontrol").exists()  # SLURM requeues it, or nobody


def test_only_this_start_s_end_counts(tmp_path, fake_slurm):
    """A requeue from outside ended the previous start: this one, COMPLETING after a plain scancel, is not
    requeued."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    log = out / "random0/baseA.run" / grid.LOG_FILE
    (scripts / "logs" / "bases-77_0.out").write_text(
        f"run random0/baseA: array task 77_0, restart 0; output in {log}\n{STEPD.format(' DUE TO JOB REQUEUE')}"
        f"run random0/baseA: array task 77_0, restart 1; output in {log}\n{STEPD.format('')}")
    task = run_task(scripts, "bases.sh", 0, FAKE_TRAIN_EXIT="75", FAKE_JOB_STATE="COMPLETING",
                    SLURM_RESTART_COUNT="1")
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert output.endswith(NOT_REQUEUED.format("cancelled").format(resubmit(scripts))), output


def test_a_start_cancelled_before_its_training_heard_it_says_cancelled(tmp_path, fake_slurm):
    """A plain scancel as srun launched the step (exit 143, the job COMPLETING): "cancelled", as slurmstepd said it
    (no reason given), not "cancelled, or out of time"."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    log = out / "random0/baseA.run" / grid.LOG_FILE
    (scripts / "logs" / "bases-77_0.out").write_text(
        f"run random0/baseA: array task 77_0, restart 0; output in {log}\n{STEPD.format('')}")
    task = run_task(scripts, "bases.sh", 0, FAKE_TRAIN_EXIT="143", FAKE_JOB_STATE="COMPLETING")
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert output.endswith("run random0/baseA: exit 143 (SIGTERM): SLURM ended its job before the training could "
                           "write a checkpoint of where it stopped; not requeued: the job is COMPLETING (cancelled); "
                           f"rerun {resubmit(scripts)} to train it (resumed from its last checkpoint, if it wrote "
                           "one)\n"), output
