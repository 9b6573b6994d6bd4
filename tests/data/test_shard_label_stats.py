"""Reading a shard's labels stats the shard once before the read (held to its check, and the key its labels are
remembered by) and once after (still the file checked, unchanged while read): it stat'ed it four times, the
check and the key each taking their own (:func:`minitransfer.data.read_once.read_once`)."""

import os
import re

import pytest

from minitransfer.data import dataset
from minitransfer.data.dataset import DatasetError


@pytest.fixture
def stats(calls_by_file):
    """{file name: times os.stat was called on it} from when it is cleared."""
    return calls_by_file(os, "stat")



def _checked(folder):
    data = dataset.open_dataset(folder)
    data.check_checksums("train")
    return data


def _train_shards(data):
    return [path.name for path in data.shard_paths("train")]


@pytest.mark.parametrize("checksums", [True, False], ids=["checked", "unchecked"])
def test_labels_read_stat_each_shard_twice_and_once_when_read_before(settled, stats, checksums):
    data = _checked(settled) if checksums else dataset.open_dataset(settled)
    stats.clear()
    data.labels("train")
    assert {name: stats[name] for name in _train_shards(data)} == {name: 2 for name in _train_shards(data)}
    again = _checked(settled) if checksums else dataset.open_dataset(settled)
    stats.clear()
    again.labels("train")  # as read before: the one stat that finds the file as it was
    assert {name: stats[name] for name in _train_shards(data)} == {name: 1 for name in _train_shards(data)}


def test_a_shard_replaced_while_its_labels_are_read_is_refused_naming_it(settled, monkeypatch, tmp_path):
    data = _checked(settled)
    shard = data.shard_paths("train")[0]
    real = dataset.read_checked

    def replaced_meanwhile(path, *args, **kwargs):
        result = real(path, *args, **kwargs)
        if path == shard:
            os.replace(_copy_of(shard, tmp_path), shard)
        return result

    monkeypatch.setattr(dataset, "read_checked", replaced_meanwhile)
    with pytest.raises(DatasetError, match=re.escape(str(shard)) + r": replaced after its checksum"):
        data.labels("train")


def _copy_of(path, folder):
    copy = folder / "other.h5"
    copy.write_bytes(path.read_bytes())
    return copy
