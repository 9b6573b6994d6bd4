"""A task cancelled (plain ``scancel``, or its time limit) as its training starts, before the training hears stops
(its first ~100 ms: Python's start) or before srun launched it: the step ends with 143 (SIGTERM; 137 where SIGKILL
came after KillWait) and the job is COMPLETING. Seen in the slurmf sweep on the one-node test cluster: the task's
last line said "run random0/baseA: FAILED with exit 143; see .../train.log", a failure of the run for a cancel of
its job, sending the researcher to a log that says nothing but srun's "task 0: Terminated". It says now that SLURM
ended the job, not requeued, to rerun submit.sh, as it does of a training stopped with its checkpoint (exit 75).
With stand-ins for SLURM's commands (tests/test_slurm.py's fake_slurm): deterministic, no SLURM needed."""

import pytest

import test_slurm
from test_slurm import GUARD_SECONDS, OPTIONS, fake_train_command, resubmit, run_task

from minitransfer import experiment as grid
from minitransfer import slurm

fake_slurm = test_slurm.fake_slurm  # the fixture


@pytest.mark.parametrize("code, state, name", [("143", "COMPLETING", "TERM"), ("137", "", "KILL")],
                         ids=["sigterm-cancelled", "sigkill-gone"])
def test_task_whose_job_slurm_ended_as_it_started_says_so_rather_than_failed(tmp_path, fake_slurm, code, state, name):
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    task = run_task(scripts, "bases.sh", 1, FAKE_TRAIN_EXIT=code, FAKE_JOB_STATE=state)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == int(code), output
    assert "FAILED" not in output, output
    assert output.endswith(f"run random0/baseB: exit {code} (SIG{name}): SLURM ended its job before the training "
                           "could write a checkpoint of where it stopped; not requeued: the job is "
                           f"{state or 'gone'} (cancelled, or out of time); rerun {resubmit(scripts)} to train it "
                           "(resumed from its last checkpoint, if it wrote one)\n"), output
    assert not (fake_slurm / "scontrol").exists()  # not requeued


def test_task_whose_training_a_signal_ended_while_its_job_runs_still_failed(tmp_path, fake_slurm):
    """The job RUNNING (the out-of-memory killer, kill -9 by hand): a failure, in a local grid's words, as before."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    task = run_task(scripts, "bases.sh", 1, FAKE_TRAIN_EXIT="137")
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 137 and "run random0/baseB: FAILED: killed by SIGKILL" in output, output
    assert "SLURM ended its job" not in output, output
