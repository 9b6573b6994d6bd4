"""submit.sh rerun while SLURM ends a task (listed COMPLETING): right after a plain ``scancel`` it said the run was
"not submitted again ... queued or running", though no task would train it (the cancelled task is not requeued).
The states are those the real test cluster listed (``squeue -t all -o '%i %T %r'``, every 0.1 s): a cancelled task
COMPLETING, then gone from the default listing (CANCELLED); one requeuing itself RUNNING, then PENDING (BeginTime)
(COMPLETING in between as ``scontrol requeue`` ends its script, shorter than the polling). There a cancelled task
was COMPLETING for 0.7 s, less than submit.sh's own checks take before it lists the queue, so this is tested here."""

import subprocess

from minitransfer import experiment as grid
from minitransfer import slurm
from test_slurm import OPTIONS, fake_slurm, fake_train_command, sbatch_calls  # noqa: F401 (fixture)


def submitted_once(tmp_path, fake_slurm):
    """A one-run grid submitted (task 1001_0), its run unfinished; a ``sleep`` that returns at once (submit.sh
    waits a second between listings) on PATH."""
    (fake_slurm.parent / "fake-bin" / "sleep").write_text("#!/bin/sh\nexit 0\n")
    (fake_slurm.parent / "fake-bin" / "sleep").chmod(0o755)
    script = slurm.emit_slurm(grid.plan_grid(layers=(1,))[:1], tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                              train_command=fake_train_command(tmp_path))
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    assert done.returncode == 0 and len(sbatch_calls(fake_slurm)) == 1, done.stderr
    return script


def rerun(script):
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


WAITING = "waiting up to 30 s for 1 array task SLURM is ending (COMPLETING: cancelled, out of time or requeued)"


def test_a_cancelled_task_ending_is_waited_for_and_its_run_submitted_again(tmp_path, fake_slurm):
    script = submitted_once(tmp_path, fake_slurm)
    (fake_slurm / "queue.1").write_text("1001_0 COMPLETING None\n")
    (fake_slurm / "queue.2").write_text("1001_0 COMPLETING None\n")  # then gone, as a cancelled one ends
    output = rerun(script)
    assert WAITING in output
    assert "not submitted again" not in output
    assert len(sbatch_calls(fake_slurm)) == 2 and "bases: job 1002, 1 of 1 run" in output


def test_a_task_requeuing_itself_is_waited_for_and_left_queued(tmp_path, fake_slurm):
    script = submitted_once(tmp_path, fake_slurm)
    (fake_slurm / "queue.1").write_text("1001_0 COMPLETING None\n")
    (fake_slurm / "queue").write_text("1001_0 PENDING BeginTime\n")
    output = rerun(script)
    assert WAITING in output
    assert "not submitted again: 1 run queued or running from an earlier submission" in output
    assert "still ending" not in output and len(sbatch_calls(fake_slurm)) == 1


def test_a_task_still_ending_after_the_wait_is_said_with_a_rerun(tmp_path, fake_slurm):
    script = submitted_once(tmp_path, fake_slurm)
    (fake_slurm / "queue").write_text("1001_0 COMPLETING None\n")
    output = rerun(script)
    assert "not submitted again: 1 run queued or running from an earlier submission" in output
    assert (f"  1 of them is still ending after 30 s (COMPLETING: cancelled or out of time, unless requeued): rerun "
            f"{script} in a few seconds to submit it again where not requeued") in output
    assert len(sbatch_calls(fake_slurm)) == 1
    assert (fake_slurm / "squeue-listings").read_text().count("x") == 31  # the first listing, then one a second

