"""A prepared dataset (DESIGN.md §5): :func:`open_dataset`, :class:`Dataset` and the checks made when
reading; the format (a directory of HDF5 shards described by ``meta.json``) is in :mod:`.shard_format`,
meta.json's reading and checks in :mod:`.meta_file`.

Reading trusts nothing it has not checked: every HDF5 dataset's shape and dtype are compared with
the layout of :mod:`.shard_format` and meta.json's counts before a byte of it is read (a shard declaring
2³⁴ labels is refused, not allocated), labels are range-checked against the class table when read, and
:meth:`Dataset.check_checksums` compares files with meta.json's sha256 (the loader calls it before its
first batch; a file found intact is not hashed again until it changes, in this process or a later one:
:mod:`.integrity`), and :class:`.image_reader.ImageReader` and :meth:`Dataset.labels` read only the files
so checked, unchanged since (a shard replaced or written to during a run stops it). Every failure is a
:class:`DatasetError` naming the file, or the folder when it was moved or prepared again as a whole
(:mod:`.changed_since`: what changed since the dataset was prepared, opened or checked);
a path that is something else than a dataset is told what it is (:mod:`.mistaken_paths`).
A training, an evaluation or :meth:`Dataset.verify` reads under :meth:`Dataset.reading`, the folder's shared
lock (:mod:`.lock`), so prepare does not rewrite the files meanwhile. A dataset opened again in one process
(each base of a grid resolves its own plan) checks and reads only the files changed since (:mod:`.read_once`).
"""

import contextlib
import os
import pathlib
import shlex

import numpy as np

from . import integrity, lock, schema
from .changed_since import (check_class_table, check_meta_digest, check_meta_recorded, check_meta_unchanged,
                            folder_changed, still_checked)
from .image_reader import ImageReader, not_a_shard_file
from .integrity import check_files, corrupt_files
from .meta_file import opened_meta, read_meta
from .mistaken_paths import empty_folder, not_a_dataset, unfinished_import
from .read_once import read_once, read_only
from .schema import DatasetError, NotADataset
from .shard_format import META_FILE, SUBSETS, image_offset, read_checked

__all__ = ["Dataset", "open_dataset", "not_a_dataset",
           # defined in schema.py; library API here too (minitransfer.data's docstring)
           "DatasetError", "NotADataset",
           "read_meta"]  # defined in meta_file.py; the command line's --data reads meta.json through it

class Dataset:
    """A prepared dataset directory (see the module docstring; its files: :mod:`.shard_format`); open it
    with :func:`open_dataset`.

    Attributes: ``path``, ``meta`` (the parsed meta.json), ``classes`` (list of dicts with at
    least ``index``, ``wnid``, ``name``; ``family`` when known: "man-made" / "natural" for the
    built-in importers, any name from a families file), ``image_size`` (H, W), ``fingerprint``
    (sha256 of meta.json), ``verified`` ({str(path): (device, inode, size, mtime_ns, ctime_ns)} of
    the files whose checksum this process found as meta.json says, which readers hold them to),
    ``writes`` (what the import that returned it wrote, :class:`.import_writes.Writes`; None for a
    dataset opened, not imported: ``prepare verify``), ``subsets`` (those it was opened to read, every one
    but where :func:`open_dataset` names some, as ``eval`` scoring the val images needs no training shard:
    the others' files are neither opened nor checked, and every method asked about one of them, or about
    every file, as :meth:`verify` is, raises :class:`~minitransfer.config_checks.ConfigError`, a ValueError,
    saying the dataset was opened for those alone).
    """

    writes = None

    def __init__(self, path, meta, fingerprint, verified=None, subsets=SUBSETS):
        self.path, self.subsets = pathlib.Path(path), tuple(subsets)
        self.meta = meta
        self.fingerprint = fingerprint
        self.classes = meta["classes"]
        self.image_size = tuple(meta["image_size"])
        self.verified = dict(verified or {})
        self.meta_checked = None  # verify's: whether meta.json itself was checked (check_meta_recorded)
        self._labels = {}
        self._mean = None  # the mean image read last (mean()): a train start's loaders and mean_image ask again
        self._digests_checked = False  # meta.json found as the digests mean.h5 records say (check_checksums)

    def __repr__(self):
        counts = ", ".join(f"{subset} {self.num_images(subset)}" for subset in self.subsets)
        return f"<Dataset {self.path} {len(self.classes)} classes {self.image_size[0]}x{self.image_size[1]} ({counts})>"

    @property
    def num_classes(self):
        return len(self.classes)

    def _subset(self, subset):
        """meta.json's entry of ``subset``; ``ConfigError`` for a subset not opened (:attr:`subsets`)."""
        if subset not in SUBSETS:
            raise usage_error(f"dataset: subset must be one of {SUBSETS}, got {subset!r}")
        if subset not in self.subsets:
            raise usage_error(f"dataset {self.path}: asked about its {subset} subset, but it was opened for "
                               f"{', '.join(self.subsets)} only: open it with open_dataset(path) to read every subset")
        return self.meta["subsets"][subset]

    def _every_subset(self, what):
        """``ConfigError`` unless every subset was opened: ``what`` (a check of every file) needs them all."""
        if len(self.subsets) < len(SUBSETS):  # some of SUBSETS, each once (open_dataset's _checked_subsets)
            raise usage_error(f"dataset {self.path}: {what} checks every subset, but it was opened for "
                               f"{', '.join(self.subsets)} only: open it with open_dataset(path) to check them all")

    def num_images(self, subset):
        """Number of images in ``subset`` ("train" or "val"; 0 for a train-only dataset's val; a subset not
        opened is refused, as by every method: :attr:`subsets`)."""
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
            self._labels[subset] = self._read_labels(subset)
        return self._labels[subset]

    def _read_labels(self, subset, again=False):
        """The labels of ``subset`` (:meth:`labels`); ``again``: every shard's read anew, none as this process
        found it before (:func:`.read_once.read_once`)."""
        parts = [self._shard_labels(shard, again) for shard in self.shards(subset)]
        return np.concatenate(parts) if parts else np.zeros(0, np.int32)

    def _shard_labels(self, shard, again=False):
        path = self.path / shard["file"]
        # the labels a split is made of come from the file checked, or none: held to it before and after the read
        labels = read_once(path, ("labels", shard["count"]), lambda: read_only(
            read_checked(path, "labels", (shard["count"],), np.int32, "shard")), again, self.verified.get(str(path)))
        outside = np.flatnonzero((labels < 0) | (labels >= self.num_classes))
        if outside.size:
            raise DatasetError(
                f"{path}: image {shard['first_index'] + int(outside[0])} has label {int(labels[outside[0]])}, outside "
                f"the class table of {self.path / META_FILE} (0..{self.num_classes - 1}; {outside.size} such labels)")
        return labels

    @contextlib.contextmanager
    def reading(self):
        """Hold the folder's lock shared for the block (:func:`.lock.shared`): prepare refuses to
        rewrite the dataset meanwhile, and :class:`.lock.DatasetBusy` is raised while it does.
        ``DatasetError`` when meta.json is no longer the one opened (prepared again meanwhile), or gone
        (the folder moved or deleted); :class:`.schema.DatasetUnreadable` when it cannot be read now (each
        was "prepared again").

        Example: ``with dataset.reading(): images = dataset.images("val", range(10))``
        """
        with lock.shared(self.path):
            check_meta_unchanged(self.path, self.fingerprint)
            yield self

    def images(self, subset, indices):
        """uint8 (len(indices), H, W, 3) images of ``subset`` (read in this process by the loader's
        :class:`ImageReader`, as its workers read them; the loader is faster)."""
        indices = np.asarray(indices, dtype=np.int64)
        reader = ImageReader(self, subset)
        try:
            return reader.read(indices)
        finally:
            reader.close()

    def mean(self, then=None):
        """The mean training image, float32 (H, W, 3), checked against meta.json's sha256 and, as
        a mean of uint8 pixels, to lie in 0..255 (a hand-made mean.h5 whose checksum was recorded
        after the damage: NaN or a huge value would train the network on garbage without a word).
        ``then(handle)``: more of mean.h5 read once its image passed, in the same open (:meth:`verify`,
        :meth:`check_checksums`); without it, the image read last is given again (a copy: mean.h5, its sha256 checked
        each time, holds it still), so that a train start opens mean.h5 once, where it opened it 4 times."""
        path = self.path / self.meta["mean"]["file"]
        self._check_files([(path, self.meta["mean"]["sha256"], "mean image")])
        if then is None and self._mean is not None:
            return self._mean.copy()

        def in_range(handle, mean):
            outside = ~((mean >= 0) & (mean <= 255))  # NaN included
            if outside.any():
                raise DatasetError(f"{path}: /mean holds {int(outside.sum())} values outside 0..255 (e.g. "
                                   f"{mean[outside].flat[0]}), which no mean of 8-bit images has: rerun the prepare "
                                   f"command that built the dataset")
            if then is not None:
                then(handle)

        self._mean = read_checked(path, "mean", (*self.image_size, 3), np.float32, "mean image", in_range)
        return self._mean.copy()

    def checked_files(self, subset=None):
        """``(path, sha256, what)`` of the shards of ``subset`` (None: both subsets and the mean image, refused
        for a dataset opened for some subsets: :attr:`subsets`)."""
        if subset is None:
            self._every_subset("a list of every file")
        return self._files(SUBSETS if subset is None else (subset,), mean=subset is None)

    def _files(self, subsets, mean):
        """``(path, sha256, what)`` of the shards of ``subsets``, and of the mean image where ``mean``."""
        files = [(self.path / shard["file"], shard["sha256"], "shard")
                 for name in subsets for shard in self.shards(name)]
        if mean:
            files.append((self.path / self.meta["mean"]["file"], self.meta["mean"]["sha256"], "mean image"))
        return files

    def check_checksums(self, subset=None):
        """Compare the shards of ``subset`` (None: every file) with meta.json's sha256, each file once
        until it changes, across processes (see :func:`check_files`); ``DatasetError`` naming the first
        corrupt file.

        Reads every byte once: about 0.1 s per 192 MiB shard and thread (sha256 at ~1.8 GB/s). With
        every file, the class table too (an edited family changes the natural split, not a sha256).
        :attr:`verified` records the files as checked. ``ConfigError`` for a subset not opened, or for
        every file of a dataset opened for some subsets (:attr:`subsets`): nothing is passed unchecked. meta.json's
        content too, where mean.h5 records its digest (:func:`.changed_since.check_meta_digest`, of a few kB)."""
        self._record_checked(self._check_files(self.checked_files(subset)))
        if subset is None:  # mean.h5, hashed just now, opened once for its image and the two digests it records
            self.mean(then=self._check_recorded_digests)
        elif not self._digests_checked:  # meta.json as prepared: a train's or eval's few kB, no shard; once
            self._digests_checked = check_meta_digest(self.path, self.meta) is not None

    def _check_recorded_digests(self, mean_file):
        """The class table and meta.json's content against the digests the open ``mean_file`` (mean.h5) records."""
        check_class_table(self.path, self.meta, mean_file)
        check_meta_digest(self.path, self.meta, mean_file=mean_file)
        self._digests_checked = True

    def check_unchanged(self):
        """``DatasetError`` where the dataset is no longer as this process checked it: its meta.json not the one
        opened (edited, prepared again) or gone (the folder moved or deleted), or a file whose checksum it found
        intact (:attr:`verified`) replaced, written to or gone since (:func:`.changed_since.still_checked`).

        A run asks it at each checkpoint. Its readers keep the shards they opened and read them as checked,
        whatever the folder holds now: where every shard stays open (a dataset of up to
        :data:`.image_reader.MAX_OPEN_SHARDS` shards) a shard replaced by another dataset's, or deleted, or the
        folder moved, mid-run went unnoticed, and the run finished as trained on a dataset no longer there, its
        resumption or its next run refused or trained on other images (ImageNet's shards, opened again, stopped
        it). One stat per file checked, and meta.json read (its few kB, ImageNet's ~300). A file whose stat moved
        is hashed again, and passes (held to its stat now) where it still has meta.json's sha256: a ``touch``, the
        same bytes copied over it (rsync, ``cp``) changed no image the run reads, and stopped it."""
        self._check_meta_a_file()
        check_meta_unchanged(self.path, self.fingerprint)
        for path, checked in list(self.verified.items()):
            try:
                still_checked(path, checked)
            except DatasetError as moved:
                self._check_moved(path, moved)

    def _check_meta_a_file(self):
        """:class:`.schema.DatasetUnreadable` naming the dataset folder where it lets no file be looked up now (a
        ``chmod 000`` or ``a-x`` since the run opened it: said as meta.json's "chmod a+r" it). (meta.json no longer
        a file: :func:`.changed_since.meta_changed` says so.)"""
        meta = self.path / META_FILE
        try:
            os.stat(meta)
        except PermissionError:
            raise schema.DatasetUnreadable(f"{self.path}: the dataset folder is no longer readable by this user "
                                           f"(permission denied; it was when the run opened it): give read access "
                                           f"to it (chmod a+rx {shlex.quote(str(self.path))}) and rerun") from None
        except OSError:
            return  # gone, or a disk's error: check_meta_unchanged says which

    def _check_moved(self, path, moved):
        """The file ``path`` of :attr:`verified`, whose stat moved since its check (``moved``, the
        ``DatasetError`` that says so), hashed again: held to its stat now where it still has meta.json's sha256,
        else ``moved`` raised (gone, replaced by other bytes, written to)."""
        file = next((file for file in self._files(self.subsets, mean=True) if str(file[0]) == path), None)
        if file is None:
            raise moved
        try:
            self._record_checked(check_files(self.path, [file]))
        except DatasetError:
            raise moved from None

    def _check_files(self, files):
        """:func:`check_files` of ``files``; a file found changed with the whole folder is said as such
        (:func:`.changed_since.folder_changed`)."""
        try:
            return check_files(self.path, files)
        except DatasetError as error:
            whole_folder = folder_changed(self.path, self.fingerprint, error)
            if whole_folder is None:
                raise
            raise whole_folder from error

    def _record_checked(self, identities):
        """Add to :attr:`verified` the files ``check_files`` found intact, each with the identity and change
        time it was checked under (a stat taken after the check missed a change that moved only the change
        time in between: :class:`.image_reader.ImageReader` held the file to the changed one, unchecked)."""
        self.verified.update(identities)

    def verify(self, progress=None):
        """Re-hash every file (ignoring what this or an earlier process found intact: a file rotting on
        the disk keeps the times and size they go by) and re-check every shard's shapes and labels and
        the mean image against meta.json.

        Reads under :meth:`reading`: a prepare rewriting the folder is :class:`.lock.DatasetBusy` naming
        it (not damage), and a prepare started meanwhile is refused. Raises ``DatasetError`` naming
        every file whose bytes are not as meta.json records them or that cannot be read
        (:func:`corrupt_files`: it named the first alone; an unreadable one raised at once, leaving the
        corrupt ones found unnamed), else the first file at fault; last, meta.json itself not as prepared
        (:func:`.changed_since.check_meta_recorded`: every byte, where mean.h5 records its digest; whether it
        did is :attr:`meta_checked`, False for a dataset prepared before). ``progress(done, total)`` is called
        after each file. ``ConfigError`` for a dataset opened for some subsets (:attr:`subsets`): it checks
        every one."""
        self._every_subset("verify")
        with self.reading():
            files, settled, damaged = self.checked_files(), {}, []
            try:
                identities, faults = integrity.check_each(self.path, files, settled, damaged, progress)
            finally:  # recorded once, interrupted too: rewritten after each file, quadratic in the files
                integrity.record_settled(self.path, settled, damaged)
            self._record_checked(identities)
            if faults:
                raise corrupt_files(self.path, faults, len(files))
            for subset in SUBSETS:
                for shard in self.shards(subset):
                    image_offset(self.path / shard["file"], (shard["count"], *self.image_size, 3))
                self._labels[subset] = self._read_labels(subset, again=True)

            def recorded_digests(mean_file):  # mean.h5 opened once: its image, then the digests it records
                check_class_table(self.path, self.meta, mean_file)
                self.meta_checked = check_meta_recorded(self.path, self.meta, self.fingerprint, mean_file)

            self.mean(then=recorded_digests)


def open_dataset(path, subsets=SUBSETS):
    """Open the dataset directory ``path`` to read the shards of ``subsets`` (default: all; ``eval``
    opens only those it scores, and a training shard damaged or deleted fails no evaluation of the val
    images: :attr:`Dataset.subsets`); raises ``DatasetError`` naming the file at fault, and
    :class:`NotADataset` where ``path`` is something else (:func:`not_a_dataset`).

    Checks meta.json's schema, that every listed shard of ``subsets`` exists with the listed image count
    and that shard numbering is contiguous (:class:`~minitransfer.config_checks.ConfigError`, a ValueError,
    for a ``path`` that is no str or path, and for ``subsets`` not some of train and val, each once: a tuple
    or list, ("val",) for one, before anything is read). A subset not opened is refused by every method asked
    about it. Checksums are only re-checked by :meth:`Dataset.verify` (reading every byte of ImageNet takes
    minutes)."""
    subsets = _checked_subsets(subsets)
    if not isinstance(path, (str, os.PathLike)):
        raise usage_error(f"open_dataset: `path` must be a dataset folder (a str or path), got {path!r}")
    path = pathlib.Path(path)
    meta_path = path / META_FILE
    if not meta_path.is_file():
        something_else = not_a_dataset(path)
        if something_else is not None:
            raise NotADataset(something_else)
        lock.check_not_prepared(path)  # an import under way has no meta.json yet
        unfinished = unfinished_import(path)
        if unfinished is not None:
            raise DatasetError(f"{path}: {unfinished}; or give another dataset")
        empty = empty_folder(path)
        if empty is not None:
            raise DatasetError(f"{meta_path}: {empty}")
        raise DatasetError(f"{meta_path}: missing (not a prepared dataset, or an unfinished import: run the prepare "
                           f"command that builds it)")
    meta, fingerprint = opened_meta(meta_path)
    height, width = meta["image_size"]
    dataset = Dataset(path, meta, fingerprint, subsets=subsets)
    for subset in dataset.subsets:
        for shard in dataset.shards(subset):
            shard_path, shape = path / shard["file"], (shard["count"], height, width, 3)
            if not shard_path.is_file():
                raise DatasetError(f"{shard_path}: {not_a_shard_file(shard_path)}")
            read_once(shard_path, ("images", shape), lambda: image_offset(shard_path, shape))
    return dataset


def usage_error(message):
    """A :class:`minitransfer.config_checks.ConfigError` (a ValueError, exit code 2) saying ``message``: a caller's
    slip, an argument out of range, which ``except MinitransferError`` catches (a plain ValueError escaped it)."""
    from minitransfer.config_checks import ConfigError  # here: it imports this module (through splits) and the networks
    return ConfigError(message)


def _checked_subsets(subsets):
    """``subsets`` given to :func:`open_dataset`, each once, in order; ``ConfigError`` for others."""
    if isinstance(subsets, str):  # a str is iterable, "val" its letters
        raise usage_error(f"open_dataset: `subsets` must be a tuple, e.g. ({subsets!r},), got the str {subsets!r}")
    try:
        unique = tuple(dict.fromkeys(subsets))
    except TypeError:  # not iterable, or holding an unhashable value
        unique = ()
    if not unique or any(subset not in SUBSETS for subset in unique):
        raise usage_error(f"open_dataset: `subsets` must be some of {SUBSETS}, got {subsets!r}")
    return unique

