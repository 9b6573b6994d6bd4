"""The on-disk dataset format (DESIGN.md §5): a directory of HDF5 shards described by ``meta.json``.

::

    meta.json            schema version, source, image size, class table, shard list
                         (file, count, first index, sha256), mean image file and its sha256
    train-00000.h5 ...   /images uint8 (N, H, W, 3), contiguous (no chunking, no compression)
    val-00000.h5 ...     /labels int32 (N,)   /sum float64 (H, W, 3): Σ images, for the mean
                         attrs: schema, subset, first_index, plan (sha256 of the shard's inputs)
    mean.h5              /mean float32 (H, W, 3): mean of the training images
    skipped.txt          files an importer could not decode, one "path<TAB>reason" per line

Every file is written to a temporary name, fsynced and renamed (then the directory fsynced), so a
crash never leaves a half-written file under a real name; ``meta.json`` is written last, so a
directory without it is an unfinished import. Images of subset ``s`` are numbered 0..N−1 across
its shards in shard order; splits and loaders are index lists over that numbering.
"""

import hashlib
import json
import os
import pathlib

import h5py
import numpy as np

from minitransfer import fileio

SCHEMA_VERSION = 1
FORMAT_NAME = "minitransfer-dataset"
SUBSETS = ("train", "val")
META_FILE = "meta.json"
MEAN_FILE = "mean.h5"
SKIPPED_FILE = "skipped.txt"


class DatasetError(ValueError):
    """A dataset on disk is missing, corrupt or inconsistent; the message names the file at fault.

    The command line maps it to exit code 65 (bad data)."""


def shard_name(subset, number):
    """``train-00000.h5`` style file name of shard ``number`` of ``subset``."""
    return f"{subset}-{number:05d}.h5"


def write_shard(path, images, labels, subset, first_index, plan, extra=None, skipped=(), pixel_sum=None):
    """Write one shard atomically; returns its sha256.

    ``images`` uint8 (N, H, W, 3), ``labels`` int (N,); ``plan`` is a string identifying the
    inputs the shard was built from (a rerun compares it to skip finished shards); ``extra`` maps
    further dataset names to arrays of length N (e.g. CIFAR's coarse labels); ``skipped`` lists
    the inputs that could not be decoded (dicts with ``file`` and ``reason``); ``pixel_sum`` is
    ``images.sum(axis=0)`` in float64 when the caller has it already.
    """
    path = pathlib.Path(path)
    images = np.ascontiguousarray(images, dtype=np.uint8)
    labels = np.asarray(labels, dtype=np.int32)
    if images.ndim != 4 or images.shape[3] != 3 or labels.shape != images.shape[:1]:
        raise ValueError(f"write_shard: need images (N,H,W,3) and labels (N,), got {images.shape} and {labels.shape}")
    with fileio.atomic_path(path) as temporary, h5py.File(temporary, "w") as shard:
        shard.create_dataset("images", data=images)  # no chunks / filters: contiguous, memory-mappable
        shard.create_dataset("labels", data=labels)
        if pixel_sum is None:
            pixel_sum = images.sum(axis=0, dtype=np.float64)  # H,W,3
        shard.create_dataset("sum", data=np.asarray(pixel_sum, dtype=np.float64))
        for name, values in (extra or {}).items():
            shard.create_dataset(name, data=np.asarray(values))
        shard.attrs["schema"] = SCHEMA_VERSION
        shard.attrs["subset"] = subset
        shard.attrs["first_index"] = int(first_index)
        shard.attrs["plan"] = plan
        shard.attrs["skipped"] = json.dumps(list(skipped))
    return fileio.sha256_file(path)


def write_mean(path, mean):
    """Write ``mean.h5`` (/mean float32 (H, W, 3)) atomically; returns its sha256."""
    with fileio.atomic_path(path) as temporary, h5py.File(temporary, "w") as handle:
        handle.create_dataset("mean", data=np.asarray(mean, dtype=np.float32))
        handle.attrs["schema"] = SCHEMA_VERSION
    return fileio.sha256_file(path)


def write_meta(folder, meta):
    """Write ``meta.json`` atomically (last step of an import: its presence marks completion)."""
    text = json.dumps(meta, indent=1, sort_keys=True) + "\n"
    fileio.write_text(pathlib.Path(folder) / META_FILE, text)


def image_offset(path, shape):
    """Byte offset of the contiguous ``/images`` dataset in shard ``path`` (for ``numpy.memmap``).

    Raises ``DatasetError`` when the file cannot be read, the dataset is chunked or filtered, or
    its shape is not ``shape``."""
    try:
        with h5py.File(path, "r") as shard:
            images = shard["images"]
            offset = images.id.get_offset()
            actual_shape, dtype = images.shape, images.dtype
    except (OSError, KeyError) as error:
        raise DatasetError(f"{path}: unreadable shard ({error})") from error
    if offset is None or dtype != np.uint8 or tuple(actual_shape) != tuple(shape):
        raise DatasetError(
            f"{path}: /images must be a contiguous uint8 dataset of shape {tuple(shape)}, "
            f"found {tuple(actual_shape)} {dtype} (offset {offset})"
        )
    if os.path.getsize(path) < offset + int(np.prod(shape)):
        raise DatasetError(f"{path}: file is shorter than its /images dataset (truncated shard)")
    return offset


class Dataset:
    """A prepared dataset directory (see the module docstring); open it with :func:`open_dataset`.

    Attributes: ``path``, ``meta`` (the parsed meta.json), ``classes`` (list of dicts with at
    least ``index``, ``wnid``, ``name``; ``family`` "man-made"/"natural" when known),
    ``image_size`` (H, W), ``fingerprint`` (sha256 of meta.json).
    """

    def __init__(self, path, meta, fingerprint):
        self.path = pathlib.Path(path)
        self.meta = meta
        self.fingerprint = fingerprint
        self.classes = meta["classes"]
        self.image_size = tuple(meta["image_size"])
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
        """Global class index of every image of ``subset``, int32 (N,), in image order."""
        if subset not in self._labels:
            parts = [self._read_array(shard, "labels") for shard in self.shards(subset)]
            labels = np.concatenate(parts).astype(np.int32) if parts else np.zeros(0, np.int32)
            self._labels[subset] = labels
        return self._labels[subset]

    def read_array(self, subset, name):
        """A per-image array stored in every shard of ``subset`` (e.g. "coarse_labels"), concatenated."""
        parts = [self._read_array(shard, name) for shard in self.shards(subset)]
        return np.concatenate(parts) if parts else np.zeros(0)

    def _read_array(self, shard, name):
        path = self.path / shard["file"]
        try:
            with h5py.File(path, "r") as handle:
                values = handle[name][()]
        except (OSError, KeyError) as error:
            raise DatasetError(f"{path}: cannot read /{name} ({error})") from error
        if values.shape[:1] != (shard["count"],):
            raise DatasetError(f"{path}: /{name} has {values.shape[0]} entries, meta.json says {shard['count']}")
        return values

    def images(self, subset, indices):
        """uint8 (len(indices), H, W, 3) images of ``subset`` (read through h5py; the loader is faster)."""
        indices = np.asarray(indices, dtype=np.int64)
        reader = ImageReader(self, subset)
        try:
            return reader.read(indices)
        finally:
            reader.close()

    def mean(self):
        """The mean training image, float32 (H, W, 3)."""
        path = self.path / self.meta["mean"]["file"]
        try:
            with h5py.File(path, "r") as handle:
                mean = handle["mean"][()]
        except (OSError, KeyError) as error:
            raise DatasetError(f"{path}: cannot read /mean ({error})") from error
        if mean.shape != (*self.image_size, 3):
            raise DatasetError(f"{path}: /mean has shape {mean.shape}, expected {(*self.image_size, 3)}")
        return mean.astype(np.float32)

    def verify(self, progress=None):
        """Re-check every file's sha256 and every shard's shapes against meta.json.

        Raises ``DatasetError`` naming the first file at fault. ``progress(done, total)`` is
        called after each file."""
        files = [(self.path / shard["file"], shard["sha256"]) for subset in SUBSETS for shard in self.shards(subset)]
        files.append((self.path / self.meta["mean"]["file"], self.meta["mean"]["sha256"]))
        for done, (path, expected) in enumerate(files, start=1):
            if not path.is_file():
                raise DatasetError(f"{path}: missing")
            actual = fileio.sha256_file(path)
            if actual != expected:
                raise DatasetError(f"{path}: sha256 mismatch (file {actual[:16]}…, meta.json {expected[:16]}…): corrupt shard")
            if progress:
                progress(done, len(files))
        for subset in SUBSETS:
            for shard in self.shards(subset):
                image_offset(self.path / shard["file"], (shard["count"], *self.image_size, 3))
            labels = self.labels(subset)
            if labels.size and (labels.min() < 0 or labels.max() >= self.num_classes):
                raise DatasetError(f"{self.path}: {subset} labels outside 0..{self.num_classes - 1}")
        self.mean()


class ImageReader:
    """Reads images of one subset by memory-mapping each shard's contiguous ``/images``.

    Opens files lazily, so it can be created in the process that uses it (HDF5 handles must not
    cross a fork)."""

    def __init__(self, dataset, subset):
        self.dataset = dataset
        self.subset = subset
        shards = dataset.shards(subset)
        self.starts = np.array([shard["first_index"] for shard in shards], dtype=np.int64)
        self.counts = [shard["count"] for shard in shards]
        self.paths = dataset.shard_paths(subset)
        self.total = dataset.num_images(subset)
        self._maps = {}

    def _map(self, number):
        if number not in self._maps:
            shape = (self.counts[number], *self.dataset.image_size, 3)
            offset = image_offset(self.paths[number], shape)
            self._maps[number] = np.memmap(self.paths[number], dtype=np.uint8, mode="r", offset=offset, shape=shape)
        return self._maps[number]

    def read(self, indices, out=None):
        """Images ``indices`` (int array, any order) into ``out`` (uint8 (n, H, W, 3)) or a new array."""
        indices = np.asarray(indices, dtype=np.int64)
        if indices.size and (indices.min() < 0 or indices.max() >= self.total):
            raise IndexError(f"image index out of range 0..{self.total - 1} for subset {self.subset!r}")
        if out is None:
            out = np.empty((len(indices), *self.dataset.image_size, 3), dtype=np.uint8)
        order = np.argsort(indices, kind="stable")  # read each shard front to back
        shard_of = np.searchsorted(self.starts, indices[order], side="right") - 1
        for position, number in zip(order.tolist(), shard_of.tolist()):
            out[position] = self._map(number)[indices[position] - self.starts[number]]  # one copy per image
        return out

    def close(self):
        self._maps.clear()


def open_dataset(path):
    """Open the dataset directory ``path``; raises ``DatasetError`` naming the file at fault.

    Checks meta.json's schema, that every listed shard exists with the listed image count and
    that shard numbering is contiguous. Checksums are only re-checked by :meth:`Dataset.verify`
    (reading every byte of ImageNet takes minutes)."""
    path = pathlib.Path(path)
    meta_path = path / META_FILE
    if not meta_path.is_file():
        raise DatasetError(f"{meta_path}: missing (not a prepared dataset, or an unfinished import: rerun prepare)")
    raw = meta_path.read_bytes()
    try:
        meta = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DatasetError(f"{meta_path}: not valid JSON ({error})") from error
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise DatasetError(f"{meta_path}: not a {FORMAT_NAME} meta file")
    if meta.get("schema") != SCHEMA_VERSION:
        raise DatasetError(f"{meta_path}: schema {meta.get('schema')!r}, this minitransfer reads {SCHEMA_VERSION}")
    try:
        height, width = meta["image_size"]
        for subset in SUBSETS:
            expected_first = 0
            for shard in meta["subsets"][subset]["shards"]:
                if shard["first_index"] != expected_first:
                    raise DatasetError(f"{meta_path}: {shard['file']} starts at {shard['first_index']}, expected {expected_first}")
                expected_first += shard["count"]
                shard_path = path / shard["file"]
                if not shard_path.is_file():
                    raise DatasetError(f"{shard_path}: missing shard")
            if expected_first != meta["subsets"][subset]["count"]:
                raise DatasetError(f"{meta_path}: {subset} shards hold {expected_first} images, count says {meta['subsets'][subset]['count']}")
        for number, entry in enumerate(meta["classes"]):
            if entry["index"] != number or "wnid" not in entry or "name" not in entry:
                raise DatasetError(f"{meta_path}: class table entry {number} malformed: {entry}")
        if not {"file", "sha256"} <= set(meta["mean"]):
            raise DatasetError(f"{meta_path}: the mean entry needs 'file' and 'sha256'")
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, DatasetError):
            raise
        raise DatasetError(f"{meta_path}: malformed ({type(error).__name__}: {error})") from error
    dataset = Dataset(path, meta, hashlib.sha256(raw).hexdigest())
    for subset in SUBSETS:
        for shard in dataset.shards(subset):
            image_offset(path / shard["file"], (shard["count"], height, width, 3))
    return dataset
