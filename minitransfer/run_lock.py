"""The lock of a run directory, ``<run>/lock``: one process at a time trains into a run, and a second
one is told which process holds it (its PID, its host where another machine runs it, its SLURM job).

:class:`RunLock` holds it with ``flock``, which the kernel releases when the process dies (no stale
lock) and a file system shared by the nodes of a cluster keeps for all of them; :func:`holder` names
the holder, :func:`holder_named` puts it in a message (it and :func:`pid_named` are
:mod:`minitransfer.lock_holder`'s, beside the bash that names a holder in the same words, and importable
from here too: ``__all__``). :func:`try_lock` goes on without locks, with a warning, on a file system that
has none (Lustre mounted without -o flock, NFS without its lock daemon). A report's output folder, and a
dataset folder while prepare writes it (:mod:`minitransfer.data.lock`, whose readers share it), are held
with the same lock; a grid folder's locks (:mod:`minitransfer.grid_folder`) are built from :func:`try_lock` and
:func:`same_file`. Those and the other primitives of flock (:func:`lock_taken`, :func:`flock_holders`, :data:`GONE`)
are :mod:`minitransfer.file_locks`', importable from here too (``__all__``).
What a lock file records of its holder, and how it is read back, is :mod:`minitransfer.lock_holder`.

Where flock is emulated with byte-range (POSIX) locks (NFS clients), a process never opens a lock
file it holds again: :func:`minitransfer.held_locks.hold` records each lock it takes, and
:func:`holder`, a second :class:`RunLock`, a nested reader and a grid's probe answer from that record
(:mod:`minitransfer.held_locks`), as flock answers where it is the kernel's.
"""

import contextlib
import errno
import fcntl
import os
import pathlib
import stat
import time

from minitransfer import file_owners, fileio
from minitransfer.file_locks import (GONE, NO_LOCKS, RELEASED_ELSEWHERE, flock_holders, lock_taken, same_file,
                                     try_lock)
from minitransfer.errors import MinitransferError
from minitransfer.held_locks import held_here, hold_or_close, looked_up, release
from minitransfer.lock_holder import Holder, holder_named, is_this_process, pid_named, read_holder, this_process_record

__all__ = ["BUSY", "RunBusy", "RunLock", "PID_WAIT_SECONDS", "RELEASED_ELSEWHERE", "holder", "lock_taken",
           "flock_holders", "holder_named", "pid_named", "NO_LOCKS", "try_lock", "GONE", "same_file"]


BUSY = " is in use by another minitransfer process"  # RunBusy's words, which a grid reads in a run's log


class RunBusy(MinitransferError, RuntimeError):
    """Another process holds the run directory's lock (exit code 2); ``pid`` names it (:func:`holder`'s
    answer: a :class:`Holder`, -1 or None)."""

    def __init__(self, message, pid):
        super().__init__(message)
        self.pid = pid


class RunLock:
    """The exclusive lock of one run directory: ``<run>/lock``, held with ``flock`` for as long as
    the run writes there. The kernel releases it when the process dies, so a crash never leaves a
    stale lock; the file holds the holder's PID and host name ("1234 node7"), and a SLURM task's job and
    node, for the message a second process gets (the run folder may be on a file system that the nodes of
    a cluster share).

        with RunLock(run_dir):      # RunBusy if another process trains into run_dir
            ...

    The run directory is created for the lock; if this process created it and leaves nothing else
    in it (a run that failed before writing anything), it is removed again on release. The lock file is
    removed on release, but with ``keep`` (a dataset's, :mod:`minitransfer.data.lock`) it stays, emptied,
    where the folder holds anything else: another user's readers, who may not create it there, lock it.

    :attr:`run_dir` and :attr:`path` are as ``run_dir`` names the folder, for messages; the lock's
    files are those of the folder that was at ``run_dir`` when it was made (:attr:`folder`), whatever
    the working folder is later (``os.chdir`` in an ``on_iteration`` hook, or in another thread). ``resume``: a
    training's `resume` ('auto', a checkpoint file's path, or None), which a folder it may not write advises to
    rerun with (:meth:`_unwritable`)."""

    FILE = "lock"
    ATTEMPTS = 3  # when the holder seen busy is gone by the time it is named (it released the lock meanwhile)

    def __init__(self, run_dir, keep=False, resume=None):
        self.run_dir = pathlib.Path(run_dir)
        self.keep, self.resume = keep, resume
        self.path = self.run_dir / self.FILE
        self.folder = self.run_dir.absolute()
        self._file = self.folder / self.FILE
        self._descriptor = None
        self._created = False

    def __enter__(self):
        self._created = not self.folder.exists()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise fileio.storage_error(self.folder, error, named=self.run_dir) from error
        gone = 0
        while True:
            if held_here(self._file) is not None:  # by this process (a run, a report, a prepare, readers)
                raise self._busy(holder(self.folder))
            descriptor = self._open()
            try:
                locked = descriptor is not None and try_lock(descriptor, path=self.path)
            except OSError:
                os.close(descriptor)
                raise
            if not locked:
                if descriptor is not None:
                    os.close(descriptor)
                pid = holder(self.folder)
                gone += pid is None
                if pid is None and gone < self.ATTEMPTS:  # released meanwhile: try again
                    continue
                raise self._busy(pid)
            if same_file(descriptor, self._file):  # not unlinked by a releasing holder meanwhile
                break
            os.close(descriptor)
        hold_or_close(descriptor, exclusive=True)
        self._descriptor = descriptor
        try:
            os.ftruncate(descriptor, 0)
            os.write(descriptor, this_process_record())
        except OSError as error:  # a full disk: released, not held by a descriptor nobody closes
            self.__exit__(None, None, None)
            raise fileio.storage_error(self._file, error, named=self.path) from error
        return self

    def _open(self):
        """A descriptor of the lock file open for writing (made where missing); None where it is another
        user's that this process may not write and another process holds it now (:func:`lock_taken`):
        busy, as any held lock is, and said so; only a free one is :meth:`_refused`."""
        try:
            descriptor = os.open(self._file, os.O_RDWR | os.O_CREAT, file_owners.LOCK_FILE_MODE)
        except OSError as error:  # a read-only folder, one this user may not write, no inode left
            if error.errno in fileio.UNWRITABLE and file_owners.lock_file_alone(self._file):
                if lock_taken(self._file):
                    return None
                raise self._refused(error) from error
            # says what is left before the folder is removed
            failure = self._unwritable(error) if error.errno in fileio.UNWRITABLE else \
                fileio.storage_error(self._file, error, named=self.path)
            self._remove_if_created_empty()
            raise failure from error
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # a named pipe: a bare "[Errno 29] Illegal seek" as read
            os.close(descriptor)
            raise fileio.StorageError(errno.EINVAL, f"cannot write {self.path}: not a file (a named pipe, a socket or "
                                                    f"a device) where the lock file of {self.run_dir} goes: move it "
                                                    f"away, then rerun this command")
        return descriptor

    def _unwritable(self, error):
        """The ``StorageError`` (exit code 74) of a lock file that cannot be made in a folder this process may
        not write: another user's, named with its owner and mode, and what to ask them; one of a training resumed
        from a checkpoint file (:attr:`resume`: an older copy of the run's), to rerun with that file once it is
        writable (`resume='auto'` continued the run's checkpoint.h5: a finished run ended at once, the copy never
        trained on); a run folder of this user's holding a checkpoint (or on a read-only file system), with both
        ways to rerun once it is writable (a training's advice to rerun with `resume='auto'` alone did not
        overwrite the run, where `overwrite=True` was asked); else the system's reason, to which the caller adds
        how to rerun (:meth:`minitransfer.fileio.StorageError.rerun_with`)."""
        cannot = f"cannot write {self.path}: {error.strerror}"
        try:
            others = os.stat(self.folder).st_uid != os.geteuid() and error.errno != errno.EROFS
        except OSError:
            others = False
        if others:
            owner, mode = file_owners.owner_and_mode(self.folder)
            ask = file_owners.ask_to_share(owner, self.run_dir, recursive=True)
            return fileio.StorageError(error.errno, f"{cannot}: {self.run_dir} is {owner}'s ({mode}), a folder this "
                                                    f"user may not write; {ask}, or give another output folder")
        if self.resume not in (None, "auto"):
            return fileio.storage_error(self._file, error, named=self.path).rerun_with(f"`resume={str(self.resume)!r}`")
        if self.folder.suffix == ".run" and (self.folder / "checkpoint.h5").exists():  # a run to continue or redo
            return fileio.StorageError(error.errno, f"{cannot}; make it writable, then rerun with `resume='auto'` "
                                                    f"to continue the run there, or `overwrite=True` to start it over")
        return fileio.storage_error(self._file, error, named=self.path)

    def _refused(self, error):
        """The ``StorageError`` (exit code 74) of a lock file this process may not open for writing in a
        folder it may write: another user's, made 0o644 (by an older version, or under a umask 022) where
        the folder is shared by a group; named with its owner and mode, and what to do."""
        owner, mode = file_owners.owner_and_mode(self._file)
        return fileio.StorageError(
            error.errno, f"cannot open {self.path}, the lock file of {self.run_dir}, for writing ({error.strerror}; "
                         f"it is {owner}'s, {mode}), though this process may write in {self.run_dir}: minitransfer "
                         f"takes it to train, prepare or report there; "
                         f"{file_owners.ask_to_share(owner, self.path)}, or remove it once no process works there")

    def _busy(self, pid):
        return RunBusy(f"{self.run_dir}{BUSY}{holder_named(pid)}; wait for it to finish or stop it, then rerun", pid)

    def held(self):
        """Whether this process holds the lock still: the lock file at :attr:`path` is the one it
        locked (not removed, nor replaced by another process's, meanwhile) and holds its PID and host
        (on a file system without locks, :func:`try_lock`, a second process takes it too and writes its
        own, which may be this PID on another node)."""
        return self._descriptor is not None and same_file(self._descriptor, self._file) and \
            is_this_process(self._holder_written())

    def other(self):
        """The :class:`Holder` that took this lock from this one (:meth:`held` False), where known."""
        pid = holder(self.folder)
        if pid is None and self._descriptor is not None and same_file(self._descriptor, self._file):
            pid = self._holder_written()
        return pid

    def _holder_written(self):
        """The :class:`Holder` the lock file this process opened names, or None."""
        return read_holder(self._descriptor)

    def __exit__(self, *exc):
        # only its own lock file: the folder may have been moved or deleted meanwhile, another process
        # may lock a new one under the same name, or (without locks) have written its PID in this one
        written = self._holder_written()
        if same_file(self._descriptor, self._file) and (written is None or is_this_process(written)):
            # a folder made read-only keeps it (harmless: the lock goes with the descriptor), and the error
            # that stopped the run, e.g. its checkpoint unwritable there, is the one to report
            with contextlib.suppress(OSError):
                if self.keep and self._others_there():
                    os.ftruncate(self._descriptor, 0)  # no holder's record left behind (read where flock is missing)
                else:
                    self._file.unlink(missing_ok=True)
        release(self._descriptor)
        os.close(self._descriptor)
        self._descriptor = None
        self._remove_if_created_empty()

    def _others_there(self):
        """Whether the folder holds anything but the lock file (its listing closed, not left to the collector)."""
        with os.scandir(self.folder) as entries:
            return any(entry.name != self.FILE for entry in entries)

    def _remove_if_created_empty(self):
        """Remove the run directory if this lock created it and nothing is in it: a run that failed
        before writing anything (its lock file not even created: a disk out of inodes) leaves no empty
        folder for a later run or report to puzzle over."""
        with contextlib.suppress(FileNotFoundError):
            if self._created and not any(self.folder.iterdir()):
                self.folder.rmdir()


PID_WAIT_SECONDS = 0.5  # a lock's holder writes its PID just after taking it: seen in between, it is waited for


def holder(run_dir, recorded=False):
    """The process holding the lock of ``run_dir``, a :class:`Holder` (its PID, and its host where that
    is another machine), or None when nobody does (or only readers, with shared locks:
    :mod:`minitransfer.data.lock`); -1 when the holder has not written it within :data:`PID_WAIT_SECONDS`.
    Judged by the lock itself (flock, which a file system shared by several machines keeps for all of
    them), never by looking the PID up on this machine; this process's own lock by its record
    (:func:`minitransfer.held_locks.held_here`): this PID where it holds it exclusively, None where
    it reads (shared). ``recorded``: on a file system without locks, the holder its lock file records
    (a process that took it there, where nothing stops a second from taking it too), not None."""
    path = pathlib.Path(run_dir) / RunLock.FILE
    with looked_up(path) as here:  # its descriptor read while recorded: open
        if here is not None:
            if not here.exclusive:
                return None
            written = read_holder(here.descriptor)
            return written if written is not None else Holder(os.getpid())
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    except PermissionError:  # another user's, 0o600 (made under a umask 077): its holder as the kernel lists it
        pids = flock_holders(path, ("WRITE",))
        return Holder(pids[0]) if pids else None
    deadline = time.monotonic() + PID_WAIT_SECONDS
    try:
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return None
            except BlockingIOError:
                written = read_holder(descriptor)
                if written is not None:
                    return written
                if time.monotonic() >= deadline:
                    return -1
                time.sleep(0.02)
            except OSError as error:
                if error.errno == RELEASED_ELSEWHERE:  # its holder has let it go
                    return None
                if error.errno not in NO_LOCKS:
                    raise
                return read_holder(descriptor) if recorded else None  # no locks: nobody is seen holding one
    finally:
        os.close(descriptor)
