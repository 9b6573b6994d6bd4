"""A task whose training SLURM killed for going over its job's memory limit (``--mem``) says so, quoting SLURM's
line, and says to ask for more memory: it said "killed by SIGKILL ... (the machine ran out of memory, or someone
killed it); rerun submit.sh to resume it", and the rerun ran out of memory again (seen on the real test cluster with
JobAcctGatherParams=OverMemoryKill and --sbatch-option --mem=60M). Only this start's lines count: a train.log
holding an earlier start's memory kill says the generic SIGKILL line. No SLURM needed: stand-ins for SLURM's
commands, and a train that writes what slurmstepd and srun write into the step's output, then exits as srun
does (137)."""

import pytest
from test_slurm import GUARD_SECONDS, OPTIONS, fake_slurm, resubmit, run_task  # noqa: F401

from minitransfer import slurm
from minitransfer import experiment as grid

OVER_LIMIT = "slurmstepd-node7: error: StepId=77.0 exceeded memory limit (63725568 > 62914560), being killed"
CGROUP = ("slurmstepd: error: Detected 1 oom-kill event(s) in StepId=77.0. Some of your processes may have been "
          "killed by the cgroup out-of-memory handler.")


def killed_train(tmp_path, said):
    """A train command writing ``said`` (a line on stderr, or none) and srun's line for a step killed, exit 137."""
    script = tmp_path / "killed_train.sh"
    script.write_text(f"echo 'iteration 50/400 loss 1.43'\n{f'echo {said!r} >&2' if said else ''}\n"
                      "echo 'srun: error: node7: task 0: Killed' >&2\nexit 137\n")
    return ["bash", str(script)]


@pytest.mark.parametrize("said", [OVER_LIMIT, CGROUP], ids=["over-memory-kill", "cgroup-oom-kill"])
def test_a_task_killed_for_its_memory_limit_says_so_and_to_ask_for_more(tmp_path, fake_slurm, said):
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, scripts, OPTIONS, train_command=killed_train(tmp_path, said))
    task = run_task(scripts, "bases.sh", 1)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 137, output
    assert output.splitlines()[-1] == (
        f'run random0/baseB: FAILED (exit 137): out of memory: SLURM killed its training for using more memory than '
        f'its job may ("{said}"); ask for more memory per task (emit the scripts again with --sbatch-option '
        f'--mem=<more>, or edit the #SBATCH --mem line of bases.sh and transfers.sh), then rerun {resubmit(scripts)} '
        f'to resume it from its last checkpoint, if it wrote one, or else to train it from the start'), output


def test_an_earlier_start_killed_for_memory_does_not_name_this_one(tmp_path, fake_slurm):
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, scripts, OPTIONS, train_command=killed_train(tmp_path, None))
    log = grid.run_dir(out, grid.plan_grid(layers=(1,))[1]) / grid.LOG_FILE
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(f"$ train\n{OVER_LIMIT}\nsrun: error: node7: task 0: Killed\n")  # a start before
    task = run_task(scripts, "bases.sh", 1)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 137, output
    assert "out of memory: SLURM killed" not in output
    assert output.splitlines()[-1].startswith("run random0/baseB: FAILED: killed by SIGKILL"), output
