"""Files against the sha256 that ``meta.json`` records for them (the loader checks a dataset before its
first batch), each hashed once until it changes: a file found intact is remembered by its identity in this
process and in a record in the user's cache folder, so a later process (each network of a grid is one)
does not hash it again. ``prepare verify`` re-hashes every file whatever is recorded.

The record is ``$MINITRANSFER_CACHE/verified/<sha256 of the dataset folder's resolved path>.json``
(default ``~/.cache/minitransfer``; not in the dataset, which may be on read-only shared storage):
``{"dataset": the resolved path, "files": {name: [device, inode, size, mtime_ns, ctime_ns, sha256]}}``.
An entry counts only while all six match the file and meta.json, its device aside: a write, a copy or a rename
over the file changes its ctime, which no user-space call sets back (``touch -d`` and ``os.utime`` restore the
mtime only), so it is hashed again. The device is a number each machine gives its mounts (the nodes of a
cluster sharing the dataset's file system and the cache number it each their own way), where the inode number,
size and times are the file's: held to it, every node hashed the whole dataset again, its record replacing
the last node's. What no stat can see, bits rotting on the disk, only ``prepare
verify`` finds. A file changed less than :data:`UNSETTLED_NS` before it was hashed is not recorded: a
second write in the same clock tick could leave its times as they were (git's "racy" files); nor, so, one
changed later than this machine's clock says it is now (its clock behind the file server's), which is said
once (:data:`AHEAD_NS`): every run hashed such files again, silently.

A record that cannot be read or parsed is ignored, and so is an entry of the wrong form: the files are
hashed again, silently (the next write replaces the record: nothing for the user to do). One that cannot
be written (no home folder, a read-only or full disk) is said on stderr, once per process and dataset,
and the run goes on: every later run would hash everything, which setting $MINITRANSFER_CACHE mends.
Processes checking at once each merge their entries into the record they read and replace it atomically
(:func:`minitransfer.fileio.write_text`): one may drop an entry another just added, which costs that file
one more hash, never a wrong answer. The temporaries a crash left in the records' folder are removed
when a record is next written, once their process is gone and an hour has passed (:data:`STALE_S`; the
cache may be shared with other machines, whose processes this one cannot see).
"""

import concurrent.futures
import contextlib
import contextvars
import errno
import itertools
import json
import os
import threading
import time

from minitransfer import fileio, stopping
from minitransfer.open_files import limit_reached
from minitransfer.progress import duration

from .hash_records import RECORDS, read_record as _read_record, record_path as _record_path, shared_folder, \
    unrecorded_remedy
from .schema import REPREPARE, DatasetError, DatasetUnreadable, read_error

__all__ = ["HASH_THREADS", "RECORDS", "UNSETTLED_NS", "AHEAD_NS", "STALE_S", "GONE_SINCE_PREPARED", "REBUILDS",
           "NAMED_AT_MOST", "CorruptFile", "corrupt_files", "check_files", "hashing_threads", "check_each",
           "open_file_intact", "unreadable", "stat_key", "identity", "record_settled", "shared_folder"]

HASH_THREADS = 4  # sha256 releases the GIL: a few threads hash a large dataset a few times faster
UNSETTLED_NS = 2_000_000_000  # ns, by this machine's clock against the file's ctime
AHEAD_NS = 60_000_000_000  # ns; a file's ctime further ahead of this machine's clock tells two clocks that disagree
STALE_S = 3600  # s; a record's temporary untouched for this long is no longer being written (it takes ms)
# What to do about a file of a dataset that meta.json lists and the folder lacks
GONE_SINCE_PREPARED = f"deleted or moved since the dataset was prepared: {REPREPARE}"
REBUILDS = "rerunning the prepare command that built it rebuilds what is corrupt"
NAMED_AT_MOST = 5  # files a fault of many names (:func:`corrupt_files`), then a count of the others


class CorruptFile(DatasetError):
    """A file of a dataset that is not as meta.json records it (its sha256 differs, missing, empty):
    the message names ``path`` and what to do; ``fault``, what is wrong with it in a few words, is
    how :func:`corrupt_files` lists it among others."""

    def __init__(self, message, path, fault):
        super().__init__(message)
        self.path, self.fault = path, fault


def corrupt_files(folder, faults, checked):
    """One :class:`DatasetError` for the ``faults`` (``DatasetError``) found among ``checked`` files of the
    dataset ``folder`` (``prepare verify`` hashes every one): the fault itself where it is the only one;
    else the files named with their faults (at most :data:`NAMED_AT_MOST`, then a count of the others), a
    :class:`CorruptFile` by its ``fault``, another (a file that could not be read) by its own message, and
    what to do once. :class:`DatasetUnreadable` (exit 74) where one of them is, else ``DatasetError`` (65)."""
    if len(faults) == 1:
        return faults[0]
    kinds = {}  # {fault: [file, ...]} of those named, in the order checked: "a, b (sha256 mismatch: corrupt shard)"
    for fault in faults[:NAMED_AT_MOST]:
        if isinstance(fault, CorruptFile):
            kinds.setdefault(fault.fault, []).append(os.path.relpath(fault.path, folder))
        else:  # its message names the file and what to do
            kinds.setdefault(str(fault), [])
    named = "; ".join(f"{', '.join(files)} ({kind})" if files else kind for kind, files in kinds.items())
    more = f" and {len(faults) - NAMED_AT_MOST} more" if len(faults) > NAMED_AT_MOST else ""
    unreadable = any(not isinstance(fault, CorruptFile) for fault in faults)
    worst = DatasetUnreadable if any(isinstance(fault, DatasetUnreadable) for fault in faults) else DatasetError
    return worst(f"{folder}: {len(faults)} of its {checked} files are not as meta.json records them"
                 f"{' or cannot be read' if unreadable else ''}: {named}{more}; corrupt, deleted or moved since the "
                 f"dataset was prepared, or meta.json was edited ({REBUILDS})")

# (device, inode, size, mtime_ns, ctime_ns, sha256) of every file this process has hashed, or found
# recorded, as meta.json says
_intact_files = set()
_unrecorded_warned = set()  # the dataset folders whose record could not be written, said once each
_ahead_warned = set()  # the dataset folders whose files changed later than this clock's now, said once each
_pools = itertools.count()  # numbers the hashing threads' pools, whose threads are named after them


def check_files(folder, files, remember=True, settled=None):
    """Compare files of the dataset ``folder`` with their expected sha256: ``files`` a list of
    ``(path, sha256, what)``.

    Raises ``DatasetError`` naming the first missing, empty, unreadable or differing file (``what``
    says what it is: "shard", "mean image"; :class:`CorruptFile` but for one unreadable). Files found
    intact are remembered, in this process and in the record of ``folder`` (see the module), by device,
    inode, size, modification and change time, and not hashed again until they change; with
    ``remember=False`` every file is hashed (and those found intact are recorded). Several files are
    hashed in parallel threads. ``settled``: a dict that collects the entries to record instead, which
    :func:`record_settled` writes at once (``prepare verify`` checks file by file: the record read and
    rewritten after each file wrote bytes quadratic in the files, ~140 MB for ImageNet's 1,332).

    Returns ``{str(path): (device, inode, size, mtime_ns, ctime_ns)}`` of the files as checked (the stat
    taken before hashing): a reader that opens one later compares it with what it opened
    (:class:`.image_reader.ImageReader`), so a file replaced or rewritten after the check is refused, not read
    unchecked."""
    started = time.time_ns()
    pending = [(path, expected, what, _file_key(path, expected, what)) for path, expected, what in files]
    identities = {str(path): key[:5] for path, _, _, key in pending}
    if remember:
        pending = [item for item in pending if item[3] not in _intact_files]
        if pending:
            recorded = _read_record(*_record_path(folder))
            _intact_files.update(key for path, _, _, key in pending
                                 if _recorded_as(recorded.get(_name(folder, path)), key))
            pending = [item for item in pending if item[3] not in _intact_files]
    if not pending:
        return identities
    found, ahead = {}, 0
    with hashing_threads(len(pending)) as pool:
        digests = (pool.map if pool else map)(lambda item: _sha256(item[0], item[2]), pending)
        for (path, expected, what, key), actual in zip(pending, digests):
            if actual != expected:  # forgotten if found intact before: rotten bits keep its times and size
                _intact_files.discard(key)
                raise CorruptFile(f"{path}: sha256 mismatch (file {actual[:16]}…, meta.json {expected[:16]}…): "
                                  f"corrupt {what}, or meta.json was edited ({REBUILDS})", path,
                                  f"sha256 mismatch: corrupt {what}")
            _intact_files.add(key)
            if key[4] < started - UNSETTLED_NS:
                found[_name(folder, path)] = key
            ahead = max(ahead, key[4] - started)
    if settled is not None:
        settled.update(found)
    else:
        record_settled(folder, found)
    if ahead > AHEAD_NS:
        _warn_of_clock_behind(folder, ahead)
    return identities


@contextlib.contextmanager
def hashing_threads(files):
    """A pool of at most :data:`HASH_THREADS` threads to hash ``files`` files (None for one: hashed in the caller's
    thread), shut down on the way out, a stop's too: its pending files cancelled, those being hashed waited for,
    and a thread whose start a stop interrupted (Thread.start waits for it to run; the pool did not track it, which
    hashed on after the stop) joined too: no thread is left hashing."""
    if files <= 1:
        yield None
        return
    name = f"minitransfer-sha256-{next(_pools)}"
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(HASH_THREADS, files), thread_name_prefix=name)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for thread in threading.enumerate():
            if thread.name.startswith(f"{name}_"):
                thread.join()


def check_each(folder, files, settled, damaged, progress=None):
    """``prepare verify``'s hashing: every one of ``files`` (as :func:`check_files` takes them) hashed, none taken
    as known, :data:`HASH_THREADS` at a time (one at a time, each its own check_files, they were hashed by one
    thread: ImageNet's 250 GB at one core's sha256), each found intact added to ``settled`` and the path of each
    found not so to ``damaged`` in the files' order (for :func:`record_settled`, a stop's too: those before the
    file it stopped, none after), ``progress(done, total)`` after each. Returns the identities of those found
    intact (as check_files's) and the ``DatasetError`` of each of the others."""
    context = contextvars.copy_context()  # the caller's: where a warning of the threads' goes (warnings_told)

    def outcome(file):
        its_entry = {}  # settled once its turn comes: a stop records the files before it alone, as one by one
        try:
            return context.copy().run(check_files, folder, [file], remember=False, settled=its_entry), its_entry
        except DatasetError as fault:
            return fault, its_entry

    identities, faults = {}, []
    with hashing_threads(len(files)) as pool:
        for done, (file, (found, its_entry)) in enumerate(zip(files, (pool.map if pool else map)(outcome, files)),
                                                          start=1):
            if isinstance(found, DatasetError):
                faults.append(found)
                damaged.append(file[0])  # its entry dropped: rotten bits keep the times it goes by
            else:
                identities.update(found)
                settled.update(its_entry)
            if progress:
                progress(done, len(files))
    return identities, faults


def open_file_intact(folder, path, status, expected, hashed):
    """Whether the open file of the dataset ``folder`` at ``path`` when opened, ``status`` its ``fstat`` now, holds
    the bytes of sha256 ``expected``: the verdict :func:`check_files` keeps, shared (a shard touched mid-run was
    hashed by its reader, :class:`.image_reader.ImageReader`, and again by the run's checkpoint,
    :meth:`.dataset.Dataset.check_unchanged`; whichever comes second takes the other's now): known by its stat
    (device, inode, size, mtime_ns, ctime_ns) and ``expected`` in this process or in the record of ``folder``, else
    ``hashed()``, the open file's sha256 (another file renamed to ``path`` since is not it), remembered as intact
    and recorded once settled, as check_files does. What ``hashed`` raises is raised."""
    started = time.time_ns()
    key = (*identity(status), status.st_ctime_ns, expected)
    if key in _intact_files:
        return True
    if _recorded_as(_read_record(*_record_path(folder)).get(_name(folder, path)), key):
        _intact_files.add(key)
        return True
    if hashed() != expected:
        _intact_files.discard(key)
        return False
    _intact_files.add(key)
    if key[4] < started - UNSETTLED_NS:
        record_settled(folder, {_name(folder, path): key})
    return True


def _warn_of_clock_behind(folder, ahead_ns):
    """Say, once per process and dataset ``folder``, that files of it changed ``ahead_ns`` after this machine's
    clock says it is now: none of them is recorded (:data:`UNSETTLED_NS`), so every run hashed them all again,
    silently (ImageNet's shards: minutes a run), while a node's clock lagged its file server's."""
    if folder not in _ahead_warned and \
            stopping.warn(f"warning: files of {folder} changed {duration(ahead_ns / 1e9)} later than this machine's "
                          f"clock says it is now (its clock behind the file server's, or set back): found intact, they "
                          f"are not remembered so, and every run hashes them again until this clock passes that time; "
                          f"set it right (NTP)"):
        _ahead_warned.add(folder)


def _recorded_as(entry, key):
    """Whether the record's ``entry`` of a file is the file as ``key`` (:func:`_file_key`) finds it now: all but
    the device, which another machine sharing the file system numbers its own way (see the module)."""
    return entry is not None and entry[1:] == key[1:]


def _file_key(path, expected, what):
    try:
        key = stat_key(path)
    except FileNotFoundError:
        raise CorruptFile(f"{path}: missing {what}: {GONE_SINCE_PREPARED}", path, f"missing {what}") from None
    except OSError as error:
        raise unreadable(path, what, error) from error
    if key[2] == 0 and not os.path.isfile(path):  # a named pipe's size (its read waits for a writer): not hashed
        from minitransfer.path_kinds import not_a_regular_file  # here: each decode worker imports this module
        raise CorruptFile(f"{path}: {not_a_regular_file(path)}, where meta.json expects the {what}: {REPREPARE}", path,
                          f"{what} not a regular file")
    if key[2] == 0:  # its size
        raise CorruptFile(f"{path}: empty file (0 bytes) where meta.json expects the {what}", path, f"empty {what}")
    return (*key, expected)


def unreadable(path, what, error):
    """The error to raise where ``what`` ("shard", "mean image") at ``path`` could not be opened or read
    (``error``): this process's or the system's limit of open files reached (:func:`.open_files.limit_reached`), a
    :class:`.schema.DatasetUnreadable` saying so (a shard's was "a fault of the disk", h5py's "unreadable shard:
    rerun the prepare command" of a sound dataset); else :func:`.schema.read_error`'s."""
    limit = limit_reached(error)
    if limit is None:
        return read_error(path, what, error)
    return DatasetUnreadable(f"{path}: the {what} could not be opened: {limit}")


def stat_key(path):
    """(device, inode, size, mtime_ns, ctime_ns) of the file at ``path``, one ``os.stat`` (its ``OSError``
    raised): its :func:`identity` and change time, what a file found intact or read is known by until it
    changes (see the module: its ctime moves with every write, copy or rename over it)."""
    status = os.stat(path)
    return (*identity(status), status.st_ctime_ns)


def identity(status):
    """(device, inode, size, mtime_ns) of an ``os.stat_result``: what changes when a file is
    replaced (device, inode) or written (size, mtime)."""
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


def _sha256(path, what):
    try:
        return fileio.sha256_file(path)
    except OSError as error:
        raise unreadable(path, what, error) from error


def _name(folder, path):
    return os.path.relpath(path, folder)


def record_settled(folder, settled, damaged=()):
    """Add ``settled`` ({name: key}, as :func:`check_files` collects them) to the record of ``folder``, where
    there are any, and drop from it the files ``damaged`` (paths ``prepare verify`` found not as meta.json
    records them): a file rotting on the disk keeps the times and size its entry goes by, and every later
    run took it, recorded intact by an earlier check, unhashed."""
    damaged = {_name(folder, path) for path in damaged}
    if settled or damaged:
        _record(folder, settled, damaged)


def _record(folder, settled, damaged=()):
    """Add ``settled`` ({name: key}) to the record of ``folder`` and drop the names ``damaged`` from it, or say
    once why it cannot be written."""
    path, resolved = _record_path(folder)
    try:
        if path is None:
            raise fileio.StorageError(errno.ENOENT, "the home folder is unknown (HOME is not set)")
        try:
            shared_folder(path.parent)
        except OSError as made:  # a read-only cache, a file in the folder's place: the record's write says it
            raise fileio.storage_error(path, made) from made
        fileio.remove_stale_temporaries(path.parent, idle_s=STALE_S)
        recorded = _read_record(path, resolved)
        if not settled and not recorded.keys() & damaged:
            return  # nothing to add, none to drop
        files = {name: key for name, key in {**recorded, **settled}.items() if name not in damaged}
        fileio.write_text(path, json.dumps({"dataset": resolved, "files": files}, sort_keys=True))
    except OSError as error:
        if folder not in _unrecorded_warned and \
                stopping.warn(f"warning: cannot record the files of {folder} found intact ({error}): the next run "
                              f"hashes them again; {unrecorded_remedy(path)}"):
            _unrecorded_warned.add(folder)  # said: a quiet call's, dropped, leaves it to the next call to say
