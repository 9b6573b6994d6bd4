"""A shard touched (the same bytes, a new stat) while a run trains on it was hashed twice: by its reader
(ImageReader, which holds the open file to its stat) and again by the run's next checkpoint check
(Dataset.check_unchanged); either now takes the other's verdict, kept by the file's stat. A shard written to under
a stat found intact before is still refused by both (test_data_changed_mid_run, test_data_touched_mid_run)."""

import os
import shutil

import pytest

from minitransfer import fileio
from minitransfer import train as training
from minitransfer.data import dataset, integrity
from minitransfer.data.image_reader import ImageReader

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 100, "checkpoint_every": 2, "quiet": True, "device": "cpu",
        "split": "all", "workers": 0}


@pytest.fixture
def hashed(monkeypatch):
    """The names of the files hashed, by path or open file, in this process."""
    names, stream = [], fileio.sha256_stream

    def counted(handle, *args, **kwargs):
        names.append(os.path.basename(handle.name))
        return stream(handle, *args, **kwargs)

    monkeypatch.setattr(fileio, "sha256_stream", counted)
    return names


def test_a_shard_touched_mid_run_is_hashed_once(micro_data, tmp_path, hashed):
    data = tmp_path / "data"
    shutil.copytree(micro_data, data)
    shards = sorted(path.name for path in data.glob("train-*.h5"))

    def touching_at_1(iteration):
        if iteration == 1:
            hashed.clear()  # the check at the start hashed every file
            for name in shards:
                os.utime(data / name, ns=(1, 1))

    config = training.TrainConfig(out=str(tmp_path / "net.h5"), data=str(data), **FAST)
    training.train(config, on_iteration=touching_at_1)
    # Oracle: each touched shard read since (all of them, every batch) and checked at the checkpoint of iteration 2
    assert sorted(name for name in hashed if name.startswith("train-")) == shards, hashed


def _read_once(tmp_path, micro_data):
    """The dataset ``micro_data`` copied, opened and checked, and a reader of its training images that read one."""
    path = tmp_path / "data"
    shutil.copytree(micro_data, path)
    data = dataset.open_dataset(path)
    data.check_checksums("train")
    reader = ImageReader(data, "train")
    reader.read([0])
    return data, reader


def _touched_after_a_read(tmp_path, micro_data):
    """:func:`_read_once`, its first shard then touched."""
    data, reader = _read_once(tmp_path, micro_data)
    os.utime(data.shard_paths("train")[0], ns=(1, 1))
    return data, reader


@pytest.mark.parametrize("first", ["reader", "checkpoint"])
def test_a_shard_written_to_is_refused_by_both_whichever_looks_first(micro_data, tmp_path, hashed, first):
    data, reader = _read_once(tmp_path, micro_data)
    shard = data.shard_paths("train")[0]
    with open(shard, "r+b") as stream:  # one byte of the last image flipped in place
        stream.seek(-1, os.SEEK_END)
        last = stream.read(1)
        stream.seek(-1, os.SEEK_END)
        stream.write(bytes([last[0] ^ 1]))
    looks = [lambda: reader.read([0]), data.check_unchanged]
    for look in looks if first == "reader" else looks[::-1]:
        with pytest.raises(dataset.DatasetError, match="train-00000.h5: written to"):
            look()
    assert not any(key[0] == os.stat(shard).st_dev and key[1] == os.stat(shard).st_ino
                   and key[4] == os.stat(shard).st_ctime_ns for key in integrity._intact_files)


@pytest.mark.parametrize("first", ["reader", "checkpoint"])
def test_either_check_takes_the_verdict_of_the_other(micro_data, tmp_path, hashed, first):
    data, reader = _touched_after_a_read(tmp_path, micro_data)
    hashed.clear()
    looks = [lambda: reader.read([0]), data.check_unchanged]
    for look in looks if first == "reader" else looks[::-1]:
        look()
    assert hashed == ["train-00000.h5"]


def test_a_reader_in_another_process_records_its_verdict_for_the_run(micro_data, tmp_path, hashed, monkeypatch):
    """A loader worker's reader hashes in its own process: its verdict reaches the run's through the record of
    intact files, once the change is settled (here at once)."""
    monkeypatch.setattr(integrity, "UNSETTLED_NS", 0)
    data, reader = _touched_after_a_read(tmp_path, micro_data)
    hashed.clear()
    reader.read([0])
    monkeypatch.setattr(integrity, "_intact_files", set())  # what another process knows: only the record
    data.check_unchanged()
    assert hashed == ["train-00000.h5"]
