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


def test_a_dry_run_says_the_submission_would_fail_on_a_logs_folder_it_cannot_write(tmp_path, fake_slurm, tmpfs):
    """The dry run, which writes nothing, skipped the check: it said all was well, and the submission then
    exited 74. It now stops as the submission would (exit 74), by the folder's mode, writing nothing."""
    scripts = tmp_path / "slurm"
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", scripts, OPTIONS,
                              train_command=fake_train_command(tmp_path))
    (scripts / "logs").rmdir()
    tmpfs(scripts / "logs", "size=1m,ro")
    done = submit_grid(submit, "--dry-run")
    assert done.returncode == 74, done.stdout + done.stderr
    assert done.stderr == (f"dry run stopped: {submit} would fail: cannot write {scripts}/logs: not writable: the "
                           "tasks' output goes there, without which SLURM cannot start them (JobLaunchFailure, no "
                           f"output anywhere); make it writable, then rerun {submit} --dry-run\n")
    assert sbatch_calls(fake_slurm) == [] and not (scripts / "submitted.txt").exists()


def test_a_dry_run_in_a_read_only_scripts_folder_says_the_submission_would_fail(tmp_path, fake_slurm, tmpfs):
    scripts = tmpfs(tmp_path / "slurm", "size=1m")
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", scripts, OPTIONS,
                              train_command=fake_train_command(tmp_path))
    subprocess.run(["mount", "-o", "remount,ro", str(scripts)], check=True)
    done = submit_grid(submit, "--dry-run")
    assert done.returncode == 74, done.stdout + done.stderr
    assert done.stderr.startswith(f"dry run stopped: {submit} would fail: cannot write {scripts}"), done.stderr
    assert "it records which run each array task trains" in done.stderr


def test_submit_refuses_a_grid_folder_it_cannot_write_before_submitting(tmp_path, fake_slurm, tmpfs):
    """Its record of the scripts folders submitting runs of OUT: said as every other file it cannot write."""
    out = tmpfs(tmp_path / "grid", "size=1m")
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, tmp_path / "slurm", OPTIONS,
                              train_command=fake_train_command(tmp_path))
    subprocess.run(["mount", "-o", "remount,ro", str(out)], check=True)
    done = submit_grid(submit)
    assert done.returncode == 74, done.stdout + done.stderr
    assert done.stderr.startswith(f"nothing submitted: cannot write {out}/"), done.stderr
    assert done.stderr.endswith(f"Read-only file system: it records the scripts folders submitting runs of {out} "
                                f"(the tasks write into {out} too); make it writable, then rerun {submit}\n")
    assert sbatch_calls(fake_slurm) == []
