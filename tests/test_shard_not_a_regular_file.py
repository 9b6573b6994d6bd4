"""A shard's name that holds a named pipe, or a symbolic link to a device, is said as what it is, at the check at the
start: a named pipe was a "missing shard: deleted or moved since the dataset was prepared", a link to /dev/zero one
"which leads to no file". Neither is opened (a pipe's open would wait for a writer, /dev/zero's hashing forever)."""

import os
import shutil

import pytest

from minitransfer.data import dataset
from minitransfer.data.schema import DatasetError


def _shard_replaced(micro_data, tmp_path, make):
    folder = tmp_path / "data"
    shutil.copytree(micro_data, folder)
    shard = folder / dataset.open_dataset(folder).shards("train")[0]["file"]
    shard.unlink()
    make(shard)
    return shard


def test_named_pipe_in_a_shard_place_is_said_as_one(micro_data, tmp_path):
    shard = _shard_replaced(micro_data, tmp_path, os.mkfifo)
    with pytest.raises(DatasetError) as raised:
        dataset.open_dataset(shard.parent)
    assert str(raised.value).startswith(f"{shard}: not a regular file (a named pipe")
    assert "missing" not in str(raised.value)


def test_link_to_a_device_in_a_shard_place_is_said_as_leading_to_one(micro_data, tmp_path):
    shard = _shard_replaced(micro_data, tmp_path, lambda path: path.symlink_to("/dev/zero"))
    with pytest.raises(DatasetError) as raised:
        dataset.open_dataset(shard.parent)
    assert str(raised.value).startswith(f"{shard}: a symbolic link to /dev/zero, which leads to a folder, a pipe or "
                                        f"a device")


def test_link_leading_nowhere_is_still_said_so(micro_data, tmp_path):
    shard = _shard_replaced(micro_data, tmp_path, lambda path: path.symlink_to(tmp_path / "gone.h5"))
    with pytest.raises(DatasetError, match="which leads to no file"):
        dataset.open_dataset(shard.parent)
