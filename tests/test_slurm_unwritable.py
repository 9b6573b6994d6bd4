"""submit.sh where it cannot write what a submission needs: the folder of the tasks' output, or its record of the
tasks it submitted (submitted.txt) in a read-only scripts folder. Each is refused before anything is submitted,
exit 74 (the I/O exit code its --help promises) with "cannot write PATH: REASON"."""

import subprocess

import test_disk_full_tmpfs
import test_slurm
from test_slurm import OPTIONS, fake_train_command, sbatch_calls, submit_grid

from minitransfer import experiment as grid
from minitransfer import slurm

fake_slurm, tmpfs = test_slurm.fake_slurm, test_disk_full_tmpfs.tmpfs  # the fixtures


def test_submit_refuses_a_logs_folder_it_cannot_write_before_submitting(tmp_path, fake_slurm, tmpfs):
    """On a real SLURM, submit.sh (it only made the folder, there already) exited 0 having submitted every task,
    each of which SLURM failed to launch (JobLaunchFailure) with no output anywhere; a rerun did the same."""
    scripts = tmp_path / "slurm"
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", scripts, OPTIONS,
                              train_command=fake_train_command(tmp_path))
    (scripts / "logs").rmdir()
    tmpfs(scripts / "logs", "size=1m,ro")
    for attempt in range(2):
        done = submit_grid(submit)
        assert done.returncode == 74, done.stdout + done.stderr
        assert f"nothing submitted: cannot write {scripts}/logs: Read-only file system: the tasks' output goes there" \
            in done.stderr
        assert sbatch_calls(fake_slurm) == [] and (scripts / "submitted.txt").read_text() == ""


def test_submit_refuses_a_read_only_scripts_folder_before_submitting(tmp_path, fake_slurm, tmpfs):
    """It ended with bash's "submit.sh: line 344: submitted.txt: Read-only file system", exit 1."""
    scripts = tmpfs(tmp_path / "slurm", "size=1m")
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", scripts, OPTIONS,
                              train_command=fake_train_command(tmp_path))
    subprocess.run(["mount", "-o", "remount,ro", str(scripts)], check=True)
    done = submit_grid(submit)
    assert done.returncode == 74, done.stdout + done.stderr
    assert done.stderr == (f"nothing submitted: cannot write {scripts}/submitted.txt: Read-only file system: it "
                           f"records which run each array task trains; make it writable, then rerun {submit}\n")
    assert sbatch_calls(fake_slurm) == []
