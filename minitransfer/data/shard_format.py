"""The on-disk dataset format (DESIGN.md §5): a directory of HDF5 shards described by ``meta.json``.

::

    meta.json            schema version, source, image size, class table, shard list
                         (file, count, first index, sha256), mean image file and its sha256
    train-00000.h5 ...   /images uint8 (N, H, W, 3), contiguous (no chunking, no compression)
    val-00000.h5 ...     /labels int32 (N,)   /sum float64 (H, W, 3): Σ images, for the mean
                         attrs: schema, subset, first_index, plan (sha256 of the shard's inputs),
                         content_sha256 (of its images, labels and extra arrays); text
                         attributes fixed-length UTF-8 (:func:`minitransfer.hdf5_files.text_attribute`)
    mean.h5              /mean float32 (H, W, 3): mean of the training images
    skipped.txt          files an importer could not decode, one "path<TAB>reason" per line
    image-files.json     prepare folder's: each image's file (:mod:`.image_files`), no shard's part
    importing.json       while an import is unfinished: its source and image size (as meta.json
                         records them), so that another import is not mixed into its shards

Every file is built in memory, written to a temporary name, fsynced and renamed (then the
directory fsynced), so a crash never leaves a half-written file under a real name and a full disk
is one clean ``OSError`` (HDF5 itself never writes to disk); ``meta.json`` is written last, so a
directory without it is an unfinished import. ``importing.json`` is written before the first shard
(or before a finished dataset's meta.json is removed to rebuild one) and removed once meta.json is
written; a folder an older version left unfinished has none. Images of subset ``s`` are numbered 0..N−1 across
its shards in shard order; splits and loaders are index lists over that numbering.

Here: the names of the files, writing them, and reading one of their arrays only after its shape and
dtype were compared with the layout (:func:`checked_dataset`). Opening and reading a dataset is
:mod:`.dataset`; reading its images, :mod:`.image_reader`.
"""

import hashlib
import io
import json
import os
import pathlib
import re
import stat

import h5py
import numpy as np

from minitransfer import fileio, hdf5_files

from . import schema
from .schema import DatasetError, read_error

SCHEMA_VERSION = 1
FORMAT_NAME = "minitransfer-dataset"
SUBSETS = ("train", "val")
META_FILE = "meta.json"
IMPORTING_FILE = "importing.json"
SHARD_NAME = re.compile(r"(train|val)-\d{5}\.h5")
MEAN_FILE = "mean.h5"
SKIPPED_FILE = "skipped.txt"
COPIES_FILE = "copies-across-classes.txt"  # in OUT: files whose bytes lie in two or more classes of a subset


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


# HDF5's error for an attribute beyond the 64 KiB that its default file format keeps in an object header
LARGE_ATTRIBUTE = "object header message is too large"


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
        shard.attrs["subset"] = hdf5_files.text_attribute(subset)
        shard.attrs["first_index"] = int(first_index)
        shard.attrs["plan"] = hdf5_files.text_attribute(plan)
        shard.attrs["skipped"] = hdf5_files.text_attribute(json.dumps(list(skipped)))
        if notes:
            shard.attrs["notes"] = hdf5_files.text_attribute(json.dumps(list(notes)))
        shard.attrs["content_sha256"] = hdf5_files.text_attribute(content_sha256(images, labels, extra))

    try:
        return fileio.write_hdf5(path, fill)
    except (OSError, RuntimeError) as error:  # raised building the file in memory: nothing written. h5py's class is
        # the HDF5 API call's error code: OSError from HDF5 1.12 on, RuntimeError under 1.10 (h5py built against it)
        if LARGE_ATTRIBUTE not in str(error):
            raise
        # skipped or notes too long for an attribute of the default format (64 KiB: some 700 files skipped in one
        # shard, "cannot write" said, exit 74): the format of HDF5 1.10 (checkpoints') keeps it; other shards as before
        return fileio.write_hdf5(path, fill, libver=("v110", "v110"))


def write_mean(path, mean, classes, meta=None, before_change=None):
    """Write ``mean.h5`` (/mean float32 (H, W, 3); attribute ``classes_sha256``, the digest of the
    class table ``classes``, which :meth:`.dataset.Dataset.verify` compares with meta.json's, and
    ``meta_sha256``, the digest of the dataset's ``meta`` (:func:`meta_sha256`), where given) atomically,
    unless it already holds the same, or the same as a version before the digest wrote it (a rerun over a
    dataset it prepared: rewritten, mean.h5 and so meta.json would change, the fingerprint each run records of
    its dataset with them, and the runs on it resumed since be refused as on a dataset prepared again); returns
    its sha256. ``before_change()`` is called before the file there is replaced (an import then marks itself
    unfinished: a stop before the new meta.json left the old one naming the old mean.h5's sha256, a finished
    dataset read as "corrupt mean image")."""
    images = _mean_images(mean, classes, meta)
    held = _held(path, images)
    if held is not None:
        return held
    if before_change is not None:
        before_change()
    fileio.write_bytes(path, images[0])  # the one with meta.json's digest: _held found no file holding it
    return hashlib.sha256(images[0]).hexdigest()


def held_mean(path, mean, classes, meta=None):
    """The sha256 of ``path`` where it holds what :func:`write_mean` would leave there, so that it writes nothing
    (the same bytes, or those of a version before the digest), else None: a rerun that holds the dataset's lock
    shared while readers hold it too checks so, writing nothing (:func:`.build.build_dataset`)."""
    return _held(path, _mean_images(mean, classes, meta))


def _mean_images(mean, classes, meta):
    """The images of mean.h5 that :func:`write_mean` leaves as they are: first the one it writes (with ``meta``'s
    digest, where given), then the one a version before the digest wrote (none). h5py's images are reproducible."""
    digests = ([] if meta is None else [meta_sha256(meta)]) + [None]
    images = []
    for digest in digests:
        buffer = io.BytesIO()
        with h5py.File(buffer, "w") as handle:
            handle.create_dataset("mean", data=np.asarray(mean, dtype=np.float32))
            handle.attrs["schema"] = SCHEMA_VERSION
            handle.attrs["classes_sha256"] = hdf5_files.text_attribute(schema.classes_sha256(classes))
            if digest is not None:
                handle.attrs[META_SHA256] = hdf5_files.text_attribute(digest)
        images.append(buffer.getvalue())
    return images


def _held(path, images):
    """The sha256 of the file ``path`` where it holds one of ``images`` byte for byte, read once; else None: where
    it cannot be read, and, unread, where it is no file of one of their sizes (as
    :func:`minitransfer.fileio.write_hdf5` compares: a named pipe there, opened to be read, waited for a writer
    for ever, where a write replaces it)."""
    try:
        found = os.stat(path)
        if not (stat.S_ISREG(found.st_mode) and found.st_size in {len(image) for image in images}):
            return None
        held = pathlib.Path(path).read_bytes()
    except OSError:
        return None
    return hashlib.sha256(held).hexdigest() if held in images else None


def meta_text(meta):
    """meta.json's text as prepare writes it: the one layout, whose bytes the dataset's fingerprint is."""
    return json.dumps(meta, indent=1, sort_keys=True) + "\n"


def write_meta(folder, meta):
    """Write ``meta.json`` (:func:`meta_text`) atomically, unless it already holds the same (last step of an
    import: its presence marks completion)."""
    fileio.write_text(pathlib.Path(folder) / META_FILE, meta_text(meta), keep_same=True)


# mean.h5's attribute holding meta.json's digest: every byte of meta.json is then checked by prepare verify
# (.changed_since.check_meta_recorded), its descriptive keys too (source, skipped, generator_version), which no
# other check reads. Datasets prepared before it have none.
META_SHA256 = "meta_sha256"


def meta_sha256(meta):
    """sha256 of the dataset's ``meta`` as meta.json's text (:func:`meta_text`), but for the mean image's sha256
    (``meta["mean"]["sha256"]``, absent or not): mean.h5 records this digest, and meta.json records mean.h5's,
    which the check of mean.h5 against it covers."""
    mean = {key: value for key, value in meta["mean"].items() if key != "sha256"}
    return hashlib.sha256(meta_text({**meta, "mean": mean}).encode()).hexdigest()


def checked_dataset(handle, path, name, shape, dtype):
    """``handle[name]`` once it is known to be an HDF5 dataset of ``shape`` and ``dtype`` (:func:`stored_dataset`).

    Only metadata is read, so a file declaring a huge array costs nothing; ``DatasetError``
    naming ``path`` otherwise (also for a type h5py cannot map to NumPy, e.g. a float whose
    declared precision a flipped byte changed: h5py raises a bare ``ValueError`` there)."""
    data = stored_dataset(handle, path, name)
    try:
        found = data.dtype
    except (ValueError, TypeError) as error:
        raise DatasetError(f"{path}: /{name} has a damaged or unknown type ({error})") from error
    if data.shape != tuple(shape) or found != np.dtype(dtype):
        raise DatasetError(f"{path}: /{name} is {found} {data.shape}, expected {np.dtype(dtype)} {tuple(shape)}")
    return data


def stored_dataset(handle, path, name):
    """``handle[name]``, an HDF5 dataset stored in the file under its own name, else ``DatasetError`` naming
    ``path``: not an external link, which was followed to whatever it names (a named pipe: reading waited
    forever), nor a soft link; nor external raw storage or a virtual dataset, whose values other files hold
    (read from a named pipe too). Only the link and the dataset's header are read."""
    try:
        link = handle.get(name, getlink=True)
    except (RuntimeError, TypeError) as error:  # a damaged link table (h5py's plain get said KeyError: "none")
        raise DatasetError(f"{path}: /{name} cannot be found: a damaged link ({error})") from error
    if isinstance(link, h5py.ExternalLink):
        raise DatasetError(f"{path}: /{name} is a link to {link.filename}:{link.path}: a shard holds its arrays itself")
    if isinstance(link, h5py.SoftLink):
        raise DatasetError(f"{path}: /{name} is a soft link (to {link.path}): a shard holds its arrays under their "
                           f"own names")
    data = handle.get(name)
    if not isinstance(data, h5py.Dataset):
        raise DatasetError(f"{path}: no /{name} dataset")
    if data.external or data.is_virtual:
        raise DatasetError(f"{path}: /{name} keeps its values in other files (external storage / virtual dataset): "
                           f"a shard holds its arrays itself")
    return data


def read_checked(path, name, shape, dtype, what="file", then=None):
    """The array ``/name`` of HDF5 file ``path`` (``what`` it is: "shard", "mean image"), read only after
    :func:`checked_dataset` accepted it; ``DatasetError`` saying it is missing when it is gone (deleted or
    moved since the dataset was opened), not h5py's "Unable to synchronously open file". ``then(handle, array)``,
    where given, is called with the file still open, to read more of it in the same open (its faults worded so,
    a ``DatasetError`` it raises as it is)."""
    try:
        with hdf5_files.open_hdf5(path) as handle:
            array = checked_dataset(handle, path, name, shape, dtype)[()]
            if then is not None:
                then(handle, array)
            return array
    except DatasetError:  # DatasetUnreadable is an OSError: not said again as this file's
        raise
    except KeyError as error:
        raise DatasetError(f"{path}: cannot read /{name} ({error})") from error
    except FileNotFoundError:
        raise DatasetError(f"{path}: missing {what}: deleted or moved after the dataset was opened") from None
    except OSError as error:
        raise read_error(path, what, error) from error


def image_offset(path, shape, file=None):
    """Byte offset of the contiguous ``/images`` dataset in shard ``path`` (where
    :class:`.image_reader.ImageReader` reads); ``file``: the shard already open (binary), to parse that very
    file rather than what ``path`` names now.

    Raises ``DatasetError`` when the file cannot be read, the dataset is chunked or filtered, kept in other
    files (:func:`stored_dataset`), or its shape is not ``shape``."""
    try:
        with hdf5_files.open_hdf5(path if file is None else file) as shard:
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
