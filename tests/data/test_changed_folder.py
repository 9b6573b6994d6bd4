"""The whole dataset folder changed under a run, found when the run starts reading a subset it had not
checked yet (its first evaluation, maybe hours in): the folder moved or deleted, or the dataset prepared
again in a new folder renamed to its name (no lock held there: the run holds the old folder's). The error
says so, naming the folder or its meta.json, not only one shard "missing" or "corrupt", which sent the
user to repair a shard that nothing had damaged."""

import errno
import os
import pathlib
import re
import shutil

import pytest

from minitransfer.data import dataset, loader, splits, synthetic
from minitransfer.data.dataset import DatasetError
from minitransfer.data.schema import DatasetUnreadable


def _opened_as_a_training_does(path):
    """The dataset at ``path`` and its half, after the checks a training makes at its start (its train
    shards; the val shards are checked when its first evaluation starts)."""
    data = dataset.open_dataset(path)
    data.check_checksums("train")
    return data, splits.make_half(data, "all")


def _val_loader(data, half):
    return loader.BatchLoader(data, "val", half.val_indices, half.val_labels, 10, 12, train=False)


def test_a_dataset_prepared_again_in_the_folder_a_run_opened_is_said_to_be_so(copy, tmp_path):
    data, half = _opened_as_a_training_does(copy)
    again = tmp_path / "again"
    synthetic.build_synthetic(again, classes=6, train_per_class=12, val_per_class=4, size=16, seed=6,
                              shard_length=30)
    shutil.rmtree(copy)
    os.rename(again, copy)
    with pytest.raises(DatasetError, match=re.escape(str(copy / "meta.json")) + ": the dataset was prepared again"):
        _val_loader(data, half)


def test_a_dataset_folder_moved_after_a_run_opened_it_is_said_to_be_so(copy, tmp_path):
    data, half = _opened_as_a_training_does(copy)
    os.rename(copy, tmp_path / "moved")
    with pytest.raises(DatasetError, match=re.escape(str(copy)) + ": the dataset folder was moved or deleted"):
        _val_loader(data, half)


def test_a_shard_missing_from_a_folder_otherwise_unchanged_is_named_alone(copy):
    data, half = _opened_as_a_training_does(copy)
    (copy / "val-00000.h5").unlink()
    with pytest.raises(DatasetError, match=re.escape(str(copy / "val-00000.h5")) + ": missing shard"):
        _val_loader(data, half)


def test_a_dataset_folder_moved_before_a_run_reads_it_is_said_to_be_so_not_prepared_again(copy, tmp_path):
    """Moved between the checks a training makes at its start and its reading under the folder's lock (or
    its meta.json removed): it was "the dataset was prepared again after this process opened it"."""
    data, _ = _opened_as_a_training_does(copy)
    os.rename(copy, tmp_path / "moved")
    with pytest.raises(DatasetError, match=re.escape(f"{copy}: the dataset folder was moved or deleted after this "
                                                     f"process opened it, or its meta.json removed")):
        with data.reading():
            pass


def test_a_meta_json_the_system_refuses_to_read_when_a_run_reads_it_is_an_io_error_not_prepared_again(copy,
                                                                                                    monkeypatch):
    """A disk's or network file system's error (EIO) reading meta.json again as the run takes the folder's lock:
    it was "prepared again" (bad data, rerun), where it is the system's refusal (exit code 74), as for a shard."""
    data, _ = _opened_as_a_training_does(copy)
    read_bytes = pathlib.Path.read_bytes

    def refusing(path):
        if path == copy / "meta.json":
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(path))
        return read_bytes(path)

    monkeypatch.setattr(pathlib.Path, "read_bytes", refusing)
    with pytest.raises(DatasetUnreadable, match=re.escape(f"{copy / 'meta.json'}: the meta file could not be read "
                                                          f"(Input/output error): a fault of the disk")):
        with data.reading():
            pass
