"""A task requeued from outside as it trained (``scontrol requeue`` by an administrator, a preemption with
PreemptMode=REQUEUE): its script is killed after KillWait, leaving its mark of a start in progress, and the restart
said the previous start "ended without a word from it (its node lost, or the task killed)" (the slurmf sweep, on
the one-node test cluster). slurmstepd says why it ended the job in the task's output, which SLURM appends to on a
requeue: "*** JOB 54 ON vm CANCELLED AT ... DUE TO JOB REQUEUE ***" (seen there; DUE TO PREEMPTION for a
preemption, DUE TO NODE FAILURE for a node set DOWN). The restart now reads it and says it was requeued from
outside, or (session 72, seen with a node set DOWN mid-training) that its node failed. With stand-ins for SLURM's
commands (tests/test_slurm.py's fake_slurm): deterministic, no SLURM needed."""

import os
import signal

import pytest

import test_slurm
from test_slurm import GUARD_SECONDS, OPTIONS, fake_train_command, run_task, wait_for_file

from minitransfer import experiment as grid
from minitransfer import slurm

fake_slurm = test_slurm.fake_slurm  # the fixture

OUTSIDE = ("run random0/baseB: the previous start of this task was requeued from outside (scontrol requeue, or a "
           "preemption) before it could say how its training ended; this start resumes the run from its checkpoint")
UNSAID = "ended without a word from it (its node lost, or the task killed) and SLURM requeued it"
NODE_FAILED = ("run random0/baseB: the previous start of this task ended as SLURM found its node failed (DOWN, or not "
               "responding) before it could say how its training ended, and SLURM requeued it; this start resumes the "
               "run from its checkpoint")


@pytest.mark.parametrize("stepd, said", [
    ("DUE TO JOB REQUEUE ***", OUTSIDE),
    ("DUE TO PREEMPTION ***", OUTSIDE),
    ("DUE TO NODE FAILURE, SEE SLURMCTLD LOG FOR DETAILS ***", NODE_FAILED),  # as a node set DOWN said it
    (None, UNSAID),
], ids=["scontrol-requeue", "preemption", "node-failure", "no-word"])
def test_a_restart_after_a_requeue_from_outside_says_so(tmp_path, fake_slurm, stepd, said):
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    task = run_task(scripts, "bases.sh", 1, FAKE_TRAIN_UNTIL_STOPPED="1")
    wait_for_file(out / "random0/baseB.run/events", task)
    training = int((fake_slurm / "srun.pid").read_text())  # the fake srun execs the training
    task.kill()  # as SLURM kills the script after KillWait
    os.kill(training, signal.SIGKILL)
    first = task.communicate(timeout=GUARD_SECONDS)[0]
    (out / "random0/baseB.run" / grid.CHECKPOINT_FILE).write_text("checkpoint")
    # the task's output as SLURM keeps it: the first start's words, slurmstepd's, then the restart's (appended)
    output_file = scripts / "logs" / "bases-77_1.out"
    stepd_line = f"slurmstepd-vm: error: *** JOB 77 ON vm CANCELLED AT 2026-12-07T01:56:30 {stepd}\n"
    output_file.write_text(first + ("" if stepd is None else stepd_line))
    again = run_task(scripts, "bases.sh", 1, SLURM_RESTART_COUNT="1")
    output = again.communicate(timeout=GUARD_SECONDS)[0]
    assert again.returncode == 0, output
    assert said in output and (said == UNSAID) == (UNSAID in output), output


def test_only_the_previous_start_s_end_counts(tmp_path, fake_slurm):
    """A requeue from outside two starts before, then a start that ended without a word: not said as a requeue."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    (scripts / "logs" / ".bases-77_1.running").write_text("")
    log = out / "random0/baseB.run" / grid.LOG_FILE
    (scripts / "logs" / "bases-77_1.out").write_text(
        f"run random0/baseB: array task 77_1, restart 0; output in {log}\n"
        "slurmstepd-vm: error: *** JOB 77 ON vm CANCELLED AT 2026-12-07T01:56:30 DUE TO JOB REQUEUE ***\n"
        f"run random0/baseB: array task 77_1, restart 1; output in {log}\n")
    again = run_task(scripts, "bases.sh", 1, SLURM_RESTART_COUNT="2")
    output = again.communicate(timeout=GUARD_SECONDS)[0]
    assert again.returncode == 0 and UNSAID in output and "from outside" not in output, output
