"""A named pipe where a run's lock file goes (``<run>.run/lock``) is refused naming it, exit 74: taking the lock
failed on it with a bare "I/O: [Errno 29] Illegal seek" (writing the holder's record, then reading it back)."""

import os

import pytest

from minitransfer import fileio
from minitransfer.run_lock import RunLock


def test_named_pipe_in_the_lock_file_place_is_named(tmp_path):
    run_dir = tmp_path / "baseA.run"
    run_dir.mkdir()
    os.mkfifo(run_dir / RunLock.FILE)
    with pytest.raises(fileio.StorageError) as raised:
        with RunLock(run_dir):
            pass
    assert str(raised.value) == (f"cannot write {run_dir / 'lock'}: not a file (a named pipe, a socket or a device) "
                                 f"where the lock file of {run_dir} goes: move it away, then rerun this command")
    assert not (run_dir / RunLock.FILE).is_file() and (run_dir / RunLock.FILE).exists()  # left as it was


def test_lock_file_taken_as_before(tmp_path):
    run_dir = tmp_path / "baseA.run"
    with RunLock(run_dir):
        assert (run_dir / RunLock.FILE).is_file()
