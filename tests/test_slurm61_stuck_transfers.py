"""A base's array task that ends unfinished and is not requeued (failed, cancelled, out of time) says that the
tasks of its transfers, queued after it (afterok), will not start: SLURM lists them PENDING
(DependencyNeverSatisfied) until submit.sh is rerun. Before, it said only "rerun submit.sh to resume it", and its
transfers looked queued as ever. A base without transfers, a finished base and a requeued one say nothing of it."""

import pytest

import test_slurm
from test_slurm import GUARD_SECONDS, OPTIONS, array_tasks, fake_train_command, run_task

from minitransfer import experiment as grid
from minitransfer import slurm

fake_slurm = test_slurm.fake_slurm  # the fixture

STUCK = "the tasks of its transfers, queued after this one (afterok), will not start"


def emitted(tmp_path, runs):
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(runs, out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    return scripts


@pytest.mark.parametrize("env, said", [
    ({"FAKE_TRAIN_EXIT": "65"}, "FAILED: bad data (exit 65)"),
    ({"FAKE_TRAIN_EXIT": "75", "FAKE_JOB_STATE": "CANCELLED"}, "not requeued: the job is CANCELLED"),
], ids=["failed", "cancelled"])
def test_a_base_that_ends_unfinished_says_its_transfers_wait_for_submit_sh(tmp_path, fake_slurm, env, said):
    scripts = emitted(tmp_path, grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False))
    name = array_tasks((scripts / "bases.sh").read_text())[0][0]
    assert name == "random0/baseA"  # A1B copies it
    task = run_task(scripts, "bases.sh", 0, **env)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert said in output
    assert (f"run {name}: {STUCK}: SLURM keeps them PENDING (DependencyNeverSatisfied) until you rerun bash "
            f"{scripts / 'submit.sh'}, which cancels them and submits them again after a new task of this run") \
        in output


def test_a_base_without_transfers_or_finished_or_requeued_says_nothing_of_them(tmp_path, fake_slurm):
    scripts = emitted(tmp_path, grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False))
    tasks = {name: index for index, (name, _) in array_tasks((scripts / "bases.sh").read_text()).items()}
    lonely = run_task(scripts, "bases.sh", tasks["random0/baseB"], FAKE_TRAIN_EXIT="65")  # no transfer after it
    output = lonely.communicate(timeout=GUARD_SECONDS)[0]
    assert "FAILED" in output and STUCK not in output
    requeued = run_task(scripts, "bases.sh", tasks["random0/baseA"], FAKE_TRAIN_EXIT="75")
    output = requeued.communicate(timeout=GUARD_SECONDS)[0]
    assert "requeued, it resumes from the checkpoint" in output and STUCK not in output, output
    done = run_task(scripts, "bases.sh", tasks["random0/baseA"])
    output = done.communicate(timeout=GUARD_SECONDS)[0]
    assert done.returncode == 0 and STUCK not in output, output
