"""The on-disk dataset format (DESIGN.md §5): a directory of HDF5 shards described by ``meta.json``.

::

    meta.json            schema version, source, image size, class table, shard list
                         (file, count, first index, sha256), mean image file and its sha256
    train-00000.h5 ...   /images uint8 (N, H, W, 3), contiguous (no chunking, no compression)
    val-00000.h5 ...     /labels int32 (N,)   /sum float64 (H, W, 3): Σ images, for the mean
                         attrs: schema, subset, first_index, plan (sha256 of the shard's inputs),
                         content_sha256 (of its images, labels and extra arrays); text
                         attributes fixed-length UTF-8 (:func:`minitransfer.fileio.text_attribute`)
    mean.h5              /mean float32 (H, W, 3): mean of the training images
    skipped.txt          files an importer could not decode, one "path<TAB>reason" per line

Every file is built in memory, written to a temporary name, fsynced and renamed (then the
directory fsynced), so a crash never leaves a half-written file under a real name and a full disk
is one clean ``OSError`` (HDF5 itself never writes to disk); ``meta.json`` is written last, so a
directory without it is an unfinished import. Images of subset ``s`` are numbered 0..N−1 across
its shards in shard order; splits and loaders are index lists over that numbering.

Reading trusts nothing it has not checked: every HDF5 dataset's shape and dtype are compared with
the layout above and meta.json's counts before a byte of it is read (a shard declaring 2³⁴ labels
is refused, not allocated), labels are range-checked against the class table when read, and
:meth:`Dataset.check_checksums` compares files with meta.json's sha256 (the loader calls it before its
first batch; a file found intact is not hashed again until it changes, in this process or a later one:
:mod:`.integrity`), and :class:`ImageReader` and :meth:`Dataset.labels` read only the files so checked,
unchanged since (a shard replaced or written to during a run stops it). Every failure is a
:class:`DatasetError` naming the file, or the folder when it was moved or prepared again as a whole.
A training, an evaluation or :meth:`Dataset.verify` reads under :meth:`Dataset.reading`, the folder's shared
lock (:mod:`.lock`), so prepare does not rewrite the files meanwhile.
"""

import collections
import contextlib
import hashlib
import json
import os
import pathlib

import h5py
import numpy as np

from minitransfer import fileio

from . import lock, schema
from .integrity import check_files, identity
from .schema import DatasetError, read_error

SCHEMA_VERSION = 1
FORMAT_NAME = "minitransfer-dataset"
SUBSETS = ("train", "val")
META_FILE = "meta.json"
MEAN_FILE = "mean.h5"
SKIPPED_FILE = "skipped.txt"
# Shard files one ImageReader keeps open (each loader worker has its own reader): ImageNet at 256 px
# has ~1250 training shards, more than the 1024 files a process may open by default; a shard
# closed is opened again (and held to the same file) when a batch needs it.
MAX_OPEN_SHARDS = 128


def shard_name(subset, number):
    """``train-00000.h5`` style file name of shard ``number`` of ``subset``."""
    return f"{subset}-{number:05d}.h5"


def content_sha256(images, labels, extra=None):
    """sha256 of a shard's arrays (images, labels as little-endian int32, extras by name): a rerun
    reuses a finished shard only when its arrays still hash to the value stored at writing."""
    digest = hashlib.sha256(np.ascontiguousarray(images, dtype=np.uint8).data)
    digest.update(np.ascontiguousarray(labels, dtype="<i4").data)
    for name in sorted(extra or {}):
        digest.update(name.encode() + np.ascontiguousarray(extra[name]).tobytes())
    return digest.hexdigest()


def write_shard(path, images, labels, subset, first_index, plan, extra=None, skipped=(), pixel_sum=None, notes=()):
    """Write one shard atomically; returns its sha256.

    ``images`` uint8 (N, H, W, 3), ``labels`` int (N,); ``plan`` is a string identifying the
    inputs the shard was built from (a rerun compares it to skip finished shards); ``extra`` maps
    further dataset names to arrays of length N (e.g. CIFAR's coarse labels); ``skipped`` lists
    the inputs that could not be decoded (dicts with ``file`` and ``reason``); ``pixel_sum`` is
    ``images.sum(axis=0)`` in float64 when the caller has it already; ``notes`` the images imported with a
    caveat (dicts with ``file`` and ``note``: :func:`.decode.load_item`), where any. A failed write (a full
    disk) raises the ``OSError`` and leaves no file behind.
    """
    images = np.ascontiguousarray(images, dtype=np.uint8)
    labels = np.asarray(labels, dtype=np.int32)
    if images.ndim != 4 or images.shape[3] != 3 or labels.shape != images.shape[:1]:
        raise ValueError(f"write_shard: need images (N,H,W,3) and labels (N,), got {images.shape} and {labels.shape}")
    extra = {name: np.asarray(values) for name, values in (extra or {}).items()}

    def fill(shard):
        shard.create_dataset("images", data=images)  # no chunks / filters: contiguous, read at its offset
        shard.create_dataset("labels", data=labels)
        total = images.sum(axis=0, dtype=np.float64) if pixel_sum is None else pixel_sum  # H,W,3
        shard.create_dataset("sum", data=np.asarray(total, dtype=np.float64))
        for name, values in extra.items():
            shard.create_dataset(name, data=values)
        shard.attrs["schema"] = SCHEMA_VERSION
        shard.attrs["subset"] = fileio.text_attribute(subset)
        shard.attrs["first_index"] = int(first_index)
        shard.attrs["plan"] = fileio.text_attribute(plan)
        shard.attrs["skipped"] = fileio.text_attribute(json.dumps(list(skipped)))
        if notes:
            shard.attrs["notes"] = fileio.text_attribute(json.dumps(list(notes)))
        shard.attrs["content_sha256"] = fileio.text_attribute(content_sha256(images, labels, extra))

    return fileio.write_hdf5(path, fill)


def write_mean(path, mean, classes):
    """Write ``mean.h5`` (/mean float32 (H, W, 3); attribute ``classes_sha256``, the digest of the
    class table ``classes``, which :meth:`Dataset.verify` compares with meta.json's) atomically,
    unless it already holds the same; returns its sha256."""

    def fill(handle):
        handle.create_dataset("mean", data=np.asarray(mean, dtype=np.float32))
        handle.attrs["schema"] = SCHEMA_VERSION
        handle.attrs["classes_sha256"] = fileio.text_attribute(schema.classes_sha256(classes))

    return fileio.write_hdf5(path, fill, keep_same=True)


def write_meta(folder, meta):
    """Write ``meta.json`` atomically, unless it already holds the same (last step of an import:
    its presence marks completion)."""
    text = json.dumps(meta, indent=1, sort_keys=True) + "\n"
    fileio.write_text(pathlib.Path(folder) / META_FILE, text, keep_same=True)


def checked_dataset(handle, path, name, shape, dtype):
    """``handle[name]`` once it is known to be an HDF5 dataset of ``shape`` and ``dtype``.

    Only metadata is read, so a file declaring a huge array costs nothing; ``DatasetError``
    naming ``path`` otherwise (also for a type h5py cannot map to NumPy, e.g. a float whose
    declared precision a flipped byte changed: h5py raises a bare ``ValueError`` there)."""
    data = handle.get(name)
    if not isinstance(data, h5py.Dataset):
        raise DatasetError(f"{path}: no /{name} dataset")
    try:
        found = data.dtype
    except (ValueError, TypeError) as error:
        raise DatasetError(f"{path}: /{name} has a damaged or unknown type ({error})") from error
    if data.shape != tuple(shape) or found != np.dtype(dtype):
        raise DatasetError(f"{path}: /{name} is {found} {data.shape}, expected {np.dtype(dtype)} {tuple(shape)}")
    return data


def read_checked(path, name, shape, dtype, what="file"):
    """The array ``/name`` of HDF5 file ``path`` (``what`` it is: "shard", "mean image"), read only after
    :func:`checked_dataset` accepted it; ``DatasetError`` saying it is missing when it is gone (deleted or
    moved since the dataset was opened), not h5py's "Unable to synchronously open file"."""
    try:
        with fileio.open_hdf5(path) as handle:
            return checked_dataset(handle, path, name, shape, dtype)[()]
    except KeyError as error:
        raise DatasetError(f"{path}: cannot read /{name} ({error})") from error
    except FileNotFoundError:
        raise DatasetError(f"{path}: missing {what}: deleted or moved after the dataset was opened") from None
    except OSError as error:
        raise read_error(path, what, error) from error


def image_offset(path, shape, file=None):
    """Byte offset of the contiguous ``/images`` dataset in shard ``path`` (where :class:`ImageReader` reads);
    ``file``: the shard already open (binary), to parse that very file rather than what ``path`` names now.

    Raises ``DatasetError`` when the file cannot be read, the dataset is chunked or filtered, or
    its shape is not ``shape``."""
    try:
        with (fileio.open_hdf5(path) if file is None else h5py.File(file, "r")) as shard:
            offset = checked_dataset(shard, path, "images", shape, np.uint8).id.get_offset()
        size = os.path.getsize(path) if file is None else os.fstat(file.fileno()).st_size
    except KeyError as error:
        raise DatasetError(f"{path}: unreadable shard ({error})") from error
    except OSError as error:
        raise read_error(path, "shard", error) from error
    if offset is None:
        raise DatasetError(f"{path}: /images must be contiguous (not chunked, not compressed)")
    if size < offset + int(np.prod(shape)):
        raise DatasetError(f"{path}: file is shorter than its /images dataset (truncated shard)")
    return offset


class Dataset:
    """A prepared dataset directory (see the module docstring); open it with :func:`open_dataset`.

    Attributes: ``path``, ``meta`` (the parsed meta.json), ``classes`` (list of dicts with at
    least ``index``, ``wnid``, ``name``; ``family`` when known: "man-made" / "natural" for the
    built-in importers, any name from a families file), ``image_size`` (H, W), ``fingerprint``
    (sha256 of meta.json), ``verified`` ({str(path): (device, inode, size, mtime_ns, ctime_ns)} of
    the files whose checksum this process found as meta.json says, which readers hold them to).
    """

    def __init__(self, path, meta, fingerprint, verified=None):
        self.path = pathlib.Path(path)
        self.meta = meta
        self.fingerprint = fingerprint
        self.classes = meta["classes"]
        self.image_size = tuple(meta["image_size"])
        self.verified = dict(verified or {})
        self._labels = {}

    def __repr__(self):
        counts = ", ".join(f"{subset} {self.num_images(subset)}" for subset in SUBSETS)
        return f"<Dataset {self.path} {len(self.classes)} classes {self.image_size[0]}x{self.image_size[1]} ({counts})>"

    @property
    def num_classes(self):
        return len(self.classes)

    def _subset(self, subset):
        if subset not in SUBSETS:
            raise ValueError(f"dataset: subset must be one of {SUBSETS}, got {subset!r}")
        return self.meta["subsets"][subset]

    def num_images(self, subset):
        """Number of images in ``subset`` ("train" or "val"; 0 for a train-only dataset's val)."""
        return int(self._subset(subset)["count"])

    def shards(self, subset):
        """The shard table of ``subset``: list of dicts ``file``, ``count``, ``first_index``, ``sha256``."""
        return self._subset(subset)["shards"]

    def shard_paths(self, subset):
        return [self.path / shard["file"] for shard in self.shards(subset)]

    def labels(self, subset):
        """Global class index of every image of ``subset``, int32 (N,), in image order.

        Each shard's ``/labels`` is checked against meta.json (shape, dtype) before it is read and
        every label against the class table; ``DatasetError`` naming the shard otherwise."""
        if subset not in self._labels:
            parts = [self._shard_labels(shard) for shard in self.shards(subset)]
            self._labels[subset] = np.concatenate(parts) if parts else np.zeros(0, np.int32)
        return self._labels[subset]

    def _shard_labels(self, shard):
        path = self.path / shard["file"]
        checked = self.verified.get(str(path))
        self._still_checked(path, checked)
        labels = read_checked(path, "labels", (shard["count"],), np.int32, "shard")
        self._still_checked(path, checked)  # the labels a split is made of come from the file checked, or none
        outside = np.flatnonzero((labels < 0) | (labels >= self.num_classes))
        if outside.size:
            raise DatasetError(
                f"{path}: image {shard['first_index'] + int(outside[0])} has label {int(labels[outside[0]])}, outside "
                f"the class table of {self.path / META_FILE} (0..{self.num_classes - 1}; {outside.size} such labels)")
        return labels

    @staticmethod
    def _still_checked(path, checked):
        """``DatasetError`` when ``path`` is no longer the file whose checksum was found intact (``checked``,
        its :attr:`verified` entry; None: not checked by this process, nothing to hold it to)."""
        if checked is None:
            return
        try:
            now = identity(os.stat(path))
        except FileNotFoundError:
            raise DatasetError(f"{path}: missing: deleted or moved after its checksum was checked") from None
        except OSError as error:
            raise read_error(path, "shard", error) from error
        if now != tuple(checked[:4]):
            raise DatasetError(f"{path}: replaced or written to after its checksum was checked at the start: "
                               f"{_CHANGED}")

    @contextlib.contextmanager
    def reading(self):
        """Hold the folder's lock shared for the block (:func:`.lock.shared`): prepare refuses to
        rewrite the dataset meanwhile, and :class:`.lock.DatasetBusy` is raised while it does.
        ``DatasetError`` when meta.json is no longer the one opened (prepared again meanwhile).

        Example: ``with dataset.reading(): images = dataset.images("val", range(10))``
        """
        with lock.shared(self.path):
            try:
                unchanged = hashlib.sha256((self.path / META_FILE).read_bytes()).hexdigest() == self.fingerprint
            except OSError:
                unchanged = False
            if not unchanged:
                raise DatasetError(f"{self.path / META_FILE}: the dataset was prepared again after this process "
                                   f"opened it; rerun")
            yield self

    def images(self, subset, indices):
        """uint8 (len(indices), H, W, 3) images of ``subset`` (read through h5py; the loader is faster)."""
        indices = np.asarray(indices, dtype=np.int64)
        reader = ImageReader(self, subset)
        try:
            return reader.read(indices)
        finally:
            reader.close()

    def mean(self):
        """The mean training image, float32 (H, W, 3), checked against meta.json's sha256 and, as
        a mean of uint8 pixels, to lie in 0..255 (a hand-made mean.h5 whose checksum was recorded
        after the damage: NaN or a huge value would train the network on garbage without a word)."""
        path = self.path / self.meta["mean"]["file"]
        self._check_files([(path, self.meta["mean"]["sha256"], "mean image")])
        mean = read_checked(path, "mean", (*self.image_size, 3), np.float32, "mean image")
        outside = ~((mean >= 0) & (mean <= 255))  # NaN included
        if outside.any():
            raise DatasetError(f"{path}: /mean holds {int(outside.sum())} values outside 0..255 (e.g. "
                               f"{mean[outside].flat[0]}), which no mean of 8-bit images has: rerun the prepare "
                               f"command that built the dataset")
        return mean

    def checked_files(self, subset=None):
        """``(path, sha256, what)`` of the shards of ``subset`` (None: both subsets and the mean image)."""
        subsets = SUBSETS if subset is None else (subset,)
        files = [(self.path / shard["file"], shard["sha256"], "shard") for name in subsets for shard in self.shards(name)]
        if subset is None:
            files.append((self.path / self.meta["mean"]["file"], self.meta["mean"]["sha256"], "mean image"))
        return files

    def check_checksums(self, subset=None):
        """Compare the shards of ``subset`` (None: every file) with meta.json's sha256, each file once
        until it changes, across processes (see :func:`check_files`); ``DatasetError`` naming the first
        corrupt file.

        Reads every byte once: about 0.1 s per 192 MiB shard and thread (sha256 at ~1.8 GB/s). With
        every file, the class table too (an edited family changes the natural split, not a sha256).
        :attr:`verified` records the files as checked."""
        self._record_checked(self._check_files(self.checked_files(subset)))
        if subset is None:
            self._check_class_table()

    def _check_files(self, files):
        """:func:`check_files` of ``files``; a file found changed with the whole folder is said as such
        (:meth:`_folder_changed`)."""
        try:
            return check_files(self.path, files)
        except DatasetError as error:
            whole_folder = self._folder_changed(error)
            if whole_folder is None:
                raise
            raise whole_folder from error

    def _folder_changed(self, error):
        """A ``DatasetError`` saying what happened to the whole folder, when a file's ``error`` comes of it
        (a run checks each subset as it starts reading it, maybe hours after it opened the dataset): its
        meta.json gone (the folder moved or deleted), or no longer the one opened (the dataset prepared again,
        another folder renamed in its place). None when meta.json is still the one opened."""
        meta = self.path / META_FILE
        try:
            changed = hashlib.sha256(meta.read_bytes()).hexdigest() != self.fingerprint
        except FileNotFoundError:
            return DatasetError(f"{self.path}: the dataset folder was moved or deleted after this process opened it "
                                f"({meta} is gone too; {error})")
        except OSError:
            return None
        if changed:
            return DatasetError(f"{meta}: the dataset was prepared again, or another folder put in its place, after "
                                f"this process opened it: its files are not the ones the run started with ({error}); "
                                f"a run goes on only with the dataset it started with put back there")
        return None

    def _record_checked(self, identities):
        """Add to :attr:`verified` the files ``check_files`` found intact, each with the identity and change
        time it was checked under (a stat taken after the check missed a change that moved only the change
        time in between: :class:`ImageReader` held the file to the changed one, unchecked)."""
        self.verified.update(identities)

    def verify(self, progress=None):
        """Re-hash every file (ignoring what this or an earlier process found intact: a file rotting on
        the disk keeps the times and size they go by) and re-check every shard's shapes and labels and
        the mean image against meta.json.

        Reads under :meth:`reading`: a prepare rewriting the folder is :class:`.lock.DatasetBusy` naming
        it (not damage), and a prepare started meanwhile is refused. Raises ``DatasetError`` naming the
        first file at fault. ``progress(done, total)`` is called after each file."""
        with self.reading():
            files = self.checked_files()
            for done, file in enumerate(files, start=1):
                self._record_checked(check_files(self.path, [file], remember=False))
                if progress:
                    progress(done, len(files))
            for subset in SUBSETS:
                for shard in self.shards(subset):
                    image_offset(self.path / shard["file"], (shard["count"], *self.image_size, 3))
                self._labels.pop(subset, None)
                self.labels(subset)
            self.mean()
            self._check_class_table()

    def _check_class_table(self):
        """meta.json's class table against the digest mean.h5 recorded at the import (datasets
        prepared before the digest existed have none: nothing to compare)."""
        path = self.path / self.meta["mean"]["file"]
        try:
            with fileio.open_hdf5(path) as handle:
                recorded = fileio.plain_attribute(handle.attrs.get("classes_sha256"))
        except OSError as error:
            raise read_error(path, "mean image", error) from error
        if recorded is not None and recorded != schema.classes_sha256(self.classes):
            raise DatasetError(f"{self.path / META_FILE}: the class table (names, wnids, families) is not the one "
                               f"the dataset was prepared with ({path} records its sha256): meta.json was edited; "
                               f"rerun the prepare command that built it")


def _split_identity(checked, status):
    """``(identity, change time)`` a shard opened with ``status`` is held to: those :attr:`Dataset.verified`
    holds for it (``checked``), else (a file this process did not check) those it has now."""
    if checked is None:
        return identity(status), status.st_ctime_ns
    return tuple(checked[:4]), checked[4] if len(checked) > 4 and checked[4] is not None else status.st_ctime_ns


_CHANGED = ("if the same data was copied there again, rerun (the check at the start reads it again), else rerun the "
            "prepare command that built it")


class ImageReader:
    """Reads images of one subset from each shard's contiguous ``/images`` straight into the output.

    Opens files lazily, so it can be created in the process that uses it (HDF5 handles must not
    cross a fork). Not a memory map: a shard truncated while a run reads it is a short read and a
    ``DatasetError`` naming it, where a map would kill the process with SIGBUS.

    Reads only the files that were checked: a shard whose checksum this process found intact
    (:attr:`Dataset.verified`) must still be that file (device, inode, size, mtime) when it is
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
            if opened != expected:
                raise DatasetError(f"{path}: replaced or written to after its checksum was checked at the start: "
                                   f"{_CHANGED}")
            if status.st_ctime_ns != changed:
                self._check_content(number, shard)
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
            opened, changed = self._known[number][1:]
            status = os.fstat(self._files[number].fileno())
            now = identity(status)
            if now[2] < opened[2]:
                raise DatasetError(f"{self.paths[number]}: truncated while it was read ({opened[2]} bytes when its "
                                   f"checksum was checked, now {now[2]}); rerun the prepare command that built it")
            if now != opened:
                raise DatasetError(f"{self.paths[number]}: written to while the run read it (its size or "
                                   f"modification time changed since its checksum was checked): {_CHANGED}")
            if status.st_ctime_ns != changed:
                self._check_content(number, self._files[number])
                self._known[number][2] = status.st_ctime_ns

    def _check_content(self, number, shard):
        """Hash the open ``shard`` (number ``number``), whose change time moved since it was checked (a
        chmod, or a write whose modification time was set back): ``DatasetError`` unless its bytes still
        have meta.json's sha256."""
        shard.seek(0)
        if fileio.sha256_stream(shard) != self.dataset.shards(self.subset)[number]["sha256"]:
            raise DatasetError(f"{self.paths[number]}: written to after its checksum was checked, its modification "
                               f"time then set back (its change time moved, and its sha256 is no longer meta.json's): "
                               f"rerun the prepare command that built it, or copy the intact shard back")

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
        for position, number in zip(order.tolist(), shard_of.tolist()):
            try:
                shard, offset = self._open(number)
                shard.seek(offset + int(indices[position] - self.starts[number]) * image_bytes)
                got = shard.readinto(out[position])
            except FileNotFoundError:
                raise DatasetError(f"{self.paths[number]}: missing: the shard, or the dataset folder, was deleted or "
                                   f"moved while the run read it") from None
            except OSError as error:
                raise read_error(self.paths[number], "shard", error) from error
            if got != image_bytes:
                raise DatasetError(f"{self.paths[number]}: image {int(indices[position])} of {self.subset} lies beyond "
                                   f"the end of the file (the shard was truncated after it was checked); rerun the "
                                   f"prepare command that built it")
        self._check_unchanged(np.unique(shard_of).tolist())
        return out

    def close(self):
        for shard in self._files.values():
            shard.close()
        self._files.clear()


def open_dataset(path):
    """Open the dataset directory ``path``; raises ``DatasetError`` naming the file at fault.

    Checks meta.json's schema, that every listed shard exists with the listed image count and
    that shard numbering is contiguous. Checksums are only re-checked by :meth:`Dataset.verify`
    (reading every byte of ImageNet takes minutes)."""
    path = pathlib.Path(path)
    meta_path = path / META_FILE
    if not meta_path.is_file():
        lock.check_not_prepared(path)  # an import under way has no meta.json yet
        raise DatasetError(f"{meta_path}: missing (not a prepared dataset, or an unfinished import: rerun prepare)")
    raw = meta_path.read_bytes()
    try:
        meta = fileio.parse_json(raw)
    except ValueError as error:  # UnicodeDecodeError is one too
        raise DatasetError(f"{meta_path}: not valid JSON ({error})") from error
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise DatasetError(f"{meta_path}: not a {FORMAT_NAME} meta file")
    if meta.get("schema") != SCHEMA_VERSION:
        raise DatasetError(f"{meta_path}: schema {meta.get('schema')!r}, this minitransfer reads {SCHEMA_VERSION}")
    schema.check_meta(meta, meta_path, SUBSETS)
    height, width = meta["image_size"]
    dataset = Dataset(path, meta, hashlib.sha256(raw).hexdigest())
    for subset in SUBSETS:
        for shard in dataset.shards(subset):
            if not (path / shard["file"]).is_file():
                raise DatasetError(f"{path / shard['file']}: {_not_a_file(path / shard['file'])}")
            image_offset(path / shard["file"], (shard["count"], height, width, 3))
    return dataset


def _not_a_file(path):
    """What ``path``, where meta.json lists a shard, is instead of one (a data folder copied with its
    symbolic links, a shard name made a folder by hand): "missing shard", else what is there."""
    if path.is_symlink():
        return f"a symbolic link to {os.readlink(path)}, which leads to no file: copy the shard there, or rerun prepare"
    if path.is_dir():
        return "a folder where meta.json lists a shard file: rerun prepare"
    return "missing shard"
