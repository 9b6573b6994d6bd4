"""Why a checkpoint records no dataset is told on a file system without file locks too: the file is
opened as every checkpoint is (:func:`minitransfer.hdf5_files.open_hdf5`, without HDF5's lock there)."""

import errno
import os

import h5py

from minitransfer import evaluate


def test_why_a_checkpoint_records_no_dataset_is_told_where_hdf5_cannot_lock(tmp_path, monkeypatch):
    """Before: opened with h5py's lock, refused there ("unable to lock file, errno = 37"), and said to
    have "no field data" in a config attribute it does not have."""
    path = tmp_path / "net.h5"
    h5py.File(path, "w").close()  # no config attribute
    opened = h5py.File

    def without_locks(name, mode="r", *args, locking=None, **kwargs):
        if locking is not False and isinstance(name, (str, os.PathLike)):  # a file object: HDF5 takes no lock
            raise OSError(errno.ENOLCK, "unable to lock file, errno = 37")
        return opened(name, mode, *args, locking=locking, **kwargs)

    monkeypatch.setattr(h5py, "File", without_locks)
    assert evaluate._no_dataset(path) == "attribute config is missing"
