"""Code health: train.py, run_files.py, run_lock.py, checkpoint_check.py and grid_runner.py were split along their
seams (train_finished.py and files_in_the_way.py, resumed_rows.py, file_locks.py, checkpoint_meta.py,
grid_run_ends.py). The names other modules and tests take from the old modules stay there, as the very objects the
new modules define; the flock primitives' warning is said once per file system, as tests reset it in file_locks."""

import errno
import fcntl

import pytest

from minitransfer import (checkpoint_check, checkpoint_meta, file_locks, grid_run_ends, grid_runner, resumed_rows,
                          run_files, run_lock, stopping)

MOVED = [*[(run_files, resumed_rows, name) for name in ("resume_refusal", "evaluations_made")],
         *[(run_lock, file_locks, name) for name in file_locks.__all__],
         *[(checkpoint_check, checkpoint_meta, name) for name in ("DEFAULT_META", "check_classes", "MAX_IMAGE_SIZE")]]


@pytest.mark.parametrize("old, new, name", MOVED, ids=[f"{old.__name__}.{name}" for old, _, name in MOVED])
def test_a_moved_name_is_still_importable_from_its_old_module(old, new, name):
    assert getattr(old, name) is getattr(new, name)
    assert name in old.__all__  # said as a name of the module, not an import pyflakes would call unused


def test_a_grid_notes_its_runs_ends_with_the_methods_moved_out():
    assert issubclass(grid_runner.GridRunner, grid_run_ends.RunEnds)
    for name in ("_collect_exits", "_say_ended_unsaid", "_fail_held", "moved_away", "_orphans_blocked"):
        assert getattr(grid_runner.GridRunner, name) is getattr(grid_run_ends.RunEnds, name)


def test_a_file_system_without_locks_is_warned_of_once_per_process(tmp_path, monkeypatch):
    """run_lock's lock goes on without flock where the file system has none, and says so once: the record of the
    file systems said is file_locks' (tests reset it there)."""
    said = []
    monkeypatch.setattr(file_locks, "_UNLOCKED_DEVICES", set())
    monkeypatch.setattr(stopping, "warn", lambda line: said.append(line) or True)

    def unsupported(descriptor, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", unsupported)
    for name in ("a.run", "b.run"):
        with run_lock.RunLock(tmp_path / name):
            pass
    assert len(said) == 1 and "does not support file locks" in said[0], said
