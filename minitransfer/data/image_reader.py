"""Images of a prepared dataset read straight from each shard's contiguous ``/images``
(:class:`ImageReader`), only from the files whose checksum was checked (:mod:`.dataset`), unchanged since.
"""

import collections
import os

import numpy as np

from minitransfer import fileio

from .integrity import GONE_SINCE_PREPARED, identity, open_file_intact, unreadable
from .schema import REPREPARE, DatasetError
from .shard_format import image_offset

# Shard files one ImageReader keeps open (each loader worker has its own reader): ImageNet at 256 px
# has ~1250 training shards, more than the 1024 files a process may open by default; a shard
# closed is opened again (and held to the same file) when a batch needs it.
MAX_OPEN_SHARDS = 128


def distinct(values):
    """The distinct values of the integer array ``values``, ascending: what ``np.unique(values)`` gives, without
    the import of numpy.ma (~8 ms of CPU) that np.unique's check for a masked array costs a process."""
    ordered = np.sort(np.ravel(values))
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    return ordered[first]


def _split_identity(checked, status):
    """``(identity, change time)`` a shard opened with ``status`` is held to: those :attr:`.dataset.Dataset.verified`
    holds for it (``checked``), else (a file this process did not check) those it has now."""
    if checked is None:
        return identity(status), status.st_ctime_ns
    return tuple(checked[:4]), checked[4] if len(checked) > 4 and checked[4] is not None else status.st_ctime_ns


IF_CHANGED = ("if the same data was copied there again, rerun (the check at the start reads it again), else rerun "
              "the prepare command that built it")


def not_a_shard_file(path):
    """What ``path``, where meta.json lists a shard, is instead of one (a data folder copied with its
    symbolic links, a shard name made a folder by hand): "missing shard", else what is there. The words of
    the check at the start (:func:`.dataset.open_dataset`) and of a reader finding it so later alike."""
    if path.is_symlink():
        leads = "a folder, a pipe or a device" if path.exists() else "no file"  # /dev/zero was "no file"
        return f"a symbolic link to {os.readlink(path)}, which leads to {leads}: copy the shard there, or {REPREPARE}"
    if path.is_dir():
        return f"a folder where meta.json lists a shard file: {REPREPARE}"
    if path.exists():  # a named pipe was "missing shard: deleted or moved"
        from minitransfer.path_kinds import not_a_regular_file  # here: each loader worker imports this module
        return f"{not_a_regular_file(path)}, where meta.json lists a shard: {REPREPARE}"
    return f"missing shard: {GONE_SINCE_PREPARED}"


def _truncated(path, when, checked_size, size):
    """The words of the shard ``path`` found ``size`` bytes long, ``checked_size`` when its checksum was checked
    (``when``: "while it was read", after the check at the start and before it was opened)."""
    return f"{path}: truncated {when} ({checked_size} bytes when its checksum was checked, now {size}); {REPREPARE}"


def _sha256(opened):
    """The sha256 of the whole of the open file ``opened``."""
    opened.seek(0)
    return fileio.sha256_stream(opened)


def _read_at(descriptor, into, offset):
    """Bytes of the open file ``descriptor`` from ``offset`` read into the array ``into`` (contiguous): how many, one
    call (``os.preadv``; where the system has none, a seek and a read), where a seek then a read took two: the half
    of a batch's reading of small images (the built-in set's) went to the calls."""
    if _PREADV is not None:
        return _PREADV(descriptor, [into], offset)
    os.lseek(descriptor, offset, os.SEEK_SET)
    return os.readv(descriptor, [into])


_PREADV = getattr(os, "preadv", None)


class ImageReader:
    """Reads images of one subset from each shard's contiguous ``/images`` straight into the output.

    Opens files lazily, so it can be created in the process that uses it (HDF5 handles must not
    cross a fork). Not a memory map: a shard truncated while a run reads it is a short read and a
    ``DatasetError`` naming it, where a map would kill the process with SIGBUS.

    Reads only the files that were checked: a shard whose checksum this process found intact
    (:attr:`.dataset.Dataset.verified`) must still be that file (device, inode, size, mtime) when it is
    opened, and every shard read must be unchanged after each :meth:`read`, so a shard replaced or
    rewritten in place after the check (a byte flipped, another copy renamed over it) is a
    ``DatasetError`` naming it, not images nobody checked. Costs one ``fstat`` per shard and read.
    A write in place whose modification time was then set back (``touch -r``, ``cp -p``) keeps those
    four but moves the file's change time, which no user-space call sets back: a shard whose change
    time moved since its check is hashed again through the open file, and refused unless it still has
    meta.json's sha256 (a chmod or a hard link moves that time too, and must not stop a run)."""

    def __init__(self, dataset, subset):
        self.dataset = dataset
        self.subset = subset
        shards = dataset.shards(subset)
        self.starts = np.array([shard["first_index"] for shard in shards], dtype=np.int64)
        self.counts = [shard["count"] for shard in shards]
        self.paths = dataset.shard_paths(subset)
        self.total = dataset.num_images(subset)
        self._files = collections.OrderedDict()  # shard number -> open file, the most recently used last
        self._known = {}  # shard number -> [byte offset of its /images, its identity when first opened, change time]

    def _open(self, number):
        """The open file of shard ``number`` and the offset of its images; at most
        :data:`MAX_OPEN_SHARDS` stay open."""
        if number in self._files:
            self._files.move_to_end(number)
            return self._files[number], self._known[number][0]
        path = self.paths[number]
        shard = open(path, "rb", buffering=0)
        try:
            status = os.fstat(shard.fileno())
            opened = identity(status)
            if number in self._known:
                offset, expected, changed = self._known[number]
            else:
                offset = None
                expected, changed = _split_identity(self.dataset.verified.get(str(path)), status)
            self._held_to(number, shard, status, expected, changed, "after the check at the start",
                          f"{path}: replaced or written to after its checksum was checked at the start, and its "
                          f"sha256 is no longer meta.json's: {IF_CHANGED}")
            if offset is None:
                offset = image_offset(path, (self.counts[number], *self.dataset.image_size, 3), file=shard)
        except BaseException:
            shard.close()
            raise
        self._known[number] = [offset, opened, status.st_ctime_ns]
        self._files[number] = shard
        if len(self._files) > MAX_OPEN_SHARDS:
            oldest = next(iter(self._files))
            self._check_unchanged([oldest])  # written to before it is closed: seen now, or never
            self._files.pop(oldest).close()
        return shard, offset

    def _check_unchanged(self, numbers):
        """``DatasetError`` when one of the open shards ``numbers`` changed since it was first opened."""
        for number in numbers:
            if number not in self._files:
                continue  # closed since: checked when it was closed, held to the same file when opened again
            status = os.fstat(self._files[number].fileno())
            self._held_to(number, self._files[number], status, *self._known[number][1:], "while it was read",
                          f"{self.paths[number]}: written to while the run read it (its size or modification time "
                          f"changed since its checksum was checked, and its sha256 is no longer meta.json's): "
                          f"{IF_CHANGED}")
            self._known[number][1:] = [identity(status), status.st_ctime_ns]

    def _held_to(self, number, shard, status, expected, changed, when, said):
        """``DatasetError`` unless the open ``shard`` (number ``number``), its stat now ``status``, is still the file
        of identity ``expected`` and change time ``changed``: cut short (``when``: since when it is held to them) is
        refused; another identity (a touch, the same bytes copied over it) or change time hashed
        (:meth:`_check_content`, ``said``: the words where its bytes are no longer meta.json's)."""
        now = identity(status)
        if now[:2] == expected[:2] and now[2] < expected[2]:
            raise DatasetError(_truncated(self.paths[number], when, expected[2], now[2]))
        if now != expected:  # the same bytes copied over it, or touched: hashed, not refused unread
            self._check_content(number, shard, status, said)
        elif status.st_ctime_ns != changed:
            self._check_content(number, shard, status)

    def _check_content(self, number, shard, status, said=None):
        """Hash the open ``shard`` (number ``number``, its stat now ``status``), whose change time moved since it was
        checked (a chmod, or a write whose modification time was set back), or its modification time (``said``: the
        error's words; a touch stopped a healthy run): ``DatasetError`` unless its bytes still have meta.json's
        sha256 (:func:`.integrity.open_file_intact`: not hashed where this stat was found intact already); the
        system's refusal to read it (a disk's I/O error) as :func:`.integrity.unreadable` says it, naming the shard (it
        escaped bare, bad data to the loader)."""
        try:  # its verdict shared with the run's checkpoint check (Dataset.check_unchanged): hashed once
            intact = open_file_intact(self.dataset.path, self.paths[number], status,
                                      self.dataset.shards(self.subset)[number]["sha256"], lambda: _sha256(shard))
        except OSError as error:
            raise unreadable(self.paths[number], "shard", error) from error
        if not intact:
            raise DatasetError(said or f"{self.paths[number]}: written to after its checksum was checked, its "
                               f"modification time then set back (its change time moved, and its sha256 is no longer "
                               f"meta.json's): {REPREPARE}, or copy the intact shard back")

    def read(self, indices, out=None):
        """Images ``indices`` (int array, any order) into ``out`` (uint8 (n, H, W, 3)) or a new array."""
        indices = np.asarray(indices, dtype=np.int64)
        if indices.size and (indices.min() < 0 or indices.max() >= self.total):
            raise IndexError(f"image index out of range 0..{self.total - 1} for subset {self.subset!r}")
        if out is None:
            out = np.empty((len(indices), *self.dataset.image_size, 3), dtype=np.uint8)
        image_bytes = int(np.prod(self.dataset.image_size)) * 3
        order = np.argsort(indices, kind="stable")  # read each shard front to back
        shard_of = np.searchsorted(self.starts, indices[order], side="right") - 1
        within = ((indices[order] - self.starts[shard_of]) * image_bytes).tolist()  # each image's byte in its shard
        opened = None  # (shard number, its file's descriptor, the offset of its images): each shard opened once
        for position, number, at in zip(order.tolist(), shard_of.tolist(), within):
            try:
                if opened is None or opened[0] != number:
                    shard, offset = self._open(number)
                    opened = (number, shard.fileno(), offset)
                got = _read_at(opened[1], out[position], opened[2] + at)
            except (FileNotFoundError, IsADirectoryError):
                path = self.paths[number]
                if path.is_symlink() or path.is_dir():  # as the check at the start says it
                    raise DatasetError(f"{path}: {not_a_shard_file(path)}") from None
                raise DatasetError(f"{path}: missing: the shard, or the dataset folder, was deleted or moved while "
                                   f"the run read it") from None
            except DatasetError:  # said already (DatasetUnreadable is an OSError too)
                raise
            except OSError as error:
                raise unreadable(self.paths[number], "shard", error) from error
            if got != image_bytes:
                raise DatasetError(f"{self.paths[number]}: image {int(indices[position])} of {self.subset} lies beyond "
                                   f"the end of the file (the shard was truncated after it was checked); rerun the "
                                   f"prepare command that built it")
        self._check_unchanged(distinct(shard_of).tolist())
        return out

    def close(self):
        for shard in self._files.values():
            shard.close()
        self._files.clear()
