"""submit.sh rerun after a task failed (a corrupt shard of the source dataset, exit 65, seen on the test cluster): it
submits that run again, which fails the same way unless the file its error names was fixed since; before, it said
"bases: job 7, 1 of 2 runs" alone. The run's error, read from its train.log before anything is submitted (a task
started at once writes its train command after it), is said with the array that holds it; a run whose last try did
not fail, or that never started, is not. With stand-ins for SLURM's commands (test_slurm's); about 1-2 s a test."""

import os
import re
import time

import pytest
from test_slurm import OPTIONS, fake_slurm, fake_train_command, sbatch_calls, submit_grid  # noqa: F401 (fixture)

from minitransfer import experiment as grid
from minitransfer import slurm

ERROR = ("error: bad data: /data/src/train-00000.h5: sha256 mismatch (file 78802628f46b628b…, meta.json "
         "15b9e931c3762e22…): corrupt shard, or meta.json was edited (rerunning the prepare command that built it "
         "rebuilds what is corrupt)")
FAILED_AT = time.mktime((2026, 1, 2, 3, 4, 0, 0, 0, -1))  # local time


def logged(out, name, *lines, when=None):
    log = out / f"{name}.run" / grid.LOG_FILE
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("".join(f"{line}\n" for line in lines))
    if when is not None:
        os.utime(log, (when, when))
    return log


def task_starting_at_once(tmp_path, log):
    """An sbatch first on PATH whose task starts at once: its train command appended to ``log``, then sbatch's."""
    folder = tmp_path / "starting-bin"
    folder.mkdir()
    (folder / "sbatch").write_text(f"#!/usr/bin/env bash\necho '$ minitransfer train --resume auto' >> '{log}'\n"
                                   f"exec {tmp_path / 'fake-bin' / 'sbatch'} \"$@\"\n")
    (folder / "sbatch").chmod(0o755)
    return dict(PATH=f"{folder}:{os.environ['PATH']}")


@pytest.mark.parametrize("dry_run", [False, True], ids=["submit", "dry-run"])
def test_a_run_whose_last_try_failed_is_said_as_it_is_submitted_again(tmp_path, fake_slurm, dry_run):
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B after baseA
    out = tmp_path / "grid"
    submit = slurm.emit_slurm(runs, out, tmp_path / "slurm", OPTIONS, train_command=fake_train_command(tmp_path))
    log = logged(out, "random0/baseA", "$ minitransfer train --resume auto", ERROR,
                 "srun: error: node1: task 0: Exited with exit code 65", when=FAILED_AT)
    logged(out, "random0/baseB", "$ minitransfer train --resume auto", "iteration 10/20 loss 1.2 lr 0.01")
    done = submit_grid(submit, *["--dry-run"] * dry_run, **task_starting_at_once(tmp_path, log))
    assert done.returncode == 0, done.stderr
    assert "bases: job " in done.stdout and "2 of 2 runs" in done.stdout
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(FAILED_AT))
    notes = [line for line in done.stderr.splitlines() if line.startswith("note: ")]
    again = "would be submitted again" if dry_run else "was submitted again"
    assert len(notes) == 1, done.stderr
    assert re.fullmatch(
        re.escape(f"note: random0/baseA {again}, though its last try failed ({when} ") + r"[+-]\d\d:?\d\d"
        + re.escape(f"): {ERROR} (see {log}): unless what it names was fixed since, it fails the same way"),
        notes[0]), notes[0]
    assert len(sbatch_calls(fake_slurm)) == 0 if dry_run else 2  # the bases, baseA's transfer


def test_nothing_is_said_where_no_run_failed(tmp_path, fake_slurm):
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    out = tmp_path / "grid"
    submit = slurm.emit_slurm(runs, out, tmp_path / "slurm", OPTIONS, train_command=fake_train_command(tmp_path))
    logged(out, "random0/baseA", "$ minitransfer train --resume auto", "iteration 10/20 loss 1.2 lr 0.01")
    done = submit_grid(submit)
    assert done.returncode == 0, done.stderr
    assert "note:" not in done.stderr and "last try failed" not in done.stderr
