"""ImageReader.read looked up (and LRU-moved) its shard's open file for every image of a batch and read each with a
seek then a read: half of a batch's reading of the built-in set's small images went to those calls. Each shard is
now opened once per batch and each image read in one call; the images must stay the shards' own, byte for byte."""

import h5py
import numpy as np
import pytest

from minitransfer.data import dataset, image_reader, synthetic


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    out = tmp_path_factory.mktemp("sharded") / "synthetic-4"
    synthetic.build_synthetic(out, classes=4, train_per_class=10, val_per_class=2, size=10, seed=4, shard_length=7)
    return out


def _stored(data, subset, indices):
    """Oracle: the images ``indices`` of ``subset`` as h5py reads each shard's /images."""
    images = []
    for shard in data.shards(subset):
        with h5py.File(data.path / shard["file"], "r") as handle:
            images.append(handle["images"][...])
    every = np.concatenate(images)
    return every[np.asarray(indices)]


@pytest.mark.parametrize("preadv", [True, False], ids=["preadv", "seek-and-read"])
def test_a_batch_reads_each_shard_opened_once_and_the_images_as_stored(sharded, monkeypatch, preadv):
    if not preadv:  # a system without os.preadv
        monkeypatch.setattr(image_reader, "_PREADV", None)
    data = dataset.open_dataset(sharded)
    data.check_checksums("train")
    reader = image_reader.ImageReader(data, "train")
    opened, real = [], reader._open
    monkeypatch.setattr(reader, "_open", lambda number: opened.append(number) or real(number))
    indices = np.random.default_rng(2).permutation(40)[:25]
    indices[3] = indices[4]  # an image twice in one batch
    images = reader.read(indices)
    assert np.array_equal(images, _stored(data, "train", indices))
    shards = np.searchsorted([shard["first_index"] for shard in data.shards("train")], indices, side="right") - 1
    assert opened == sorted(set(shards.tolist())), opened  # each shard of the batch once, in order
    out = np.zeros((30, 10, 10, 3), np.uint8)
    reader.read(indices[::-1], out=out[2:27])
    assert np.array_equal(out[2:27], _stored(data, "train", indices[::-1])) and not out[:2].any() and \
        not out[27:].any()
    reader.close()
