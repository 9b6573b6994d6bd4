"""The whole dataset folder changed under a run, found when the run starts reading a subset it had not
checked yet (its first evaluation, maybe hours in): the folder moved or deleted, or the dataset prepared
again in a new folder renamed to its name (no lock held there: the run holds the old folder's). The error
says so, naming the folder or its meta.json, not only one shard "missing" or "corrupt", which sent the
user to repair a shard that nothing had damaged."""

import os
import re
import shutil

import pytest

from minitransfer.data import dataset, loader, splits, synthetic
from minitransfer.data.dataset import DatasetError


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
