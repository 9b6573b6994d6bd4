"""submit.sh where it cannot write the folder of a run it would queue, or that run's train.log (made read-only or
immutable, a train.log that is not a file). Seen in the slurmf sweep on the one-node test cluster: submit.sh queued
the run (exit 0), and its task, once SLURM ran it, ended at once with "cannot write .../train.log" (exit 74), its
transfers never starting. It is now refused before anything is submitted, exit 74, as a logs folder it cannot write
is (tests/test_slurm_unwritable.py): "cannot write PATH: REASON: what goes there; make it writable, then rerun"."""

import test_disk_full_tmpfs
import test_slurm
from test_slurm import OPTIONS, fake_train_command, finish, sbatch_calls, submit_grid

from minitransfer import experiment as grid
from minitransfer import slurm

fake_slurm, tmpfs = test_slurm.fake_slurm, test_disk_full_tmpfs.tmpfs  # the fixtures

USE = "its array task writes the run's train.log, checkpoint and weights there"


def _emitted(tmp_path):
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, scripts, OPTIONS,
                              train_command=fake_train_command(tmp_path))
    return out, submit


def test_submit_refuses_a_run_folder_it_cannot_write_before_submitting(tmp_path, fake_slurm, tmpfs):
    out, submit = _emitted(tmp_path)
    folder = out / "random0/baseB.run"
    for entry in folder.iterdir():  # the plan's files: the tmpfs takes the folder's place
        entry.unlink()
    folder.rmdir()
    tmpfs(folder, "size=1m,ro")
    for dry_run in ([], ["--dry-run"]):
        done = submit_grid(submit, *dry_run)
        assert done.returncode == 74, done.stdout + done.stderr
        said = (f"nothing submitted: cannot write {folder}: Read-only file system: {USE}; make it writable, then "
                f"rerun {submit}\n")
        if dry_run:
            said = (f"dry run stopped: {submit} would fail: cannot write {folder}: not writable: {USE}; make it "
                    f"writable, then rerun {submit} --dry-run\n")
        assert done.stderr == said, done.stderr
        assert sbatch_calls(fake_slurm) == []


def test_submit_refuses_a_train_log_it_cannot_write_but_not_that_of_a_finished_run(tmp_path, fake_slurm):
    out, submit = _emitted(tmp_path)
    log = out / "random0/baseA.run" / grid.LOG_FILE
    log.mkdir()
    done = submit_grid(submit)
    assert done.returncode == 74, done.stdout + done.stderr
    assert done.stderr == (f"nothing submitted: cannot write {log}: Is a directory: {USE}; make it writable, then "
                           f"rerun {submit}\n")
    assert sbatch_calls(fake_slurm) == []
    done = submit_grid(submit, "--dry-run")
    assert done.returncode == 74, done.stdout + done.stderr
    assert done.stderr == (f"dry run stopped: {submit} would fail: cannot write {log}: not a file: {USE}; make it "
                           f"writable, then rerun {submit} --dry-run\n")
    finish(out, "random0/baseA")  # its task is not queued: nothing there is written
    done = submit_grid(submit)
    assert done.returncode == 0 and len(sbatch_calls(fake_slurm)) == 3, done.stdout + done.stderr
