"""Whether a prepared dataset is still as it was, and what happened to it where not: its class table as
prepared (:func:`check_class_table`: meta.json edited since), its meta.json as prepared, byte for byte
(:func:`check_meta_recorded`, for ``prepare verify``), its meta.json the one this process opened
(:func:`check_meta_unchanged`, :func:`folder_changed`: the dataset prepared again, another folder put in its
place, the folder moved or deleted) and each file whose checksum it found intact still that file
(:func:`still_checked`: replaced or written to since). :class:`.dataset.Dataset` asks them as it reads.
"""

import hashlib
import os
import shlex
import stat

from minitransfer import hdf5_files

from . import schema
from .image_reader import IF_CHANGED
from .integrity import identity
from .schema import REPREPARE, DatasetError, read_error
from .shard_format import META_FILE, META_SHA256, meta_sha256, meta_text

FOLDER_GONE = "the dataset folder was moved or deleted after this process opened it"
PREPARED_AGAIN = "the dataset was prepared again (or its meta.json edited) after this process opened it"


def meta_changed(folder, fingerprint):
    """Whether the meta.json of the dataset ``folder`` is no longer the one opened (its sha256 not
    ``fingerprint``); ``FileNotFoundError`` where it is gone, ``OSError`` where it cannot be read, ``DatasetError``
    where it is no longer a file: a named pipe put in its place was read waiting for a writer, forever (a run hung at
    its next checkpoint), so its kind is asked first."""
    meta = folder / META_FILE
    if not stat.S_ISREG(os.stat(meta).st_mode):
        raise DatasetError(f"{meta}: no longer a file (a named pipe, a folder or a device was put in its place "
                           f"after this process opened it): put the dataset's meta.json back, or {REPREPARE}")
    return hashlib.sha256(meta.read_bytes()).hexdigest() != fingerprint


def check_meta_unchanged(folder, fingerprint):
    """``DatasetError`` when the meta.json of the dataset ``folder`` is no longer the one opened (its sha256 not
    ``fingerprint``: prepared again meanwhile), or gone (the folder moved or deleted);
    :class:`.schema.DatasetUnreadable` when it cannot be read now (each was "prepared again")."""
    meta = folder / META_FILE
    try:
        changed = meta_changed(folder, fingerprint)
    except FileNotFoundError:
        raise DatasetError(f"{folder}: {FOLDER_GONE}, or its {META_FILE} removed ({meta} is gone): rerun "
                           f"giving the folder where it is now, or the prepare command that built it") from None
    except OSError as error:  # no read permission now, a disk's error: not a dataset prepared again
        raise read_error(meta, "meta file", error) from error
    if changed:
        raise DatasetError(f"{meta}: {PREPARED_AGAIN}; rerun")


def folder_changed(folder, fingerprint, error):
    """A ``DatasetError`` saying what happened to the whole dataset ``folder``, when a file's ``error`` comes of
    it (a run checks each subset as it starts reading it, maybe hours after it opened the dataset): its
    meta.json gone (the folder moved or deleted), or no longer the one opened, whose sha256 is ``fingerprint``
    (the dataset prepared again, another folder renamed in its place). None when meta.json is still the one
    opened."""
    meta = folder / META_FILE
    try:
        changed = meta_changed(folder, fingerprint)
    except FileNotFoundError:
        return DatasetError(f"{folder}: {FOLDER_GONE} ({meta} is gone too; {error})")
    except OSError:
        return None
    if changed:
        return DatasetError(f"{meta}: {PREPARED_AGAIN} (or another folder was put in its place): its files are "
                            f"not the ones the run started with ({error}); a run goes on only with the dataset it "
                            f"started with put back there")
    return None


def still_checked(path, checked):
    """``DatasetError`` when ``path`` is no longer the file whose checksum was found intact (``checked``,
    its :attr:`.dataset.Dataset.verified` entry; None: not checked by this process, nothing to hold it to)."""
    if checked is None:
        return
    try:
        now = identity(os.stat(path))
    except FileNotFoundError:
        raise DatasetError(f"{path}: missing: deleted or moved after its checksum was checked") from None
    except OSError as error:
        raise read_error(path, "shard", error) from error
    if now != tuple(checked[:4]):
        same_file, size = now[:2] == tuple(checked[:2]), checked[2]
        how = (f"cut short to {now[2]:,} bytes (of {size:,})" if same_file and now[2] < size else
               "written to" if same_file else "replaced")  # the same inode and device: the file itself changed
        raise DatasetError(f"{path}: {how} after its checksum was checked at the start: {IF_CHANGED}")


def read_mean_file(folder, meta, read):
    """``read(handle)`` of the dataset ``folder``'s mean.h5, opened for it: a read error naming it
    (:func:`.schema.read_error`) where it cannot be read; a ``DatasetError`` of ``read``'s as it is."""
    path = folder / meta["mean"]["file"]
    try:
        with hdf5_files.open_hdf5(path) as handle:
            return read(handle)
    except DatasetError:  # DatasetUnreadable is an OSError: not said again as this file's
        raise
    except OSError as error:
        raise read_error(path, "mean image", error) from error


def _recorded(folder, meta, name, mean_file=None):
    """The text attribute ``name`` of the dataset ``folder``'s mean.h5 (None where it has none): read from
    ``mean_file``, the file open, where given (its faults said by who opened it), else opened for it."""
    if mean_file is not None:
        return hdf5_files.plain_attribute(mean_file.attrs.get(name))
    return read_mean_file(folder, meta, lambda handle: _recorded(folder, meta, name, handle))


def check_class_table(folder, meta, mean_file=None):
    """The class table of the dataset ``folder`` (its meta.json's ``classes``, ``meta``) against the digest
    mean.h5 recorded at the import (datasets prepared before the digest existed have none: nothing to compare);
    ``mean_file``: mean.h5 open already (:func:`_recorded`)."""
    path = folder / meta["mean"]["file"]
    recorded = _recorded(folder, meta, "classes_sha256", mean_file)
    if recorded is not None and recorded != schema.classes_sha256(meta["classes"]):
        raise DatasetError(f"{folder / META_FILE}: the class table (names, wnids, families) is not the one "
                           f"the dataset was prepared with ({path} records its sha256): meta.json was edited; "
                           f"{REPREPARE}")


# train's and eval's remedy for a meta.json not as prepared: verify names every other fault of the folder too
VERIFY_OR_REPREPARE = "`minitransfer prepare verify {folder}` checks the rest of it; " + REPREPARE


def check_meta_digest(folder, meta, remedy=VERIFY_OR_REPREPARE, needed=False, mean_file=None):
    """The digest of meta.json's content that the mean.h5 of the dataset ``folder`` records (:data:`META_SHA256`),
    None where it records none (prepared before it did: nothing to compare); ``DatasetError`` naming meta.json
    where its content ``meta`` no longer hashes to it (:func:`.shard_format.meta_sha256`: edited or damaged since),
    ``remedy`` saying what to do (``{folder}``: the folder, quoted for a shell); a mean.h5 that cannot be read
    is ``needed`` (a ``DatasetError`` naming it) or passed, for the reading of it to tell. A few kB hashed, mean.h5's
    attribute read: no shard is, so train and eval ask it each time they read a dataset
    (:meth:`.dataset.Dataset.check_checksums`), and ``prepare verify`` (:func:`check_meta_recorded`);
    ``mean_file``: mean.h5 open already (:func:`_recorded`)."""
    mean = folder / meta["mean"]["file"]
    needed = needed or mean_file is not None
    if not (needed or mean.is_file()):  # a named pipe's opening would wait for a writer
        return None
    try:
        recorded = _recorded(folder, meta, META_SHA256, mean_file)
    except DatasetError:
        if needed:
            raise
        return None  # eval scoring with its checkpoint's mean reads no mean.h5: its own checks say what is wrong
    if recorded is not None and recorded != meta_sha256(meta):
        raise DatasetError(f"{folder / META_FILE}: not the meta.json the dataset was prepared with ({mean} records "
                           f"the sha256 {str(recorded):.16}... of its content, it is now {meta_sha256(meta):.16}...): "
                           f"edited or damaged since; {remedy.format(folder=shlex.quote(str(folder)))}")
    return recorded


def check_meta_recorded(folder, meta, fingerprint, mean_file=None):
    """Whether the meta.json of the dataset ``folder`` (opened with sha256 ``fingerprint``, ``meta`` parsed from
    those bytes: :attr:`.dataset.Dataset.meta`), its mean.h5 found as
    it records, is checked, byte for byte, against the digest mean.h5 records (:func:`.shard_format.meta_sha256`):
    True where it is as prepare wrote it; False where mean.h5 records none (prepared before it did: nothing to
    compare, ``prepare verify`` says so). ``DatasetError`` naming meta.json where it is not as prepare wrote it:
    its content edited or damaged (a byte of its descriptive keys, source, skipped, generator_version, which no
    other check reads, passed), or only its layout (saved again by an editor: its bytes are the fingerprint each
    run records of its dataset). ``mean_file``: mean.h5 open already (:func:`_recorded`)."""
    path = folder / META_FILE
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise read_error(path, "meta file", error) from error
    if hashlib.sha256(raw).hexdigest() != fingerprint:
        raise DatasetError(f"{path}: {PREPARED_AGAIN}; rerun")
    recorded = check_meta_digest(folder, meta, REPREPARE, needed=True, mean_file=mean_file)
    if recorded is None:
        return False
    if raw != meta_text(meta).encode():
        raise DatasetError(f"{path}: its content is as prepared, but not its layout (saved again by an editor or a "
                           f"script?): its bytes are the dataset's fingerprint, which each run records; {REPREPARE}, "
                           f"which writes it as it was")
    return True
