"""A transfer's task whose base is not finished: SLURM drops the ``afterok`` dependency of the transfers of a base
whose task was cancelled while pending (``scancel 33_1``) and starts them. The task said "FAILED: refused by train
(exit 2: an option, or a file in the way)", the missing --copy-from file named only in train.log; it now says its
base is not finished, trains nothing, and ends with exit 75, and a rerun of submit.sh submits both again."""

import test_slurm
from test_slurm import (GUARD_SECONDS, OPTIONS, array_tasks, fake_train_command, finish, run_task, sbatch_calls,
                        submit_grid)

from minitransfer import experiment as grid
from minitransfer import slurm

fake_slurm = test_slurm.fake_slurm  # the fixture


def test_a_transfer_whose_base_is_not_finished_says_so_before_training(tmp_path, fake_slurm):
    runs = grid.plan_grid(layers=(1,))
    out, scripts = tmp_path / "my grid", tmp_path / "slurm"
    submit = slurm.emit_slurm(runs, out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    assert submit_grid(submit).returncode == 0
    name = array_tasks((scripts / "transfers.sh").read_text())[0][0]
    base = next(run.parent for run in runs if run.name == name)
    task = run_task(scripts, "transfers.sh", 0)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 75, output
    assert output == (f"run {name}: not trained: base {base} is not finished (its task was cancelled or failed?); "
                      "rerun submit.sh\n")
    assert not (fake_slurm / "srun.pid").exists() and not (out / f"{name}.run" / grid.LOG_FILE).exists()

    again = submit_grid(submit)  # nothing listed by squeue: the base and its transfers are submitted again
    assert again.returncode == 0, again.stderr
    assert [call[-1] for call in sbatch_calls(fake_slurm)[3:]] == ["bases.sh", "transfers.sh", "transfers.sh"]
    finish(out, base)
    task = run_task(scripts, "transfers.sh", 0)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 0 and output.endswith(f"run {name}: done\n"), output
