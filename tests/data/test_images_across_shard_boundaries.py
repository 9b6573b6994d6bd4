"""Images read at and across the boundaries between shards are the images the shards hold: the oracle is plain
h5py reading each shard's ``/images`` and ``/labels`` in meta.json's shard order (never the dataset's own reader,
which :meth:`~minitransfer.data.dataset.Dataset.images` and the loader share). The first image of a shard, the last
of the one before it, and an evaluation batch that spans two shards each come from the right file and place,
with their labels."""

import h5py
import numpy as np
import pytest

from minitransfer.data import dataset, loader


def _by_h5py(data, subset):
    images, labels = [], []
    for path in data.shard_paths(subset):
        with h5py.File(path, "r") as shard:
            images.append(shard["images"][...])
            labels.append(shard["labels"][...])
    return np.concatenate(images), np.concatenate(labels)


@pytest.fixture
def data(tiny_synthetic):
    return dataset.open_dataset(tiny_synthetic)


def test_every_image_in_any_order_is_the_one_its_shard_holds(data):
    images, labels = _by_h5py(data, "train")
    starts = [shard["first_index"] for shard in data.shards("train")]
    assert len(starts) >= 3 and len(images) == data.num_images("train")  # the control: boundaries to cross
    assert len({image.tobytes() for image in images}) == len(images)  # every image distinct: a wrong one shows
    boundaries = [index for start in starts[1:] for index in (start - 1, start)]
    np.testing.assert_array_equal(data.images("train", boundaries), images[boundaries])
    order = np.random.default_rng(3).permutation(len(images))
    np.testing.assert_array_equal(data.images("train", order), images[order])
    np.testing.assert_array_equal(data.labels("train"), labels)


@pytest.mark.parametrize("batch_size", [7, 30, 1000])
def test_evaluation_batches_across_shards_keep_each_image_with_its_label(data, batch_size):
    images, labels = _by_h5py(data, "train")
    indices = np.arange(len(images))
    batches = loader.BatchLoader(data, "train", indices, labels, batch_size, 12, train=False)
    got_images, got_labels = [], []
    with batches:
        for _ in range(batches.num_batches):
            batch_images, batch_labels = batches.next_raw()
            got_images.append(batch_images.copy())
            got_labels.append(batch_labels.copy())
    np.testing.assert_array_equal(np.concatenate(got_images), images)
    np.testing.assert_array_equal(np.concatenate(got_labels), labels)
