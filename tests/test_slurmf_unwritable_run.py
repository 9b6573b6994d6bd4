"""A task whose run folder cannot take its train.log when it starts (made read-only, or immutable, while the task
was pending; a train.log that is not a file). Seen in the slurmf sweep on the one-node test cluster (``chattr +i``
on the run folder while the task was pending): the task's output held bash's two errors, naming the script's copy in
SLURM's spool ("slurm_script: line 213: .../train.log: Operation not permitted"), then said "FAILED (exit 1): <run
folder> was deleted while it trained, and its output (train.log) with it", of a folder that is there. It says now
in one line what it cannot write and why, and exits 74 (I/O), training nothing. With stand-ins for SLURM's
commands (tests/test_slurm.py's fake_slurm): deterministic, no SLURM needed."""

import test_disk_full_tmpfs
import test_slurm
from test_slurm import GUARD_SECONDS, OPTIONS, fake_train_command, resubmit, run_task

from minitransfer import experiment as grid
from minitransfer import slurm

fake_slurm, tmpfs = test_slurm.fake_slurm, test_disk_full_tmpfs.tmpfs  # the fixtures


def _said(output, log, reason, scripts):
    assert output.endswith(f"run random0/baseB: not trained: cannot write {log}: {reason}; make it writable (or "
                           f"free space), then rerun {resubmit(scripts)}\n"), output
    assert "slurm_script" not in output and "line " not in output and "deleted" not in output, output


def test_task_whose_train_log_is_not_a_file_says_so_in_one_line(tmp_path, fake_slurm):
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    log = grid.run_dir(out, grid.plan_grid(layers=(2,))[1]) / grid.LOG_FILE
    log.mkdir(parents=True)
    task = run_task(scripts, "bases.sh", 1)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 74, output
    _said(output, log, "Is a directory", scripts)
    assert not (log.parent / "events").exists()  # the fake train never ran


def test_task_whose_run_folder_is_read_only_says_so_in_one_line(tmp_path, fake_slurm, tmpfs):
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    folder = grid.run_dir(out, grid.plan_grid(layers=(2,))[1])
    for entry in folder.iterdir():  # the plan's files: the tmpfs takes the folder's place
        entry.unlink()
    folder.rmdir()
    tmpfs(folder, "size=1m,ro")
    task = run_task(scripts, "bases.sh", 1)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 74, output
    _said(output, folder / grid.LOG_FILE, "Read-only file system", scripts)
