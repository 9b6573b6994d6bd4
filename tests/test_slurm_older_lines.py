"""The grid emitted again with another --time (or partition, --sbatch-option), its tasks still queued: SLURM keeps
a queued job's options, so they run with the old #SBATCH lines, and submit.sh said only "not submitted again: N
queued". It now says which were queued with other lines than their scripts have, and how to queue them with the new
ones; emitted again as it was, it says nothing more. submitted.txt written before (three fields) still reads.
Only the PENDING ones are said to cancel (session 68): a RUNNING one was too, and cancelled, its training keeps its
work only where its checkpoint is written within SLURM's KillWait; it is said to be left running.
Times (2 cores): each test under 1 s."""

import subprocess

from minitransfer import experiment as grid
from minitransfer import slurm
from test_slurm import OPTIONS, fake_slurm, fake_train_command, sbatch_calls  # noqa: F401 (fixture)

RUNS = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B


def emit(tmp_path, **slurm_options):
    return slurm.emit_slurm(RUNS, tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                            train_command=fake_train_command(tmp_path), **slurm_options)


def submit(script):
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def queued(tmp_path, fake_slurm, states=("PENDING",) * 3, **slurm_options):
    """The grid emitted with ``slurm_options`` and submitted, its tasks listed by squeue in ``states``; its tasks."""
    submit(emit(tmp_path, **slurm_options))
    tasks = [line.split("\t")[0] for line in (tmp_path / "slurm" / "submitted.txt").read_text().splitlines()]
    reasons = {"PENDING": "Priority", "RUNNING": "None", "CONFIGURING": "None"}
    (fake_slurm / "queue").write_text("".join(f"{task} {state} {reasons[state]}\n"
                                              for task, state in zip(tasks, states)))
    return tasks


RUNNING_WORDS = ("with the old ones (at its time limit a task requeues itself with them, its checkpoint written, and "
                 "resumes; rerun {submit} then to cancel it and queue it with the new ones); cancelled while running "
                 "(scancel {tasks}), a task's training keeps what it trained only where it writes its checkpoint "
                 "within SLURM's KillWait, else only up to its last one")


def test_tasks_queued_before_the_grid_was_emitted_with_another_time_limit_are_said(tmp_path, fake_slurm):
    tasks = queued(tmp_path, fake_slurm, time_limit="1:00:00")
    output = submit(emit(tmp_path, time_limit="2:00:00"))
    assert len(sbatch_calls(fake_slurm)) == 2, output  # nothing submitted again
    assert "not submitted again: 3 runs queued or running from an earlier submission" in output
    assert (f"  3 of them were queued with other #SBATCH lines than their scripts have now (emitted again since, "
            f"with another --time, partition or --sbatch-option, or edited) and are still pending: to queue them "
            f"with the new ones, cancel them (scancel {' '.join(tasks)}), then rerun {tmp_path / 'slurm/submit.sh'}"
            in output), output
    assert "running with" not in output, output


def test_running_tasks_queued_with_other_lines_are_left_to_run_not_said_to_cancel(tmp_path, fake_slurm):
    tasks = queued(tmp_path, fake_slurm, ("RUNNING", "CONFIGURING", "PENDING"), time_limit="1:00:00")
    output = submit(emit(tmp_path, time_limit="2:00:00"))
    submit_sh = tmp_path / "slurm/submit.sh"
    assert len(sbatch_calls(fake_slurm)) == 2, output  # nothing submitted again
    assert (f"  1 of them was queued with other #SBATCH lines than its script has now (emitted again since, with "
            f"another --time, partition or --sbatch-option, or edited) and is still pending: to queue it with the new "
            f"ones, cancel it (scancel {tasks[2]}), then rerun {submit_sh}\n" in output), output
    assert (f"  2 of them are running with other #SBATCH lines than their scripts have now (emitted again since, with "
            f"another --time, partition or --sbatch-option, or edited): leave them to run on "
            + RUNNING_WORDS.format(submit=submit_sh, tasks=" ".join(tasks[:2])) + "\n" in output), output
    assert not (fake_slurm / "scancel").exists()


def test_one_running_task_queued_with_other_lines_is_said_in_the_singular_and_none_to_cancel(tmp_path, fake_slurm):
    tasks = queued(tmp_path, fake_slurm, ("RUNNING", "PENDING", "PENDING"), partition="a")
    (tmp_path / "slurm/submitted.txt").write_text("".join(  # the two pending ones queued with the lines of now
        line if line.startswith(tasks[0]) else "" for line in (tmp_path / "slurm/submitted.txt").open()))
    output = submit(emit(tmp_path, partition="b"))
    assert "pending" not in output, output
    assert (f"  1 of them is running with other #SBATCH lines than its script has now (emitted again since, with "
            f"another --time, partition or --sbatch-option, or edited): leave it to run on "
            + RUNNING_WORDS.format(submit=tmp_path / "slurm/submit.sh", tasks=tasks[0]) + "\n" in output), output


def test_tasks_queued_with_the_lines_their_scripts_still_have_are_not_said(tmp_path, fake_slurm):
    queued(tmp_path, fake_slurm, partition="gpu")
    output = submit(emit(tmp_path, partition="gpu"))
    assert "not submitted again: 3 runs queued" in output and "#SBATCH" not in output, output


def test_a_submitted_txt_of_three_fields_is_read_as_before(tmp_path, fake_slurm):
    tasks = queued(tmp_path, fake_slurm)
    listed = tmp_path / "slurm" / "submitted.txt"
    listed.write_text("".join("\t".join(line.split("\t")[:3]) + "\n" for line in listed.read_text().splitlines()))
    output = submit(emit(tmp_path, time_limit="2:00:00"))
    assert "not submitted again: 3 runs queued" in output and "#SBATCH" not in output, output
    assert [line.split("\t")[0] for line in listed.read_text().splitlines()] == tasks
