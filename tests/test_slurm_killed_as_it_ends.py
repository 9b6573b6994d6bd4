"""A task whose script SLURM kills after its training ended but before it said how (its node set DOWN: SLURM ends
the job at any point, "*** JOB .. CANCELLED AT .. DUE TO NODE FAILURE ***"). Seen on the test cluster:
the node set DOWN as two bases trained; the restart of one said that its previous start had ended without a word,
the other's said nothing of it, its output going from slurmstepd's line to "restart 1": its script had removed its
mark of a start in progress (it knew how the training ended) and was killed before it said so. The mark now goes
once the lines are said (before a requeue of its own job). With stand-ins for SLURM's commands (the script killed
as it asks squeue for its time limit, the last thing it asks before saying an exit 75 requeued), no SLURM needed."""

import signal

import test_slurm
from test_slurm import GUARD_SECONDS, OPTIONS, fake_train_command, run_task

from minitransfer import experiment as grid
from minitransfer import slurm

fake_slurm = test_slurm.fake_slurm  # the fixture

# slurmstepd's line of a node failure read (test_slurm2_requeued_from_outside); "ended without a word from it (its
# node lost, or the task killed)" before session 72
NODE_FAILED = ("run random0/baseB: the previous start of this task ended as SLURM found its node failed (DOWN, or not "
               "responding) before it could say how its training ended, and SLURM requeued it; this start resumes the "
               "run from its checkpoint")


def test_a_start_killed_before_it_said_how_its_training_ended_is_said_by_its_restart(tmp_path, fake_slurm):
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    (out / "random0/baseB.run").mkdir(parents=True, exist_ok=True)
    (out / "random0/baseB.run" / grid.CHECKPOINT_FILE).write_text("checkpoint")
    task = run_task(scripts, "bases.sh", 1, FAKE_TRAIN_EXIT="75", FAKE_SQUEUE_LIMIT_KILLS="1")
    first = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == -signal.SIGKILL, first
    assert "exit 75" not in first and not (fake_slurm / "scontrol").exists(), first  # killed before it said it
    output_file = scripts / "logs" / "bases-77_1.out"  # as SLURM keeps it: the start's words, slurmstepd's
    output_file.write_text(first + "slurmstepd-vm: error: *** JOB 77 ON vm CANCELLED AT 2026-12-07T17:12:50 DUE TO "
                                   "NODE FAILURE, SEE SLURMCTLD LOG FOR DETAILS ***\n")
    again = run_task(scripts, "bases.sh", 1, SLURM_RESTART_COUNT="1")
    output = again.communicate(timeout=GUARD_SECONDS)[0]
    assert again.returncode == 0 and "run random0/baseB: done" in output, output
    assert NODE_FAILED in output, output
