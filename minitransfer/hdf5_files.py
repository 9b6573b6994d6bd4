"""Reading the HDF5 files minitransfer writes (shards, the mean image, checkpoints and weights: written
whole by :func:`minitransfer.fileio.write_hdf5`): :func:`open_hdf5`, with HDF5's file lock or without it
(where the file system has no locks, or a file's arrays carry checksums), the files' signature
(:data:`HDF5_SIGNATURE`), and their text attributes, written fixed-length (:func:`text_attribute`) and read
back as plain Python (:func:`plain_attribute`).
"""

import contextlib
import errno
import os

import h5py
import numpy as np

NO_FILE_LOCKS = (errno.ENOSYS, errno.ENOLCK, errno.EOPNOTSUPP)  # flock on NFS without lockd, Lustre without -o flock
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"  # the first 8 bytes of every HDF5 file (after a user block, if any)


@contextlib.contextmanager
def open_hdf5(path, locked=True):
    """The HDF5 file at ``path`` open for reading (``with open_hdf5(path) as f:``); ``path`` may be a
    binary file already open (read through it: the very file it is, whatever its name holds now; as
    with ``locked=False``, HDF5 takes no lock on a file read through a handle).

    ``locked=False`` (checkpoints and weights files, whose arrays carry checksums): read through a
    Python file handle, where HDF5 takes no file lock and heeds no "open for write" mark, so a file
    another process holds open for writing (h5py's "r+" in a notebook), or one a writer that died so
    left marked, reads as what it holds; h5py by path refuses both ("unable to lock file, errno =
    11", "file is already open for write") though their contents are whole. Dataset files keep the
    lock: their images are read unchecked, so one held for writing is refused, named (exit 74).

    Locked, the file is opened without HDF5's lock where the file system has no locks (flock failing
    with :data:`NO_FILE_LOCKS`; HDF5 2.0 refuses the file there, "unable to lock file, errno = 37"):
    minitransfer writes every HDF5 file whole under a temporary name and renames it
    (:func:`write_hdf5`), so no reader ever meets one half-written, and there is no lock to take
    anyway. The folder's own lock has warned about the file system (:func:`.run_lock.try_lock`)."""
    if not isinstance(path, (str, os.PathLike)):
        with h5py.File(path, "r") as handle:
            yield handle
    elif not locked:
        with open(path, "rb") as stream, h5py.File(stream, "r") as handle:
            yield handle
    else:
        with _locked_hdf5(path) as handle:
            yield handle


def _locked_hdf5(path):
    try:
        return h5py.File(path, "r")
    except OSError as error:
        if getattr(error, "errno", None) not in NO_FILE_LOCKS:
            raise
    return h5py.File(path, "r", locking=False)


def text_attribute(text):
    """``text`` as an HDF5 attribute value: fixed-length UTF-8 bytes, kept in its object's header.

    Why not h5py's default for a ``str`` (variable-length): that keeps the text in the file's global
    heap, and a byte flipped in a heap entry's header sends the HDF5 library into an endless loop
    when the attribute is read (no error, no timeout: only SIGKILL ends it). A fixed-length value
    damaged on disk is refused by its object header's checksum (HDF5 1.10 files) or read as other
    text that the reader's checks refuse. Plain h5py reads it as bytes: ``.decode()``."""
    return np.bytes_(text.encode())


def plain_attribute(value):
    """An h5py attribute value as plain Python: text (fixed- or variable-length, so files written
    before :func:`text_attribute` read as before) as ``str``, NumPy scalars as Python ones."""
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, np.generic):
        return value.item()
    return value
