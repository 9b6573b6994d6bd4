"""A run folder whose lock file cannot be made: another user's interrupted run resumed (exit 74 "cannot write
.../lock: Permission denied", nothing of whose folder it is nor what to do), and a run of this user's made
read-only trained again with --overwrite (told to "make it writable and rerun with --resume auto", which
continues the run instead of starting it over)."""

import errno
import os
import subprocess

from click.testing import CliRunner

from minitransfer import run_lock
from minitransfer.cli import main
from minitransfer.data import synthetic
from test_grid_shared_folder import _umask, as_nobody, group_folder  # noqa: F401 (a fixture)

OPTIONS = ["--preset", "micro", "--batch-size", "8", "--max-iter", "4", "--eval-every", "2", "--seed", "4", "--quiet",
           "--device", "cpu"]


def _unfinished_run(folder, data):
    """``folder``/net.h5's run, trained and then left unfinished (its result removed): a rerun has to write."""
    trained = CliRunner().invoke(main, ["train", "--data", data, "-o", str(folder / "net.h5"), *OPTIONS])
    assert trained.exit_code == 0, trained.output
    (folder / "net.run" / "result.json").unlink()
    return folder / "net.run"


def test_another_users_run_is_named_with_its_owner_and_what_to_ask(group_folder):
    with _umask(0o022):  # the folders drwxr-sr-x: nobody, of their group, may read them, not write them
        data = str(synthetic.build_synthetic(group_folder / "data", classes=4, train_per_class=8, val_per_class=4,
                                             size=14, seed=1).path)
        run = _unfinished_run(group_folder, data)
    resumed = subprocess.run(**as_nobody("-m", "minitransfer", "train", "--data", data, "-o",
                                         group_folder / "net.h5", *OPTIONS, "--resume", "auto"),
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 74, resumed.stderr
    mode = f"mode {run.stat().st_mode & 0o777:o}"
    assert resumed.stderr == (f"error: cannot write {run}/lock: Permission denied: {run} is root's ({mode}), a folder "
                              f"this user may not write; ask root to let this user write it (chmod -R g+w {run}, for "
                              f"a group that shares the folder: minitransfer makes its files so where the umask lets "
                              f"the group write, e.g. umask 002), or give another output folder\n")


def test_overwriting_a_run_whose_folder_is_read_only_is_told_to_rerun_as_asked(tmp_path, micro_data, monkeypatch):
    """Simulated (the tests may run as root, whom no permission stops): the lock file refused, as in a folder
    made read-only by its owner."""
    run = _unfinished_run(tmp_path, micro_data)
    real_open = os.open

    def refusing_the_lock(path, flags, *mode, **options):
        if str(path) == str(run / run_lock.RunLock.FILE) and flags & (os.O_RDWR | os.O_WRONLY):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, flags, *mode, **options)

    monkeypatch.setattr(os, "open", refusing_the_lock)
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(tmp_path / "net.h5"), *OPTIONS,
                                       "--overwrite"])
    assert result.exit_code == 74, result.output
    assert result.output == (f"error: cannot write {run}/lock: Permission denied; make it writable, then rerun with "
                             f"--resume auto to continue the run there, or --overwrite to start it over\n")
