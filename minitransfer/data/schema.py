"""The shape of ``meta.json``, checked once where it is opened, so every command meets a malformed
field as one ``DatasetError`` ("meta.json: <field> malformed") rather than a ``KeyError`` deep
inside (the format is in :mod:`.shard_format`).

Also here: :class:`ImportUsageError`, an import's refusal of its arguments (exit code 2); :func:`read_error`, which
tells a file the system refused to read (exit code 74) from bad data (65), and :func:`classes_sha256`, the digest
of the class table that ``mean.h5`` records when an import writes it, so ``prepare verify`` sees a class table
edited after the import.
"""

import errno
import hashlib
import json
import os
import re

from minitransfer.errors import ConfigError, MinitransferError

SHA256 = re.compile(r"[0-9a-f]{64}")
FILE_NAME = re.compile(r"[^/\\\x00]+")


class DatasetError(MinitransferError, ValueError):
    """A dataset on disk is missing, corrupt or inconsistent; the message names the file at fault.

    The command line maps it to exit code 65 (bad data)."""


class ImportUsageError(ConfigError):
    """An import's argument it cannot take: out of range (``size=0``), OUT inside SOURCE or holding other files, a
    source that another command imports. A :class:`minitransfer.errors.ConfigError`, as every argument the library
    refuses (``except ConfigError`` catches it too), and so a usage error (exit code 2); ``prepare`` says it as click
    says its own, under the command's usage line, not on an "error:" line. It was a plain ValueError, which
    ``except MinitransferError`` let through."""


class NotADataset(DatasetError):
    """A path given as a dataset that is something else: a run folder, a network's file, a file of a
    dataset, an experiment's or a report's folder, a folder of images not prepared yet. The message
    says what it is and what to give instead; the command line maps it to exit code 2 (usage), as
    it does a file given for a folder."""


class DatasetUnreadable(DatasetError, OSError):
    """A dataset file that cannot be read now, though it may be intact: no read permission, a lock
    another process holds, a disk's or network file system's I/O error. The command line maps it to
    exit code 74 (I/O); the message names the file and what to do."""


# What to do about a dataset damaged since it was prepared: every bad-data message says it so
REPREPARE = "rerun the prepare command that built it"


def read_error(path, what, error, remedy=REPREPARE):
    """The error to raise when ``what`` ("shard", "mean image") at ``path`` could not be read
    (``error``, an ``OSError`` of Python's or of h5py's): :class:`DatasetUnreadable` when the
    system refused the read (an errno), a :class:`DatasetError` (bad data) when the file itself is
    at fault (h5py found no HDF5 file in it: no errno), or when it is missing or not a file, saying
    ``remedy`` (an archive's: "download it again")."""
    number = getattr(error, "errno", None)
    if number is None or number in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
        return DatasetError(f"{path}: unreadable {what} ({error}): {remedy}")
    if number in (errno.EACCES, errno.EPERM):
        return DatasetUnreadable(f"{path}: the {what} is not readable by this user (permission denied): give read "
                                 f"access to it (chmod a+r) and rerun")
    if number == errno.EAGAIN:  # HDF5's file lock, which h5py takes in every process that opens the file
        return DatasetUnreadable(f"{path}: the {what} is locked by another process that holds it open for writing "
                                 f"(h5py mode 'a', 'r+' or 'w'): close it there and rerun (if that process wrote "
                                 f"to it, the rerun finds its sha256 changed: then rerun the prepare command)")
    if number in (errno.ENOSYS, errno.ENOLCK):
        return DatasetUnreadable(f"{path}: this file system does not support HDF5's file locks: rerun with "
                                 f"HDF5_USE_FILE_LOCKING=FALSE in the environment")
    return DatasetUnreadable(f"{path}: the {what} could not be read ({os.strerror(number)}): a fault of the disk or "
                             f"file system; rerun once it is repaired")


class _Malformed(MinitransferError):
    """A field of meta.json that is not what the format says (its dotted name)."""


def _integer(value, field, minimum=0):
    if type(value) is not int or value < minimum:
        raise _Malformed(field)
    return value


def _text(value, field, pattern=None):
    if not isinstance(value, str) or (pattern is not None and not pattern.fullmatch(value)) or value in (".", ".."):
        raise _Malformed(field)
    return value


def _mapping(value, field, required=()):
    if not isinstance(value, dict):
        raise _Malformed(field)
    missing = [key for key in required if key not in value]
    if missing:
        raise _Malformed(f"{field}.{missing[0]} (missing)")
    return value


def _listing(value, field):
    if not isinstance(value, list):
        raise _Malformed(field)
    return value


def check_meta(meta, meta_path, subsets):
    """``DatasetError`` naming ``meta_path`` and the first malformed field of the parsed ``meta``.

    Checked: image_size, each subset's count and shard list (plain file names, sha256 digests,
    counts, contiguous first indices), the class table (entries numbered 0..C−1 with text wnid and
    name, no wnid twice), the mean entry, and the lists of skipped files, left-out classes and classes
    whose held-out images went back to training."""
    try:
        _check(meta, subsets)
    except _Malformed as error:
        raise DatasetError(f"{meta_path}: {error} malformed") from None
    except ValueError as error:
        raise DatasetError(f"{meta_path}: {error}") from None


def _check(meta, subsets):
    size = _listing(meta.get("image_size"), "image_size")
    if len(size) != 2 or any(type(side) is not int or side < 1 for side in size):
        raise _Malformed("image_size")
    table = _mapping(meta.get("subsets"), "subsets", subsets)
    for subset in subsets:
        _check_subset(_mapping(table[subset], f"subsets.{subset}", ("count", "shards")), f"subsets.{subset}")
    _check_classes(_listing(meta.get("classes"), "classes"))
    mean = _mapping(meta.get("mean"), "mean", ("file", "sha256"))
    _text(mean["file"], "mean.file", FILE_NAME)
    _text(mean["sha256"], "mean.sha256", SHA256)
    for key, fields in (("skipped", ("file", "reason")), ("excluded_classes", ("name", "reason"))):
        for number, entry in enumerate(_listing(meta.get(key, []), key)):
            _mapping(entry, f"{key}[{number}]", fields)
            for field in fields:
                _text(entry[field], f"{key}[{number}].{field}")
    for number, name in enumerate(_listing(meta.get("returned_to_training", []), "returned_to_training")):
        _text(name, f"returned_to_training[{number}]")


def _check_subset(entry, field):
    expected_first = 0
    for number, shard in enumerate(_listing(entry["shards"], f"{field}.shards")):
        where = f"{field}.shards[{number}]"
        _mapping(shard, where, ("file", "count", "first_index", "sha256"))
        _text(shard["file"], f"{where}.file", FILE_NAME)
        _text(shard["sha256"], f"{where}.sha256", SHA256)
        _integer(shard["count"], f"{where}.count", minimum=1)
        if _integer(shard["first_index"], f"{where}.first_index") != expected_first:
            raise ValueError(f"{shard['file']} starts at {shard['first_index']}, expected {expected_first}")
        expected_first += shard["count"]
    if _integer(entry["count"], f"{field}.count") != expected_first:
        raise ValueError(f"{field} shards hold {expected_first} images, count says {entry['count']}")


def _check_classes(classes):
    seen = {}
    for number, entry in enumerate(classes):
        where = f"classes[{number}]"
        _mapping(entry, where, ("index", "wnid", "name"))
        if entry["index"] != number or type(entry["index"]) is not int:
            raise _Malformed(f"{where}.index")
        _text(entry["name"], f"{where}.name")
        if "family" in entry:
            _text(entry["family"], f"{where}.family")
        wnid = _text(entry["wnid"], f"{where}.wnid")
        if wnid in seen:
            from minitransfer.class_tables import described_wnid  # which imports the data package, this module too
            raise ValueError(f"classes {seen[wnid]} and {number} have the same wnid {described_wnid(wnid)}")
        seen[wnid] = number


def classes_sha256(classes):
    """sha256 of a class table (every field of every entry: names, wnids, families ...)."""
    return hashlib.sha256(json.dumps(classes, sort_keys=True).encode()).hexdigest()
