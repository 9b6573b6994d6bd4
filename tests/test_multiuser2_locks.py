"""Locks on a lab's machine that two users share (a group's folders, mode 2775).

A dataset's lock file another user made 0o600 (a umask 077): a reader, which cannot open it, read on unlocked
and unwarned, so a prepare writing the folder then was not seen. The advice to share a file said "chmod g+w"
whatever its mode: too little for a file 0o600 (g+rw) or a folder 0o700 (-R g+rwX). A lock held by another
user's process was named "(PID N)", with "wait for it to finish or stop it": this user may not stop it."""

import fcntl
import os
import subprocess
import textwrap

import pytest

from minitransfer import file_owners, lock_holder, run_lock
import test_grid_shared_folder as shared_folder
from test_grid_shared_folder import _umask, as_nobody

group_folder = shared_folder.group_folder  # a fixture: root's folder for the group nogroup, in /tmp

# Read the dataset folder argv[1] as a training holds it: "reading", or the refusal; warnings on stdout.
READ = textwrap.dedent("""
    import sys
    from minitransfer import stopping
    from minitransfer.data import lock
    stopping.warn = lambda message, *args, **kwargs: print(message) or True
    try:
        with lock.shared(sys.argv[1]):
            print("reading")
        with lock.shared(sys.argv[1]):
            print("reading")
    except lock.DatasetBusy as busy:
        print("busy", busy)
""")
# Take the run lock of argv[1]: "held", or the refusal
TAKE = textwrap.dedent("""
    import sys
    from minitransfer import fileio, run_lock
    try:
        with run_lock.RunLock(sys.argv[1]):
            print("held")
    except (fileio.StorageError, run_lock.RunBusy) as error:
        print(error)
""")


def _private_lock(folder):
    """``folder``/lock, root's, 0o600 (made under a umask 077), in the group's folder."""
    path = folder / run_lock.RunLock.FILE
    with _umask(0o077):
        path.touch()
    return path


def _as_nobody(script, folder):
    done = subprocess.run(**as_nobody("-c", script, folder), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-800:]
    return done.stdout.splitlines()


def test_a_reader_is_refused_while_prepare_holds_a_lock_file_it_may_not_read(group_folder):
    lock = _private_lock(group_folder)
    descriptor = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # as prepare holds it
        os.write(descriptor, f"{os.getpid()}\n".encode())
        said = _as_nobody(READ, group_folder)
    finally:
        os.close(descriptor)
    assert said == [f"busy {group_folder} is being prepared by another minitransfer process (PID {os.getpid()} "
                    f"of user root), which replaces its files; wait for it to finish, then rerun"]


def test_a_reader_of_a_free_lock_file_it_may_not_read_is_warned_once(group_folder):
    lock = _private_lock(group_folder)
    said = _as_nobody(READ, group_folder)
    assert said == [f"warning: cannot open {lock}, the lock of the dataset {group_folder} (Permission denied; it is "
                    f"root's, mode 600): read without it, so a prepare into the folder is not refused while this "
                    f"process reads; ask root to let this user read it (chmod g+r {lock}, for a group that shares "
                    f"the folder: minitransfer makes its files so where the umask lets the group write, e.g. umask "
                    f"002)", "reading", "reading"]


def test_a_run_lock_file_0o600_of_another_user_is_asked_to_be_made_readable_and_writable(group_folder):
    lock = _private_lock(group_folder)
    [said] = _as_nobody(TAKE, group_folder)
    assert f"ask root to let this user write it (chmod g+rw {lock}, " in said, said


def test_a_held_lock_of_another_users_process_names_the_user(group_folder):
    lock = group_folder / run_lock.RunLock.FILE
    with _umask(0o002):
        with run_lock.RunLock(group_folder):
            assert lock.stat().st_mode & 0o777 == 0o664
            [said] = _as_nobody(TAKE, group_folder)
    assert said == (f"{group_folder}{run_lock.BUSY} (PID {os.getpid()} of user root); wait for it to finish or stop "
                    f"it, then rerun")


@pytest.mark.parametrize("mode, folder, recursive, reading, asked", [
    (0o644, False, False, False, "g+w"),
    (0o600, False, False, False, "g+rw"),
    (0o664, False, False, False, "g+w"),  # the group's already: its group is not this user's (chgrp aside)
    (0o600, False, False, True, "g+r"),
    (0o755, True, True, False, "-R g+w"),
    (0o700, True, True, False, "-R g+rwX"),
    (0o700, True, False, False, "g+rwx"),
])
def test_the_advice_asks_for_what_the_group_lacks(tmp_path, mode, folder, recursive, reading, asked):
    path = tmp_path / "shared"
    path.mkdir() if folder else path.touch()
    path.chmod(mode)
    advice = file_owners.ask_to_share("alice", path, recursive=recursive, **({"reading": True} if reading else {}))
    assert advice.startswith(f"ask alice to let this user {'read' if reading else 'write'} it (chmod {asked} {path}, ")


def test_a_run_folder_0o755_whose_files_are_0o600_is_asked_to_be_made_readable_too(tmp_path):
    run = tmp_path / "net.run"
    run.mkdir(mode=0o755)
    (run / "metrics.jsonl").touch(mode=0o600)
    (run / "metrics.jsonl").chmod(0o600)
    assert f"(chmod -R g+rw {run}, " in file_owners.ask_to_share("alice", run, recursive=True)


def test_this_users_own_process_is_named_by_its_pid_alone():
    assert lock_holder.pid_named(os.getpid()) == f"PID {os.getpid()}"
    assert lock_holder.holder_named([os.getpid(), os.getpid()]) == f" (PIDs {os.getpid()}, {os.getpid()})"


def test_another_users_process_is_named_with_its_user_alike_alone_and_among_several(group_folder):
    """One process of another user was "PID N, user alice" alone but "N of user alice" among several: one
    wording now, "N of user alice" after its PID wherever the PID is named (a SLURM task's too)."""
    other = subprocess.Popen(**as_nobody("-c", "import sys; print('started', flush=True); sys.stdin.read()"),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline() == "started\n"  # its user nobody by now: setpriv has run python
        named = lock_holder.holder_named([other.pid, os.getpid()])
        assert named == f" (PIDs {other.pid} of user nobody, {os.getpid()})"
        assert lock_holder.holder_named(other.pid) == f" (PID {other.pid} of user nobody)"
        task = lock_holder.Holder(other.pid, job="1234_5", node="node7")
        assert lock_holder.pid_named(task) == f"SLURM job 1234_5 on node node7, PID {other.pid} of user nobody"
    finally:
        other.stdin.close()
        other.wait(timeout=60)
        other.stdout.close()
