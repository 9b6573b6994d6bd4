"""A run's lock file that another user made 0o600 (under a umask 077) in a run folder a lab's group shares:
held, it is busy (exit code 2, naming its holder from the kernel's list of locks), as any held lock is, not
"cannot be written ... remove it once no process works there", which let a second user train over the run."""

import errno
import fcntl
import os
import pathlib
import subprocess

import pytest

from minitransfer import run_lock
import test_grid_shared_folder as shared_folder
from test_grid_shared_folder import _umask, as_nobody

group_folder = shared_folder.group_folder  # a fixture: root's folder for the group nogroup, in /tmp

# Take the lock of the run folder argv[1] as a training does; say "busy PID" where another process holds it
TAKE = ("import sys; from minitransfer.run_lock import RunLock, RunBusy\n"
        "try:\n    with RunLock(sys.argv[1]): print('held')\nexcept RunBusy as busy:\n    print('busy', busy.pid)")


@pytest.fixture
def unreadable_lock(tmp_path, monkeypatch):
    """A run folder whose lock file this process may neither write nor read (another user's, made 0o600
    under a umask 077), held by another open file as another process holds it; yields the folder."""
    run_dir = tmp_path / "net.run"
    run_dir.mkdir()
    lock = run_dir / run_lock.RunLock.FILE
    descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    os.write(descriptor, f"{os.getpid()}\n".encode())
    real_open = os.open

    def refused(path, flags, *args, **kwargs):
        if pathlib.Path(path) == lock:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refused)
    yield run_dir
    monkeypatch.undo()
    os.close(descriptor)


def test_a_held_lock_file_this_user_may_not_read_is_busy_naming_its_holder(unreadable_lock):
    """It was "cannot open RUN/lock for writing ... remove it once no process works there" (exit code 74),
    which no user could tell: removed, the run another user trained there was trained over."""
    assert run_lock.holder(unreadable_lock) == os.getpid()
    with pytest.raises(run_lock.RunBusy) as busy:
        with run_lock.RunLock(unreadable_lock):
            pass
    assert busy.value.pid == os.getpid()
    assert str(busy.value) == (f"{unreadable_lock}{run_lock.BUSY} (PID {os.getpid()}); wait for it to finish or "
                               f"stop it, then rerun")



def test_another_user_is_told_a_run_whose_lock_file_it_may_not_read_is_in_use(group_folder):
    """Root trains under a umask 077 in a run folder its group shares (its lock file 0o600); nobody, of the
    group, is told the run is in use (RunBusy, exit code 2, naming root's PID), not to remove the lock file."""
    run_dir = group_folder / "baseA.run"
    run_dir.mkdir()
    run_dir.chmod(0o2775)
    with _umask(0o077), run_lock.RunLock(run_dir):
        assert (run_dir / run_lock.RunLock.FILE).stat().st_mode & 0o777 == 0o600
        other = subprocess.run(**as_nobody("-c", TAKE, run_dir), capture_output=True, text=True, timeout=60)
    assert (other.returncode, other.stdout) == (0, f"busy {os.getpid()}\n"), other.stderr[-600:]
