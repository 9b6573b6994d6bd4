"""A shard replaced between the check at a run's start and the reading of its labels (a training checks
every shard, then makes its split of the labels): the labels come from the file checked or the run stops
naming the shard. They were read from whatever file then had the name, and a half made of them kept or
dropped images by labels nobody checked: a shard whose images it then never read was not seen replaced."""

import os
import re
import shutil

import h5py
import numpy as np
import pytest

from minitransfer.data import dataset, splits
from minitransfer.data.dataset import DatasetError


def test_labels_of_a_shard_replaced_after_the_check_are_refused_naming_it(copy, tmp_path):
    data = dataset.open_dataset(copy)
    data.check_checksums()
    shard, other = copy / "train-00001.h5", tmp_path / "other.h5"
    shutil.copyfile(shard, other)
    with h5py.File(other, "r+") as handle:  # a valid shard of the same form, its labels another class
        handle["labels"][...] = (handle["labels"][()] + 1) % data.num_classes
    os.replace(other, shard)
    with pytest.raises(DatasetError, match=re.escape(str(shard)) + r": replaced after its checksum"):
        splits.make_half(data, "random", seed=0, half="A")


def test_labels_of_shards_unchanged_since_the_check_are_those_on_disk(copy):
    data = dataset.open_dataset(copy)
    data.check_checksums()
    expected = []
    for path in data.shard_paths("train"):
        with h5py.File(path, "r") as handle:
            expected.append(handle["labels"][()])
    expected = np.concatenate(expected)
    np.testing.assert_array_equal(data.labels("train"), expected)
