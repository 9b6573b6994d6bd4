"""A shard that changes between the check at the start and the reader's first open of it is said as the check at
the start says it, or as the reader says it once reading: a shard cut short is "truncated" (not "replaced or
written to"), a folder in its place is "a folder where meta.json lists a shard file" (not "unreadable shard
([Errno 21] Is a directory ...)")."""

import os

import pytest

from minitransfer.data import dataset, image_reader
from minitransfer.data.schema import REPREPARE


def _checked_reader(tiny_synthetic, copy_dataset, tmp_path):
    """A copy of the dataset, its train shards' checksums checked as train's start does, and a reader of them
    that has opened no shard yet."""
    data = dataset.open_dataset(copy_dataset(tiny_synthetic, tmp_path / "copy"))
    data.check_checksums("train")
    return data, image_reader.ImageReader(data, "train")


def test_a_shard_cut_short_before_its_first_open_is_said_truncated(tiny_synthetic, copy_dataset, tmp_path):
    data, reader = _checked_reader(tiny_synthetic, copy_dataset, tmp_path)
    shard = data.shard_paths("train")[0]
    size = shard.stat().st_size
    os.truncate(shard, size // 2)
    with pytest.raises(dataset.DatasetError) as raised:
        reader.read([0])
    assert str(raised.value) == (f"{shard}: truncated after the check at the start ({size} bytes when its checksum "
                                 f"was checked, now {size // 2}); {REPREPARE}")


def test_a_folder_put_in_a_shards_place_before_its_first_open_is_said_as_the_check_at_the_start_says_it(
        tiny_synthetic, copy_dataset, tmp_path):
    data, reader = _checked_reader(tiny_synthetic, copy_dataset, tmp_path)
    shard = data.shard_paths("train")[0]
    shard.unlink()
    shard.mkdir()
    with pytest.raises(dataset.DatasetError) as at_start:
        dataset.open_dataset(data.path)
    with pytest.raises(dataset.DatasetError) as raised:
        reader.read([0])
    assert str(raised.value) == str(at_start.value)
    assert str(at_start.value) == f"{shard}: a folder where meta.json lists a shard file: {REPREPARE}"
