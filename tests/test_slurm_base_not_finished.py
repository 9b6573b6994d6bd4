"""A transfer's task whose base is not finished: SLURM drops the ``afterok`` dependency of the transfers of a base
whose task was cancelled while pending (``scancel 33_1``) and starts them. The task said "FAILED: refused by train
(exit 2: an option, or a file in the way)", the missing --copy-from file named only in train.log; it now says its
base is not finished, trains nothing, and ends with exit 75, and a rerun of submit.sh submits both again."""

import subprocess

import test_slurm
from test_slurm import (GUARD_SECONDS, OPTIONS, array_tasks, fake_train_command, finish, real_options, resubmit,
                        run_task, sbatch_calls, scripts_id_of, settle, submit_grid)

from minitransfer import experiment as grid
from minitransfer import slurm

fake_slurm, cluster = test_slurm.fake_slurm, test_slurm.cluster  # the fixtures


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
                      f"rerun {resubmit(scripts)}\n")
    assert not (fake_slurm / "srun.pid").exists() and not (out / f"{name}.run" / grid.LOG_FILE).exists()

    again = submit_grid(submit)  # nothing listed by squeue: the base and its transfers are submitted again
    assert again.returncode == 0, again.stderr
    assert [call[-1] for call in sbatch_calls(fake_slurm)[3:]] == ["bases.sh", "transfers.sh", "transfers.sh"]
    finish(out, base)
    task = run_task(scripts, "transfers.sh", 0)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 0 and output.endswith(f"run {name}: done\n"), output


def started_without_its_base(cluster, scripts):
    """Task 0 of ``scripts``' transfers.sh submitted to the real SLURM ``cluster`` with no dependency, and run
    to its end; (its array job's id, its output)."""
    done = subprocess.run(["sbatch", "--parsable", "--array=0", "transfers.sh", scripts_id_of(scripts), "0"],
                          cwd=scripts, env=cluster.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr + cluster.diagnostics()
    job = done.stdout.strip().split(";")[0]
    assert settle(cluster) == {}
    return job, (scripts / "logs" / f"transfers-{job}_0.out").read_text()


def test_real_slurm_transfer_started_without_its_base_says_so(cluster, tmp_path):
    """On a real single-node SLURM (``tests/slurm_cluster.py``; skipped without root or slurm-wlm/munge): a
    transfers.sh task started with no dependency, as SLURM starts one whose base's pending task was cancelled."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, scripts, real_options())
    name = array_tasks((scripts / "transfers.sh").read_text())[0][0]
    base = next(run.parent for run in grid.plan_grid(layers=(1,)) if run.name == name)
    job, said = started_without_its_base(cluster, scripts)
    assert said.endswith(f"run {name}: not trained: base {base} is not finished (its task was cancelled or failed?); "
                         f"rerun {resubmit(scripts)}\n"), said
    record = cluster.job_record(f"{job}_0")
    assert (record["JobState"], record["ExitCode"]) == ("FAILED", "75:0"), record
