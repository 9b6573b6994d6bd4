"""A task whose training SIGKILL ended (srun: exit 137) says what its rerun does: submit.sh's task resumes the run
from its last checkpoint (train --resume auto; a preset writes one every checkpoint_every iterations), else trains
it from the start. It said "rerun bash .../submit.sh to train it again", read as a training from the start. The
words are grid_outcome.failure_cause's. No SLURM needed: stand-ins for SLURM's commands and train."""

from test_slurm import (GUARD_SECONDS, OPTIONS, array_tasks, fake_slurm, fake_train_command, finish,  # noqa: F401
                        interrupt, resubmit, run_task)

from minitransfer import slurm
from minitransfer import experiment as grid


def test_a_task_killed_by_sigkill_says_its_rerun_resumes_from_the_last_checkpoint(tmp_path, fake_slurm):
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    for base in ("random0/baseA", "random0/baseB"):
        finish(out, base)
    name = array_tasks((scripts / "transfers.sh").read_text())[0][0]
    interrupt(out, name)  # its checkpoint, as train writes one every checkpoint_every iterations
    task = run_task(scripts, "transfers.sh", 0, FAKE_TRAIN_EXIT="137")  # srun's exit for a step SIGKILL ended
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 137, output
    assert output.endswith(f"run {name}: FAILED: killed by SIGKILL, which leaves no message (SIGKILL: the machine ran "
                           f"out of memory, or someone killed it); rerun {resubmit(scripts)} to resume it from its "
                           "last checkpoint, if it wrote one, or else to train it from the start\n"), output
