"""A grid folder on a file system whose flock is emulated with byte-range locks, as NFSv4 clients
emulate it (:mod:`nfs_flock`): an exclusive lock needs a descriptor open for writing, a shared one a
descriptor open for reading, else EBADF."""

import errno
import os
import signal

import pytest

from minitransfer import grid_check, grid_folder, scheduler, slurm
from minitransfer import experiment as grid
from nfs_flock import as_another_process, emulate_nfs4_flock
from test_slurm import (GUARD_SECONDS, OPTIONS, fake_slurm, fake_train_command, run_task,  # noqa: F401 (fixture)
                        wait_for_file)


@pytest.fixture
def nfs4_flock(monkeypatch):
    emulate_nfs4_flock(monkeypatch)


def test_a_grid_rerun_where_flock_is_emulated_as_on_nfs4_is_no_io_error(tmp_path, fake_slurm, nfs4_flock,
                                                                         synthetic_8):
    """The probe of whether another grid works in the folder took an exclusive lock on a read-only
    descriptor: every rerun there (the working lock file left by the first run) ended with exit 74,
    "cannot lock OUT/.experiment-working.lock: Bad file descriptor"."""
    out, runs, options = tmp_path / "grid", grid.plan_grid(layers=(2,)), dict(OPTIONS, data=synthetic_8)
    first = scheduler.run_grid(runs, out, options, train_command=fake_train_command(tmp_path), log=lambda line: None)
    assert sorted(first.finished) == sorted(run.name for run in runs)
    lines = []
    again = scheduler.run_grid(runs, out, options, train_command=fake_train_command(tmp_path), log=lines.append)
    assert not again.finished and not again.not_started and again.exit_code == 0, lines
    assert f"{len(runs)} of {len(runs)} runs already finished; 0 to run" in lines


def test_a_grid_at_work_is_seen_where_flock_is_emulated_as_on_nfs4(tmp_path, nfs4_flock):
    out = tmp_path / "grid"
    with grid_folder.GridLock(out, OPTIONS) as working:  # as another grid holds it (its own descriptor)
        working.planned()
        with as_another_process():
            assert grid_check.others_at_work(out)
    assert not grid_check.others_at_work(out)


# flock(1) where flock is emulated as on NFSv4: a lock of the wrong kind for how the descriptor it
# is given by number was opened fails as util-linux's does (it can reopen only a file given by name)
NFS4_FLOCK = '''#!/usr/bin/env bash
fd=${@: -1}
flags=$(sed -n 's/^flags:[[:space:]]*//p' "/proc/$$/fdinfo/$fd" 2>/dev/null)
if [ -n "$flags" ]; then
  mode=$(( 8#$flags & 3 ))
  if [[ " $* " == *" --shared "* ]]; then wrong=$(( mode == 1 )); else wrong=$(( mode == 0 )); fi
  if [ "$wrong" = 1 ]; then echo "flock: $fd: Bad file descriptor" >&2; exit 65; fi
fi
exec /usr/bin/flock "$@"
'''


def test_a_slurm_task_holds_the_grids_working_lock_where_flock_is_emulated_as_on_nfs4(tmp_path, fake_slurm,
                                                                                      nfs4_flock, synthetic_8):
    """The task's shared locks of the grid folder were taken on descriptors opened for appending only:
    on NFSv4 each failed, the task trained "without the lock of OUT/.experiment-working.lock", and a
    local experiment with other options started on the folder meanwhile was not refused."""
    (tmp_path / "fake-bin" / "flock").write_text(NFS4_FLOCK)
    (tmp_path / "fake-bin" / "flock").chmod(0o755)
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    runs, options = grid.plan_grid(layers=(2,)), dict(OPTIONS, data=synthetic_8)
    slurm.emit_slurm(runs, out, scripts, options, train_command=fake_train_command(tmp_path))
    task = run_task(scripts, "bases.sh", 1, FAKE_TRAIN_UNTIL_STOPPED="1")
    try:
        wait_for_file(out / "random0/baseB.run/events", task)
        assert grid_check.others_at_work(out)
    finally:
        task.send_signal(signal.SIGTERM)
        output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 75 and "Bad file descriptor" not in output and "without the lock" not in output, output


@pytest.mark.parametrize("emulated", [False, True], ids=["flock", "nfs4"])
def test_a_grid_at_work_in_a_folder_this_process_may_not_write_is_seen_where_flock_can_tell(tmp_path, monkeypatch,
                                                                                           emulated):
    """The working lock file of another user's grid (opened read-only here: as root, refused by hand):
    still probed where flock needs no write access; not known, not an I/O error, where it does."""
    out = tmp_path / "grid"
    with grid_folder.GridLock(out, OPTIONS) as working:
        working.planned()
        real_open = os.open

        def refused(path, flags, *rest):
            if str(path).endswith(grid_folder.GridLock.WORKING) and flags & os.O_ACCMODE != os.O_RDONLY:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
            return real_open(path, flags, *rest)

        monkeypatch.setattr(os, "open", refused)
        if emulated:
            emulate_nfs4_flock(monkeypatch)
        with as_another_process():
            assert grid_check.others_at_work(out) is not emulated
