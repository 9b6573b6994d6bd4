"""A name where a regular file is wanted that holds a named pipe or a device was worded three ways: a file the import
skips "not a regular file but a FIFO (named pipe)", a shard or mean image meta.json lists, at the check at the start
and by a reader, "not a regular file (a named pipe, a socket or a device)", not saying which. One wording now
(``path_kinds.not_a_regular_file``), saying which."""

import os
import pathlib
import shutil

import pytest

from minitransfer.data import dataset, decode
from minitransfer.data.image_reader import not_a_shard_file
from minitransfer.data.schema import DatasetError

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/null"),
                                reason="needs named pipes and /dev/null")


def test_a_skipped_file_says_which_kind(tmp_path):
    pipe, device = tmp_path / "pipe.jpg", tmp_path / "null.jpg"
    os.mkfifo(pipe)
    device.symlink_to("/dev/null")
    assert decode.load_item(decode.ImportItem(path=str(pipe)), 8)[1] == "not a regular file but a named pipe"
    assert decode.load_item(decode.ImportItem(path=str(device)), 8)[1] == "not a regular file but a character device"


def test_a_shard_and_the_mean_image_say_it_as_a_skipped_file_does(micro_data, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(micro_data, folder)
    shard = folder / dataset.open_dataset(folder).shards("train")[0]["file"]
    for path in (shard, folder / "mean.h5"):
        path.unlink()
        os.mkfifo(path)
    with pytest.raises(DatasetError) as at_start:
        dataset.open_dataset(folder)
    assert str(at_start.value) == f"{shard}: {not_a_shard_file(shard)}"
    assert not_a_shard_file(shard).startswith("not a regular file but a named pipe, where meta.json lists a shard: ")
    (folder / "mean.h5").unlink()
    shutil.copy(pathlib.Path(micro_data) / "mean.h5", folder / "mean.h5")
    shard.unlink()
    shutil.copy(pathlib.Path(micro_data) / shard.name, shard)
    data = dataset.open_dataset(folder)
    (folder / "mean.h5").unlink()
    os.mkfifo(folder / "mean.h5")
    with pytest.raises(DatasetError) as checked:
        data.check_checksums()
    assert str(checked.value).startswith(f"{folder / 'mean.h5'}: not a regular file but a named pipe, where "
                                         f"meta.json expects the mean image"), checked.value
