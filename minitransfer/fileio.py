"""Crash-safe files (DESIGN.md §5, §6): everything minitransfer writes — shards, the mean image,
meta.json, checkpoints, run files — goes to a temporary name ``.<name>.tmp-<host>-<pid>`` in the
target's folder (:func:`temporary_path`), is fsynced, renamed over the target and the folder fsynced
(where its file system can sync a folder). A crash leaves either the old file or the new one under the
real name, never half of one; :func:`remove_stale_temporaries` clears what dead processes left behind.

A failed write (disk full, quota, read-only folder, I/O error) raises :class:`StorageError`
(command line: exit code 74) naming the file and, when space ran out, the space it needed; the
temporary is removed and the previous file stays as it was. HDF5 files are built in memory and
written as one image (:func:`write_hdf5`), so the HDF5 library never meets a full disk (it used to
crash the process when a write failed inside its file close); reading them: :mod:`minitransfer.hdf5_files`.
Whose a file is and who may write it (a folder a group shares): :mod:`minitransfer.file_owners`.
"""

import contextlib
import contextvars
import errno
import hashlib
import io
import json
import os
import pathlib
import re
import shutil
import socket
import time

import h5py

from minitransfer import disk_space
from minitransfer.open_files import limit_reached
from minitransfer.errors import MinitransferError
from minitransfer.file_owners import LOCK_FILE_MODE
from minitransfer.log_tail import LINE_CAP, last_whole_line

# .<name>.tmp-<host>-<pid> (temporary_path), or .<name>.tmp-<pid> as versions before the host was in it named them
_TEMPORARY = re.compile(r"^\.(.+)\.tmp-(?:(.+)-)?(\d+)$")
HOST_TAG_CHARACTERS = 64  # a longer host name is carried as a digest of it: the temporary's name stays short
# Another machine's temporary is a leftover once untouched this long: its PID cannot be looked up here, and a
# write in progress touches it far more often (clocks of a cluster's nodes a few minutes apart included)
FOREIGN_IDLE_S = 24 * 3600


class StorageError(MinitransferError, OSError):
    """A file could not be written (disk full, quota, permissions, I/O error): exit code 74."""

    def __str__(self):
        return self.strerror

    def rerun_with(self, how):
        """This error saying how to rerun (``how``: the options that continue what was written): its
        advice to free space (or, no inodes left, delete files) and rerun (:data:`RERUNS`), or where it gives
        no advice at all, only the system's reason ("cannot write X: Read-only file system": a folder made
        read-only, a disk failing), what to do about that reason, then rerun; itself where it advises
        something else."""
        if self.strerror.endswith(RERUNS):
            return StorageError(self.errno, f"{self.strerror} with {how}")
        if self.errno in REPAIRS and self.strerror.endswith(f": {os.strerror(self.errno)}"):
            return StorageError(self.errno, f"{self.strerror}; {REPAIRS[self.errno]} {how}")
        return self


FREE_SPACE = "free some space"
# A disk out of inodes (a disk full of small files, megabytes free): freeing space gives no new file a place
DELETE_FILES = "delete some files"
RERUN = f"{FREE_SPACE} and rerun"
INODES_RERUN = f"{DELETE_FILES} and rerun"
RERUNS = (RERUN, INODES_RERUN)  # how a full disk's or quota's message ends (StorageError.rerun_with, without_rerun)
UNWRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)  # a read-only folder, or another user's
# What to do about a write refused for a reason other than space, then rerun (StorageError.rerun_with)
REPAIRS = {**dict.fromkeys(UNWRITABLE, "make it writable and rerun with"),
           errno.EIO: "once the disk or file system is repaired, rerun with"}


def temporary_path(path):
    """The temporary name ``path`` is written under before it is renamed into place: ``.<name>.tmp-<host>-<pid>``,
    this machine's name (:func:`host_tag`) and this process's id. The host, because the folder may be shared by
    the nodes of a cluster: two of them may run processes of one PID (containers' PIDs are small and alike),
    which wrote one temporary at once, and a PID means nothing on another node (:func:`remove_stale_temporaries`)."""
    path = pathlib.Path(path)
    return path.with_name(f".{path.name}.tmp-{host_tag()}-{os.getpid()}")


def host_tag():
    """This machine's name (``socket.gethostname()``, as a lock file records it: :mod:`minitransfer.lock_holder`)
    as a file name can carry it: each character but letters, digits, "_", "." and "-" as "_", a name longer than
    :data:`HOST_TAG_CHARACTERS` as a digest of it."""
    host = socket.gethostname()
    tag = re.sub(r"[^A-Za-z0-9_.-]", "_", host) or "_"
    if len(tag) > HOST_TAG_CHARACTERS:
        tag = hashlib.sha256(host.encode(errors="surrogateescape")).hexdigest()[:16]
    return tag


# Whether this thread's writes make nothing anew that is missing: see nothing_made_anew()
_NOTHING_MADE_ANEW = contextvars.ContextVar("nothing_made_anew", default=False)


@contextlib.contextmanager
def nothing_made_anew():
    """Within it, a write (:func:`atomic_path`) makes no missing folder and an append
    (:func:`append_text`) no missing file: either fails with errno ENOENT instead. A run's writes into its
    folder (:meth:`minitransfer.run_files.RunFiles.in_place`): one removed by hand mid-run, after the run
    checked it was there, came back holding a lone checkpoint, or a log without its earlier rows."""
    token = _NOTHING_MADE_ANEW.set(True)
    try:
        yield
    finally:
        _NOTHING_MADE_ANEW.reset(token)


@contextlib.contextmanager
def atomic_path(path, size=None, named=None):
    """Yield a temporary path to write ``path``'s new content to; on success it is fsynced and
    renamed to ``path`` (then the folder fsynced), on any failure it is removed. An ``OSError``
    becomes a :class:`StorageError` naming ``path`` (and ``size``, the bytes it needed, if known);
    ``named``: how it names the file instead (a run's file as the user spelled it, where ``path`` is
    the absolute one a run writes, whatever folder its process has changed to since). Missing
    folders are made first, unless within :func:`nothing_made_anew`.

        with atomic_path("net.h5") as temporary:
            temporary.write_bytes(data)
    """
    path = pathlib.Path(path)
    temporary = temporary_path(path)
    try:
        if not _NOTHING_MADE_ANEW.get():
            path.parent.mkdir(parents=True, exist_ok=True)
        yield temporary
        fsync_path(temporary)
        os.replace(temporary, path)
        _fsync_folder(path.parent)
    except BaseException as error:
        with contextlib.suppress(OSError):  # no folder to hold it (a file in the way): the write's error says why
            temporary.unlink(missing_ok=True)
        if isinstance(error, OSError) and not isinstance(error, StorageError):
            raise storage_error(path, error, size, named) from error
        raise


def storage_error(path, error, size=None, named=None):
    """The :class:`StorageError` for a failed write of ``path``: its reason, and for a full disk
    the space needed and the space free, and what to do: :data:`RERUN`, or :data:`INODES_RERUN` where no inodes are
    left (it said "free some space" of a disk with megabytes free); ``named``: how it names the file (default:
    ``path``)."""
    message = f"cannot write {path if named is None else named}: {error.strerror or error}"
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        status = disk_space.disk_status(pathlib.Path(path).parent)
        rerun = INODES_RERUN if disk_space.no_inodes_left(status) else RERUN  # "free some space" misled there
        message += f" ({disk_space.space_left(pathlib.Path(path).parent, size, status)}); {rerun}"
    elif (limit := limit_reached(error)) is not None:  # not the disk's fault: what to raise (it said the reason alone)
        message += f": {limit}"
    return StorageError(error.errno, message)


def room_fix(error):
    """What makes room for ``error``, a write refused for a full disk or quota: :data:`DELETE_FILES` where its
    message (:func:`storage_error`'s) says no inodes were left there (it ends with :data:`INODES_RERUN`), else
    :data:`FREE_SPACE`."""
    return DELETE_FILES if str(error).endswith(f"; {INODES_RERUN}") else FREE_SPACE


def without_rerun(error):
    """``error``'s message without its closing advice to make room and rerun (either of :data:`RERUNS`), for a
    caller that says what to do in words of its own (:func:`room_fix`'s, then how to rerun): stripping
    :data:`RERUN` alone left a disk out of inodes told "delete some files and rerun; free some space, then ..."."""
    return str(error).removesuffix(f"; {room_fix(error)} and rerun")


def write_bytes(path, data, named=None):
    """Write ``data`` to ``path`` atomically (``named``: see :func:`atomic_path`)."""
    with atomic_path(path, size=len(data), named=named) as temporary:
        temporary.write_bytes(data)


def write_text(path, text, keep_same=False, named=None):
    """Write ``text`` (UTF-8) to ``path`` atomically. With ``keep_same`` a file that already holds
    exactly that text is left alone: a rerun that changes nothing writes nothing (and so works on
    a read-only copy). ``named``: see :func:`atomic_path`."""
    data = text.encode("utf-8")
    if not (keep_same and holds(path, data)):
        write_bytes(path, data, named)


def holds(path, data):
    """Whether the file ``path`` holds ``data`` (bytes), byte for byte: its size is looked at first, so a file of
    another size is not read; False where it cannot be read."""
    try:
        return os.path.getsize(path) == len(data) and pathlib.Path(path).read_bytes() == data
    except OSError:
        return False


def append_text(path, text, named=None):
    """Append ``text`` to ``path`` (run logs); a failure is a :class:`StorageError` (``named``: see
    :func:`atomic_path`). A torn append (a partial last line) is dropped by the readers of these logs.
    Within :func:`nothing_made_anew` a ``path`` that is not there is not made (errno ENOENT). Written as UTF-8, a
    file name's bytes that are not UTF-8 (surrogate escapes) as they are: in the locale's encoding, a command line
    naming such a folder (or any non-ASCII one under LC_ALL=C with PYTHONUTF8=0) ended the grid in a traceback."""
    try:
        flags = os.O_WRONLY | os.O_APPEND | (0 if _NOTHING_MADE_ANEW.get() else os.O_CREAT)
        with open(os.open(path, flags, LOCK_FILE_MODE), "a", encoding="utf-8", errors="surrogateescape") as stream:
            stream.write(text)
    except OSError as error:
        raise storage_error(path, error, len(text), named) from error


def write_hdf5(path, fill, keep_same=False, libver=None, named=None):
    """Write an HDF5 file atomically: ``fill(h5py.File)`` builds it in memory, then its image is
    written in one piece (``keep_same``: see :func:`write_text`; h5py's images are byte-for-byte
    reproducible). ``libver``: h5py's bounds on the file format's versions; ``named``: see
    :func:`atomic_path`. Returns the file's sha256."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w", libver=libver) as handle:
        fill(handle)
    image = buffer.getbuffer()
    if not (keep_same and holds(path, image)):
        write_bytes(path, image, named)
    return hashlib.sha256(image).hexdigest()


def parse_json(text):
    """``json.loads(text)``, where a document nested deeper than Python's parser reaches (``[[[[...``
    a hundred thousand deep: a damaged or hostile file) is a ValueError, as any other invalid JSON
    is and as every reader of one here expects, not a RecursionError (a traceback)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested deeper than can be read") from None


def last_lines(path, most):
    """The lines of the file at ``path`` in its last ``most`` bytes only (a CaffeNet run's log is 60 MB),
    undecodable bytes replaced; the first may be cut short."""
    with open(path, "rb") as stream:
        stream.seek(max(0, stream.seek(0, os.SEEK_END) - most))
        return stream.read(most).decode("utf-8", "replace").split("\n")


def last_line(path, most, skipping=()):
    """The last line of the file at ``path`` that is not blank, nor begins with one of ``skipping``, whole: its
    last ``most`` bytes read first, then further back to the line's start (up to
    :data:`minitransfer.log_tail.LINE_CAP`; :func:`minitransfer.log_tail.last_whole_line`: a metrics.jsonl record
    longer than ``most`` was read as its end alone, a torn record); "" where there is none."""
    return last_whole_line(path, skipping, cap=max(most, LINE_CAP), first=most)


def remove(*paths):
    """Remove the files ``paths``, each if there is one, for good (their folders fsynced, once each, after the
    last removal) before anything that must come after them is changed; a failure is a :class:`StorageError`."""
    paths = [pathlib.Path(path) for path in paths]
    try:
        for path in paths:
            path.unlink(missing_ok=True)
        for path in {path.parent: path for path in paths}.values():  # each folder once, named by a file it held
            _fsync_folder(path.parent)
    except OSError as error:
        raise StorageError(error.errno, f"cannot remove {path}: {error.strerror or error}") from error


def sha256_file(path):
    """Hex sha256 of a file's bytes."""
    with open(path, "rb") as handle:
        return sha256_stream(handle)


def sha256_stream(handle, block=1 << 22):
    """Hex sha256 of the bytes an open binary file holds from its position on."""
    digest = hashlib.sha256()
    while chunk := handle.read(block):
        digest.update(chunk)
    return digest.hexdigest()


def remove_stale_temporaries(folder, folders=False, names=None, idle_s=None):
    """Remove the temporaries (:func:`temporary_path`) in ``folder`` that no process writes any more (a crash's
    leftovers), and with ``folders`` such staging folders too (only in a folder that is ours alone, such as the
    cache); returns the paths removed. Those of this machine whose process is gone; those of another machine (a
    folder the nodes of a cluster share: a PID of theirs means nothing here) only once untouched for
    :data:`FOREIGN_IDLE_S`; those named as earlier versions named them (``.<name>.tmp-<pid>``, no host) as this
    machine's. With ``names``, only the temporaries of those file names, and with ``idle_s``, only those not
    modified for that many seconds (two more ways to share a folder with others whose processes this machine
    cannot see, such as the nodes of a cluster running an earlier version).
    Call it when a run or an import starts, before this process writes: a temporary carrying this
    process's own PID and host can then only be the leftover of an earlier process with the same PID."""
    folder = pathlib.Path(folder)
    removed = []
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        match = _TEMPORARY.match(path.name)
        if not match or (names is not None and match[1] not in names) or \
                not _left_over(path, match[2], int(match[3]), idle_s):
            continue
        if path.is_file():
            path.unlink(missing_ok=True)
        elif folders and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            continue
        removed.append(path)
    return removed


def _left_over(path, host, pid, idle_s):
    """Whether the temporary ``path`` of the process ``pid`` on ``host`` (None: an earlier version's name, taken
    for this machine's) is left over: see :func:`remove_stale_temporaries`."""
    if host is not None and host != host_tag():
        return _idle(path, max(idle_s or 0, FOREIGN_IDLE_S))
    return not process_alive(pid) and (idle_s is None or _idle(path, idle_s))


def _idle(path, seconds):
    """Whether ``path`` was last modified ``seconds`` ago or earlier (False where it is gone)."""
    try:
        return os.lstat(path).st_mtime < time.time() - seconds
    except OSError:
        return False


def process_alive(pid):
    """Whether another process with this id runs (on this machine)."""
    if pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True  # alive, another user's
    return True


def fsync_path(path):
    """Flush what was written to the file or folder ``path`` to its disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_folder(path):
    """fsync the folder ``path`` (its entries: a rename or removal made durable), where its file
    system can: some cannot sync a folder and say EINVAL (WSL's drvfs for Windows drives, SMB and
    several FUSE mounts), where the rename itself is all there is to have."""
    try:
        fsync_path(path)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.EOPNOTSUPP):
            raise
