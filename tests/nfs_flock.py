"""flock as an NFS client emulates it, in this process: with byte-range (POSIX) locks.

:func:`emulate_nfs4_flock`: an exclusive lock needs a descriptor open for writing, a shared one a
descriptor open for reading, else EBADF (Linux since 2.6.12; util-linux's flock(1) reopens a file
for that). :class:`PosixFlock` adds what byte-range locks are besides: a process's own, not an open
file's (a second lock of one file by the same process, through another descriptor, never conflicts
with its first: it replaces it), and dropped, every one the process holds on a file, as it closes
ANY descriptor of that file (``os.close``; the lock files are opened with ``os.open``). Its locks
live in a table here, not in the kernel: a process started meanwhile does not see them."""

import contextlib
import errno
import fcntl
import os

import pytest

from minitransfer import held_locks


def emulate_nfs4_flock(monkeypatch):
    """fcntl.flock as an NFSv4 client makes it, in this process."""
    real = fcntl.flock

    def emulated(descriptor, operation):
        check_access(descriptor, operation)
        return real(descriptor, operation)

    monkeypatch.setattr(fcntl, "flock", emulated)


def check_access(descriptor, operation):
    """EBADF where the lock's kind needs an access ``descriptor`` was not opened with (NFSv4)."""
    mode = fcntl.fcntl(descriptor, fcntl.F_GETFL) & os.O_ACCMODE
    if operation & fcntl.LOCK_EX and mode == os.O_RDONLY or operation & fcntl.LOCK_SH and mode == os.O_WRONLY:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


class PosixFlock:
    """fcntl.flock and os.close of this process, as where flock is emulated with byte-range locks."""

    def __init__(self, monkeypatch):
        self.locks = {}  # (st_dev, st_ino) -> {owner PID: "SH" or "EX"}
        self.owner = os.getpid()
        self._close = os.close
        monkeypatch.setattr(fcntl, "flock", self.flock)
        monkeypatch.setattr(os, "close", self.close)

    def flock(self, descriptor, operation):
        check_access(descriptor, operation)
        held = self.locks.setdefault(_inode(os.fstat(descriptor)), {})
        if operation & fcntl.LOCK_UN:
            held.pop(self.owner, None)
            return
        kind = "EX" if operation & fcntl.LOCK_EX else "SH"
        others = [other for owner, other in held.items() if owner != self.owner]
        if "EX" in others or kind == "EX" and others:
            if operation & fcntl.LOCK_NB:
                raise BlockingIOError(errno.EAGAIN, os.strerror(errno.EAGAIN))
            raise AssertionError(f"flock({descriptor}) would wait for ever: its holder is this test's process")
        held[self.owner] = kind  # the process's own lock of the file, if any, replaced: never a conflict

    def close(self, descriptor):
        try:
            inode = _inode(os.fstat(descriptor)) if self.locks else None
        except OSError:
            inode = None
        self._close(descriptor)
        self.locks.get(inode, {}).pop(self.owner, None)  # every lock of this process on the file

    def holders(self, path):
        """{PID: "SH" or "EX"}: who holds the lock of the file at ``path`` now."""
        return dict(self.locks.get(_inode(os.stat(path)), {}))


@contextlib.contextmanager
def as_another_process():
    """The block as another process sees this one's locks: not in its record of its own
    (:func:`minitransfer.held_locks.held_here`), so it asks flock, which a lock of another open file
    of this process's meets as it meets another process's where flock is the kernel's."""
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(held_locks, "_HELD", {})
        yield


def _inode(status):
    return status.st_dev, status.st_ino
