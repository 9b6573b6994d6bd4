"""One plan of OUT emitted into two scripts folders (``--emit-slurm slurm`` then ``--emit-slurm slurm2``,
the same options), each ``submit.sh`` run: the second submitted every run the first one's tasks, still
queued, train, so that each run had two tasks, the second holding its allocation (a GPU) idle while it
waited for the first; and two of them run at once both submitted everything."""

import fcntl
import subprocess

from minitransfer import experiment as grid
from minitransfer import slurm
from test_slurm import OPTIONS, fake_slurm, fake_train_command, finish, sbatch_calls  # noqa: F401 (fixture)


def emit_twice(tmp_path):
    out, runs = tmp_path / "grid", grid.plan_grid(layers=(1,))
    first, second = (slurm.emit_slurm(runs, out, tmp_path / name, OPTIONS, train_command=fake_train_command(tmp_path))
                     for name in ("slurm", "slurm2"))
    return out, runs, first, second


def submit(script):
    return subprocess.run(["bash", str(script)], capture_output=True, text=True)


def test_the_runs_another_folders_tasks_train_are_not_submitted_again(tmp_path, fake_slurm):
    out, runs, first, second = emit_twice(tmp_path)
    assert submit(first).returncode == 0 and len(sbatch_calls(fake_slurm)) == 3
    tasks = [line.split("\t")[0] for line in (first.parent / "submitted.txt").read_text().splitlines()]
    assert len(tasks) == len(runs)
    (fake_slurm / "queue").write_text("".join(f"{task} None\n" for task in tasks))

    again = submit(second)
    assert again.returncode == 0, again.stderr
    assert len(sbatch_calls(fake_slurm)) == 3, again.stdout
    assert f"not submitted again: {len(runs)} runs queued or running from an earlier submission" in again.stdout
    assert f"{len(runs)} of them submitted by {first}" in again.stdout

    (fake_slurm / "queue").write_text("")  # those tasks ended, their runs unfinished: submitted from here
    last = submit(second)
    assert last.returncode == 0 and len(sbatch_calls(fake_slurm)) == 6, last.stderr


def test_a_run_finished_while_its_task_is_listed_is_not_counted_for_the_other_folder(tmp_path, fake_slurm):
    """A run of the first folder's tasks finished while SLURM still lists its task (COMPLETING): the
    second submit.sh said "not submitted again: 5 runs ..." then "6 of them submitted by" the first."""
    out, runs, first, second = emit_twice(tmp_path)
    assert submit(first).returncode == 0
    tasks = [line.split("\t")[0] for line in (first.parent / "submitted.txt").read_text().splitlines()]
    (fake_slurm / "queue").write_text("".join(f"{task} None\n" for task in tasks))
    finish(out, runs[0].name)

    again = submit(second)
    assert again.returncode == 0, again.stderr
    waiting = len(runs) - 1
    assert again.stdout == (f"not submitted again: {waiting} runs queued or running from an earlier submission "
                            f"(squeue)\n  {waiting} of them submitted by {first} (the same plan, emitted there)\n")


def test_a_submit_of_another_folder_submitting_into_out_meanwhile_is_refused(tmp_path, fake_slurm):
    out, runs, first, second = emit_twice(tmp_path)
    with open(out / ".slurm-submitters", "a") as held:  # as a submit.sh of the first folder holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        busy = submit(second)
    assert busy.returncode == 1 and sbatch_calls(fake_slurm) == []
    assert busy.stderr == (f"a submit.sh of another scripts folder is submitting the runs of {out} (it holds "
                           f"{out / '.slurm-submitters'}): wait for it, then rerun {second}\n")
    assert submit(second).returncode == 0 and len(sbatch_calls(fake_slurm)) == 3
