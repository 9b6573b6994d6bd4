"""A dataset opened again in one process (each base of a grid resolves its own plan: 60 bases on
ImageNet's ~1300 shards opened each shard 120 times before anything ran) checks and reads only the
shards changed since; a shard changed since is still caught (:mod:`minitransfer.data.dataset`)."""

import os

import h5py
import numpy as np
import pytest

from minitransfer import config, hdf5_files
from minitransfer.data import dataset as datasets
from minitransfer.data import shard_format, splits

SEEDS = (0, 3, 7, 11, 12, 40)


@pytest.fixture
def opens(calls_by_file):
    """{file name: times HDF5 opened it} from here on."""
    return calls_by_file(hdf5_files, "open_hdf5")



def _shards(folder):
    return sorted(path.name for path in folder.iterdir() if shard_format.SHARD_NAME.fullmatch(path.name))


@pytest.mark.parametrize("bases", [1, len(SEEDS)], ids=["one-base", "six-bases"])
def test_bases_of_other_seeds_open_each_shard_a_bounded_number_of_times(settled, opens, bases):
    for seed in SEEDS[:bases]:
        for half in "AB":
            config.resolve(config.TrainConfig(data=str(settled), split_seed=seed, half=half, device="cpu",
                                              max_iter=2), checksums=False)
    shards = _shards(settled)
    assert set(opens) >= set(shards)
    assert max(opens[name] for name in shards) <= 2  # its /images checked once, its /labels read once


def _labels_by_h5py(folder, subset):
    """The labels of ``subset`` read with plain h5py, shard by shard in meta.json's order: the oracle."""
    parts = []
    for shard in datasets.read_meta(folder / shard_format.META_FILE)[1]["subsets"][subset]["shards"]:
        with h5py.File(folder / shard["file"], "r") as handle:
            parts.append(handle["labels"][()])
    return np.concatenate(parts)


def test_a_half_of_a_dataset_opened_again_is_the_half_of_its_labels(settled):
    first = splits.make_half(datasets.open_dataset(settled), "random", seed=5, half="B")
    again = splits.make_half(datasets.open_dataset(settled), "random", seed=5, half="B", per_class=3,
                             per_class_seed=9)
    half_b = splits.random_halves(6, 5)[1]
    for subset in ("train", "val"):
        np.testing.assert_array_equal(getattr(first, f"{subset}_indices"),
                                      np.flatnonzero(np.isin(_labels_by_h5py(settled, subset), half_b)))
    train = _labels_by_h5py(settled, "train")
    assert np.bincount(train[again.train_indices]).max() == 3 and set(again.train_indices) <= set(first.train_indices)
    np.testing.assert_array_equal(again.val_indices, first.val_indices)


def _replace_shard(folder, name, labels=None, chunked=False):
    """Write shard ``name`` of ``folder`` anew (a new file renamed over it): its labels ``labels``, or /images
    chunked."""
    path = folder / name
    with h5py.File(path, "r") as handle:
        images, old = handle["images"][()], handle["labels"][()]
    labels = old if labels is None else labels
    temporary = folder / f".{name}.new"
    with h5py.File(temporary, "w") as handle:
        handle.create_dataset("images", data=images, chunks=(1, *images.shape[1:]) if chunked else None)
        handle.create_dataset("labels", data=np.asarray(labels, np.int32))
    os.replace(temporary, path)


def test_a_shard_replaced_after_an_open_is_caught_by_the_next(settled):
    datasets.open_dataset(settled).labels("train")
    name = _shards(settled)[0]
    _replace_shard(settled, name, chunked=True)
    with pytest.raises(datasets.DatasetError, match=f"{name}: /images must be contiguous"):
        datasets.open_dataset(settled)


def test_labels_rewritten_after_an_open_are_read_again(settled):
    datasets.open_dataset(settled).labels("train")
    name = _shards(settled)[0]
    with h5py.File(settled / name, "r") as handle:
        count = len(handle["labels"])
    _replace_shard(settled, name, labels=np.full(count, 99))
    with pytest.raises(datasets.DatasetError, match=f"{name}: image 0 has label 99, outside the class table"):
        datasets.open_dataset(settled).labels("train")


def test_a_shard_written_in_place_with_its_times_set_back_is_read_again(settled):
    """A write keeps the inode, and the modification time can be set back; the change time cannot."""
    dataset = datasets.open_dataset(settled)
    name = _shards(settled)[0]
    path = settled / name
    before = os.stat(path)
    fresh = dataset.labels("train")
    with h5py.File(path, "r+") as handle:
        handle["labels"][0] = 77
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size and fresh[0] != 77
    with pytest.raises(datasets.DatasetError, match=f"{name}: image 0 has label 77"):
        datasets.open_dataset(settled).labels("train")


def test_verify_reads_the_labels_again(settled, opens):
    dataset = datasets.open_dataset(settled)
    dataset.labels("train")
    opens.clear()
    dataset.verify()
    assert all(opens[name] >= 2 for name in _shards(settled))  # /images parsed and /labels read, each anew


def test_files_just_written_are_checked_at_every_open(copy, opens):
    """Two writes in one clock tick may leave a file's times as they were: a file changed less than
    integrity.UNSETTLED_NS ago is trusted to no earlier check."""
    for _ in range(3):
        datasets.open_dataset(copy).labels("train")
    assert min(opens[name] for name in _shards(copy)) >= 3
