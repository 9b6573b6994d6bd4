"""What this process read of a dataset's files, kept while each file stays as it was read (:func:`read_once`), so
that a dataset opened again (each base of a grid resolves its own plan: 60 bases on ImageNet's ~1300 shards opened
every shard 120 times before anything ran) checks and reads only the files changed since: {(file identity, what
was read): its result}, at most :data:`FILES_READ_KEPT`. :mod:`.dataset` reads its shards' labels and image
offsets through it.
"""

import time

from . import integrity
from .changed_since import still_checked

_files_read = {}
FILES_READ_KEPT = 1 << 16  # results (a shard's /labels each); more, and every one is forgotten


def read_once(path, what, read, again=False, checked=None):
    """``read()`` of the file at ``path`` (``what`` it reads, e.g. ("labels", count)), or what it returned
    before in this process for the file as it is now, by its identity (device, inode, size, mtime_ns,
    ctime_ns): a write, a copy or a rename over a file changes its ctime, which no user-space call sets back
    (:mod:`.integrity` trusts it so across processes). A file changed less than
    :data:`.integrity.UNSETTLED_NS` ago (two writes in one clock tick may leave its times as they were), or
    one changed while it was read, is read every time; ``again``: read, whatever was found before.
    ``checked``: the file's :attr:`.dataset.Dataset.verified` entry, which it must still be before and after the
    read (None: held to nothing). One stat before the read, one after."""
    key = _settled_identity(path, checked)
    if key is not None and not again and (key, what) in _files_read:
        return _files_read[key, what]
    result = read()
    if key is None and checked is None:
        return result  # nothing to hold the file to after the read
    if _settled_identity(path, checked) == key and key is not None:
        if len(_files_read) >= FILES_READ_KEPT:
            _files_read.clear()
        _files_read[key, what] = result
    return result


def _settled_identity(path, checked=None):
    """(device, inode, size, mtime_ns, ctime_ns) of the file at ``path`` (:func:`.integrity.stat_key`); None
    where it cannot be stat'ed or changed less than :data:`.integrity.UNSETTLED_NS` ago. ``checked``: its
    :attr:`.dataset.Dataset.verified` entry, ``DatasetError`` where it is no longer that file
    (:func:`.changed_since.still_checked`)."""
    try:
        key = integrity.stat_key(path)
    except OSError:
        key = None
    if checked is not None and (key is None or key[:4] != tuple(checked[:4])):
        still_checked(path, checked)  # names what became of it: gone, unreadable, replaced or written to
        return None  # the checked file again at a second look: known by nothing settled
    if key is None or key[4] > time.time_ns() - integrity.UNSETTLED_NS:  # its ctime
        return None
    return key


def read_only(array):
    """``array``, made read-only: shared by every dataset that reads its file (:func:`read_once`)."""
    array.flags.writeable = False
    return array
