"""The flock calls on a lock file, the primitives of :class:`minitransfer.run_lock.RunLock`, of a dataset's lock
(:mod:`minitransfer.data.lock`) and of a grid folder's (:mod:`minitransfer.grid_folder`): taken without waiting
(:func:`try_lock`), going on with a warning on a file system that has no locks (:data:`NO_LOCKS`); whether
someone holds one, probed without writing the file (:func:`lock_taken`), and who, by this machine's list
(:func:`flock_holders`); whether an open lock file is still the one at its path (:func:`same_file`). Who holds
a run's lock, as its lock file records, is :func:`minitransfer.run_lock.holder`; each name here is importable
from :mod:`minitransfer.run_lock` too.
"""

import errno
import fcntl
import os
import pathlib
import time

from minitransfer import file_owners, fileio, stopping
from minitransfer.held_locks import held_here

__all__ = ["RELEASED_ELSEWHERE", "lock_taken", "flock_holders", "NO_LOCKS", "try_lock", "GONE", "same_file"]

# flock's error on a lock file its holder removed as it released it on another NFS client (v3: no open state)
RELEASED_ELSEWHERE = errno.ESTALE


def lock_taken(path):
    """Whether a process holds the lock of the lock file ``path`` now, exclusive or shared, judged
    without writing the file: for one this process may not open for writing (another user's, made
    0o644), which is busy while it is held and only once free "cannot be written", with what to do.
    This process's own lock by its record (:func:`minitransfer.held_locks.held_here`: never opened);
    another's probed on a read-only descriptor with an exclusive lock, or where flock is emulated with
    byte-range locks (NFS, EBADF without write access) a shared one, which sees an exclusive holder
    but not readers; one it may not read (0o600: a umask 077) by this machine's list (:func:`flock_holders`),
    not "cannot be written": told to remove it, a user trained over the run still there. False where the file
    is gone, cannot be probed, or the file system has no locks."""
    if held_here(path) is not None:
        return True
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except PermissionError:
        return bool(flock_holders(path))
    except OSError:
        return False
    try:
        try:
            return not try_lock(descriptor, fcntl.LOCK_EX)
        except OSError as error:
            if error.errno != errno.EBADF:
                return False
        return not try_lock(descriptor, fcntl.LOCK_SH)
    except OSError:
        return False
    finally:
        os.close(descriptor)


def flock_holders(path, kinds=("READ", "WRITE")):
    """The PIDs holding a flock of the file ``path`` (``kinds``: READ for shared locks, WRITE for
    exclusive ones), from ``/proc/locks`` ([] where it cannot be read): for a message naming them
    where the lock file records no PID (a reader's, a grid's).

    Matched by inode number alone: on an overlay file system (a container) ``/proc/locks`` names the
    device of the layer underneath, not the one ``stat`` reports."""
    try:
        inode = str(os.stat(path).st_ino)
        table = pathlib.Path("/proc/locks").read_text()
    except OSError:
        return []
    pids = set()
    for line in table.splitlines():  # "1: FLOCK  ADVISORY  READ 1234 fe:00:2498739 0 EOF"; "->" marks a waiter
        fields = line.split()
        if (fields[1:2] == ["FLOCK"] and fields[3:4] and fields[3] in kinds and len(fields) > 5 and fields[4].isdigit()
                and fields[5].rpartition(":")[2] == inode):
            pids.add(int(fields[4]))
    return sorted(pids)


# flock's errors where the file system has no locks: Lustre without -o flock (ENOSYS), NFS whose
# lock daemon does not answer (ENOLCK), some FUSE file systems (EOPNOTSUPP).
NO_LOCKS = (errno.ENOSYS, errno.ENOLCK, errno.EOPNOTSUPP)
_UNLOCKED_DEVICES = set()  # the file systems warned about, by device: once each per process


def try_lock(descriptor, operation=fcntl.LOCK_EX, attempts=10, path=None):
    """flock(``operation``) without waiting for a real holder; a few short retries ride out a
    concurrent :func:`minitransfer.run_lock.holder` probe, which holds a shared lock for an instant (and a releasing
    dataset reader's exclusive instant, :mod:`minitransfer.data.lock`).

    On a file system without locks (:data:`NO_LOCKS`) this is True, as if the lock were held, after
    a warning on stderr naming the folder of ``path`` (once per file system and process), as HDF5
    does by default where its own file locks are not supported: training there goes on, but two
    processes writing one run (or a prepare rewriting the dataset a training reads) are not stopped.
    So it is where the holder removed the file as it released it on another NFS client
    (:data:`RELEASED_ELSEWHERE`): the caller finds it gone (:func:`same_file`) and locks the file there
    now. Another error of flock is a :class:`minitransfer.fileio.StorageError` naming ``path`` (given)."""
    for attempt in range(attempts):
        try:
            fcntl.flock(descriptor, operation | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            time.sleep(0.02)
        except OSError as error:
            if error.errno in NO_LOCKS:
                _warn_unlocked(descriptor, path, error)
                return True
            if error.errno == RELEASED_ELSEWHERE:  # the file is gone: each caller's same_file check tries again
                return True
            if path is None:
                raise
            raise fileio.StorageError(error.errno, f"cannot lock {path}: {error.strerror or error}") from error
    return False


def _warn_unlocked(descriptor, path, error):
    device = os.fstat(descriptor).st_dev
    if device in _UNLOCKED_DEVICES:
        return
    where = f"the file system of {pathlib.Path(path).parent}" if path is not None else "a file system"
    if stopping.warn(f"warning: {where} does not support file locks (flock: {error.strerror}): going on without "
                     f"them, so nothing stops a second process from training into the same run or preparing the "
                     f"dataset a training reads meanwhile; on Lustre, mount with -o flock"):
        _UNLOCKED_DEVICES.add(device)  # said: a quiet call's, dropped, leaves it to the next call to say


# how os.stat fails on a path whose folder was deleted: gone (ENOENT), gone under an NFS client that
# still held it (ESTALE), or one of its parents replaced by a file (ENOTDIR)
GONE = (errno.ENOENT, errno.ESTALE, errno.ENOTDIR)


def same_file(descriptor, path):
    """Whether the open ``descriptor`` is still the file at ``path`` (same device and inode: not
    unlinked, nor replaced, meanwhile); False where nothing is there now, its folder deleted too
    (:data:`GONE`)."""
    try:
        return file_owners.identity(descriptor) == file_owners.identity(path)
    except OSError as error:
        if error.errno in GONE:
            return False
        raise
