"""The record of the locks this process holds (:func:`hold`, :func:`release`): where flock is
emulated with byte-range (POSIX) locks (NFS clients), a lock is the process's, not its open file's:
closing ANY descriptor of the file drops every lock the process holds on it, and a second lock of
the file by the same process never conflicts with its first. So a process never opens a lock file it
holds again: :func:`held_here`, :func:`share_held` and :func:`looked_up` answer from this record, as
flock answers where it is the kernel's. Its users: :mod:`minitransfer.run_lock`,
:mod:`minitransfer.data.lock`, :mod:`minitransfer.grid_folder`.
"""

import contextlib
import os
import threading

from minitransfer import file_owners


class Held:
    """A lock this process holds (:func:`hold`): the ``descriptor`` holding it, whether it is
    ``exclusive``, and how many holders of this process share it (``count``: nested readers)."""

    def __init__(self, descriptor, exclusive):
        self.descriptor, self.exclusive, self.count = descriptor, exclusive, 1


_HELD = {}  # (st_dev, st_ino) of a lock file -> its Held: the locks this process holds
_HELD_CHANGED = threading.Lock()  # each look-up that goes on to use a Held's descriptor holds it too


def _forget_held():
    """In a forked child: a byte-range lock is not inherited (the child probes), and the lock of the
    record, which another thread of the parent may have held as it forked, is a new one."""
    global _HELD_CHANGED
    _HELD.clear()
    _HELD_CHANGED = threading.Lock()


os.register_at_fork(after_in_child=_forget_held)


def hold(descriptor, exclusive):
    """Record that this process holds the lock of the file open at ``descriptor`` (just taken). A lock
    recorded already is never replaced (RuntimeError): its holder's release would drop this one's lock,
    as closing any descriptor of the file drops the process's byte-range lock (NFS)."""
    with _HELD_CHANGED:
        key = file_owners.identity(descriptor)
        if key in _HELD and not _stale(_HELD[key], key, descriptor):
            raise RuntimeError(f"the lock of the file open at descriptor {descriptor} is held by this process "
                               f"already (descriptor {_HELD[key].descriptor}): share it or wait for its release")
        _HELD[key] = Held(descriptor, exclusive)


def hold_or_close(descriptor, exclusive):
    """:func:`hold`, ``descriptor`` closed where it refuses (recorded meanwhile by another thread of this process:
    its lock, not this descriptor's to keep)."""
    try:
        hold(descriptor, exclusive)
    except BaseException:
        os.close(descriptor)
        raise


def _stale(held, key, descriptor):
    """Whether ``held``, recorded for the file ``key``, is a record whose descriptor was closed without its
    :func:`release` (it holds no lock): ``descriptor``, just opened, has its number (an open descriptor's
    number is not given again), or its descriptor is closed or another file's now (a file removed and
    another made with its inode, as a temporary folder's are)."""
    return held.descriptor == descriptor or _closed(held, key)


def _closed(held, key):
    """Whether ``held``'s descriptor, recorded for the file ``key``, is closed or another file's now."""
    try:
        return file_owners.identity(held.descriptor) != key
    except OSError:
        return True


def held_here(path):
    """This process's :class:`Held` lock of the file at ``path`` (its inode), or None: found without
    opening the file, as opening and closing it would drop that lock (byte-range locks, NFS). Only
    whether there is one: its descriptor may be closed as soon as it is returned (another thread of
    this process releasing it); :func:`share_held` shares it."""
    with _HELD_CHANGED:
        return _held(path)


@contextlib.contextmanager
def looked_up(path):
    """This process's :class:`Held` lock of the file at ``path``, or None, as :func:`held_here` finds
    it, its record left unchanged (its descriptor open: a releasing thread closes it after) until the
    ``with`` block ends."""
    with _HELD_CHANGED:
        yield _held(path)


def _held(path):
    """:func:`held_here`'s look-up, under ``_HELD_CHANGED``."""
    try:
        key = file_owners.identity(path)
    except OSError:
        return None
    held = _HELD.get(key)
    if held is not None and _closed(held, key):  # closed without its release: it holds no lock, nor is shared
        del _HELD[key]
        return None
    return held


def share_held(path):
    """This process's :class:`Held` lock of the file at ``path``, or None where it holds none. A shared
    one is counted for one more holder of this process (each one :func:`release` ends) in the same step
    as it is found, so another thread releasing it meanwhile cannot close its ``descriptor``: a second
    descriptor's lock would replace it, and its close drop it. An exclusive one is returned uncounted:
    not to be shared (wait for its release, or refuse)."""
    with _HELD_CHANGED:
        held = _held(path)
        if held is not None and not held.exclusive:
            held.count += 1
        return held


def release(descriptor):
    """A holder of this process is done with the lock open at ``descriptor``: whether it was the last
    (the lock is then no longer recorded: the caller drops it and closes ``descriptor``); True for
    a lock never recorded."""
    with _HELD_CHANGED:
        key = file_owners.identity(descriptor)
        held = _HELD.get(key)
        if held is None or held.descriptor != descriptor:
            return True
        held.count -= 1
        if held.count:
            return False
        del _HELD[key]
        return True
