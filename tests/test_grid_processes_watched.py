"""A grid's processes watch the grid themselves as they start (not in a ``preexec_fn``, whose fork hung beside a thread
in an OpenBLAS product: test_grid_beside_a_training_thread.py): one whose grid has ended already ends at once, one
whose grid lives runs its command, and a train command that cannot be run is still the grid's ``OSError``. The kernel's
signal as the grid ends is tested in test_grid_parent_killed.py."""

import os
import subprocess
import sys

import pytest

from minitransfer import grid_processes

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX processes")


def _watched(parent, command):
    """``command`` run through the watcher of a run's process, told that its grid is process ``parent``."""
    return subprocess.run([sys.executable, "-I", "-S", "-c", grid_processes._WATCHED_EXEC, str(parent), "15", "2",
                           *command], capture_output=True, text=True, pass_fds=(2,))


def test_a_run_whose_grid_has_ended_already_ends_before_its_command_runs():
    done = _watched(1, ["echo", "trained"])  # init, never this test's process: a grid gone, its run inherited
    assert (done.returncode, done.stdout) == (-9, "")


def test_a_run_whose_grid_lives_runs_its_command_with_the_signals_a_process_starts_with():
    command = ["grep", "^SigIgn", "/proc/self/status"]
    plain = subprocess.run(command, capture_output=True, text=True)  # Popen's: SIGPIPE and SIGXFSZ as at its start
    assert _watched(os.getpid(), command).stdout == plain.stdout != ""


def test_a_launcher_whose_grid_has_ended_already_ends_at_once():
    done = subprocess.run([sys.executable, "-m", "minitransfer.launcher", "1"], input=b"", capture_output=True)
    assert done.returncode == -9


def test_a_train_command_that_cannot_run_is_the_grid_s_os_error(tmp_path):
    runs = grid_processes.TrainProcesses([str(tmp_path / "no-such-train")], [0], preload=False, log=print)
    with pytest.raises(FileNotFoundError, match="no-such-train"):
        runs.start(0, 0, [], tmp_path / "train.log")
