"""The grid emitted again with another train command for the same plan (another --data: the dataset moved since; another
--device), its tasks still queued: SLURM runs the copy of its script a job was submitted with, so each queued task
trained with its old command (a moved dataset failing every one, exit 65), and a rerun of submit.sh said only "not
submitted again: N runs queued". submit.sh now records the sum of each task's train command (submitted.txt's fifth
field) and says the tasks queued with another one: the PENDING ones to cancel and queue again, the running ones as
they are. Times (2 cores): each test about 1 s."""

import shutil
import subprocess

from minitransfer import experiment as grid
from minitransfer import slurm
from test_slurm import fake_slurm, fake_train_command, real_options, sbatch_calls  # noqa: F401 (fixture)
from minitransfer.data import synthetic

RUNS = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B


def emit(tmp_path, data):
    return slurm.emit_slurm(RUNS, tmp_path / "grid", tmp_path / "slurm", real_options(data=str(data)),
                            train_command=fake_train_command(tmp_path))


def submit(script):
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def queued(tmp_path, fake_slurm, data, states):
    """The grid emitted on ``data`` and submitted, its tasks listed by squeue in ``states``; its tasks."""
    submit(emit(tmp_path, data))
    tasks = [line.split("\t")[0] for line in (tmp_path / "slurm" / "submitted.txt").read_text().splitlines()]
    reasons = {"PENDING": "Priority", "RUNNING": "None"}
    (fake_slurm / "queue").write_text("".join(f"{task} {state} {reasons[state]}\n"
                                              for task, state in zip(tasks, states)))
    return tasks


def moved_data(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(synthetic.builtin_dataset(), data)
    return data, tmp_path / "moved data"


COMMAND_WORDS = ("another train command than {gives} now (emitted again since, with another --data, --device or "
                 "other options of the same plan)")


def test_tasks_queued_before_the_dataset_moved_and_the_grid_was_emitted_again_are_said(tmp_path, fake_slurm):
    data, moved = moved_data(tmp_path)
    tasks = queued(tmp_path, fake_slurm, data, ("PENDING", "RUNNING", "PENDING"))
    shutil.move(data, moved)
    script = emit(tmp_path, moved)
    output = submit(script)
    assert len(sbatch_calls(fake_slurm)) == 2, output  # nothing submitted again
    assert "not submitted again: 3 runs queued or running from an earlier submission" in output
    assert ("  2 of them were queued with " + COMMAND_WORDS.format(gives="their scripts give their runs")
            + f" and are still pending, to train with the old one (a dataset it names moved since: failing, exit 65): "
            f"to queue them with the new one, cancel them (scancel {tasks[0]} {tasks[2]}), then rerun {script}\n"
            in output), output
    assert ("  1 of them is running with " + COMMAND_WORDS.format(gives="its script gives its run")
            + f": a task that fails with its old one (a dataset it names moved since: exit 65) has its run submitted "
            f"with the new one by a rerun of {script}, resuming from its checkpoint\n" in output), output
    assert "#SBATCH" not in output, output  # the same #SBATCH lines


def test_tasks_queued_with_the_command_their_scripts_still_give_are_not_said(tmp_path, fake_slurm):
    data, _ = moved_data(tmp_path)
    queued(tmp_path, fake_slurm, data, ("PENDING", "RUNNING", "PENDING"))
    output = submit(emit(tmp_path, data))
    assert "not submitted again: 3 runs queued" in output and "train command" not in output, output
    assert all(len(line.split("\t")) == 5 for line in (tmp_path / "slurm" / "submitted.txt").read_text().splitlines())


def test_a_submitted_txt_of_four_fields_is_read_as_before(tmp_path, fake_slurm):
    data, moved = moved_data(tmp_path)
    tasks = queued(tmp_path, fake_slurm, data, ("PENDING",) * 3)
    listed = tmp_path / "slurm" / "submitted.txt"
    listed.write_text("".join("\t".join(line.split("\t")[:4]) + "\n" for line in listed.read_text().splitlines()))
    shutil.move(data, moved)
    output = submit(emit(tmp_path, moved))
    assert "not submitted again: 3 runs queued" in output and "train command" not in output, output
    assert [line.split("\t")[0] for line in listed.read_text().splitlines()] == tasks
