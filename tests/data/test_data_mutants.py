"""Small slips in the dataset format's readers and the splits (found by mutation testing) that no other test
caught. Every expectation is worked out here from DESIGN.md §5 and the paper's procedure, and every damaged
file is made with plain h5py, never through the code under test."""

import hashlib
import json

import h5py
import numpy as np
import pytest

from minitransfer.data import shard_format, splits, synthetic
from minitransfer.data.dataset import open_dataset
from minitransfer.data.loader import BatchLoader
from minitransfer.data.schema import DatasetError


def _edited_shard(dataset, file, edit):
    """Edit ``file`` of the dataset folder with plain h5py and record its new sha256 in meta.json, as a
    hand-made dataset (or a buggy importer) that checksums what it wrote would."""
    with h5py.File(dataset / file, "r+") as shard:
        edit(shard)
    meta = json.loads((dataset / "meta.json").read_text())
    for entry in [*meta["subsets"]["train"]["shards"], *meta["subsets"]["val"]["shards"], meta["mean"]]:
        if entry["file"] == file:
            entry["sha256"] = hashlib.sha256((dataset / file).read_bytes()).hexdigest()
    (dataset / "meta.json").write_text(json.dumps(meta))


@pytest.mark.parametrize("label", [6, -1])
def test_a_label_just_outside_the_class_table_is_refused(copy, label):
    """Labels index a class table of 6 entries: 0..5. A 6 is one past its end (a class the table lacks); a -1
    would count, through NumPy's negative indexing, as the last class."""
    def relabel(shard):
        shard["labels"][3] = label
    _edited_shard(copy, "train-00001.h5", relabel)
    with pytest.raises(DatasetError, match=rf"image 33 has label {label}, outside .*\(0\.\.5; 1 such labels\)"):
        open_dataset(copy).labels("train")


def test_a_mean_image_of_exactly_255_is_accepted(copy):
    """A mean of 8-bit pixels lies in 0..255, both ends included: a dataset of white images has a mean of 255."""
    def white(handle):
        handle["mean"][...] = 255.0
    _edited_shard(copy, "mean.h5", white)
    assert (open_dataset(copy).mean() == 255).all()


@pytest.mark.parametrize("subset", ["train", "val"])
def test_the_image_one_past_the_last_is_refused_not_read_from_the_bytes_after_it(tiny_synthetic, subset):
    """The tiny dataset holds 72 train and 24 val images (6 classes of 12 + 4): indices 0..71 and 0..23. The
    bytes after the last shard's last image are other arrays of the file, no image."""
    data, total = open_dataset(tiny_synthetic), {"train": 72, "val": 24}[subset]
    with h5py.File(tiny_synthetic / data.shards(subset)[-1]["file"], "r") as shard:
        last = shard["images"][-1]
    assert np.array_equal(data.images(subset, [total - 1])[0], last)
    with pytest.raises(IndexError, match=f"out of range 0..{total - 1}"):
        data.images(subset, [total])


def test_a_rerun_rebuilds_a_shard_whose_labels_changed_after_it_was_written(copy, tiny_synthetic):
    """A shard's recorded content digest covers its labels as well as its images: one label changed to another
    class (meta.json's sha256 recomputed, so nothing but the shard's contents tells it) is rebuilt by a
    rerun, not kept to train a class on another's image."""
    def relabel(shard):
        shard["labels"][0] = (shard["labels"][0] + 1) % 6
    _edited_shard(copy, "train-00001.h5", relabel)
    synthetic.build_synthetic(copy, classes=6, train_per_class=12, val_per_class=4, size=16, seed=5, shard_length=30)
    for name in ("meta.json", "train-00001.h5"):
        assert (copy / name).read_bytes() == (tiny_synthetic / name).read_bytes(), name


def test_images_stored_as_16_bit_are_refused_not_read_as_bytes(copy):
    """/images is uint8 (DESIGN.md §5) and read at its file offset, one byte a channel: the same shape stored
    as uint16 (another program's shard, checksummed) would feed the network each pixel's two bytes as two."""
    def sixteen_bit(shard):
        images = shard["images"][()]
        del shard["images"]
        shard.create_dataset("images", data=images.astype(np.uint16))
    _edited_shard(copy, "train-00000.h5", sixteen_bit)
    with pytest.raises(DatasetError, match=r"train-00000\.h5: /images is uint16 \(30, 16, 16, 3\), expected uint8"):
        open_dataset(copy).images("train", [0])


def test_a_shard_is_not_written_with_fewer_labels_than_images(tmp_path):
    images = np.zeros((3, 4, 4, 3), np.uint8)
    with pytest.raises(ValueError, match=r"labels \(N,\), got \(3, 4, 4, 3\) and \(2,\)"):
        shard_format.write_shard(tmp_path / "train-00000.h5", images, [0, 1], "train", 0, "plan")
    assert list(tmp_path.iterdir()) == []


def test_a_class_with_exactly_per_class_images_is_not_said_short(tiny_synthetic):
    """Each class of the tiny dataset has 12 training images: per_class 12 leaves none short, 13 all six."""
    data = open_dataset(tiny_synthetic)
    assert splits.make_half(data, "all", per_class=12).short_classes == []
    assert [count for _, count in splits.make_half(data, "all", per_class=13).short_classes] == [12] * 6


def test_a_cursor_of_other_images_of_the_same_count_is_refused(tiny_synthetic):
    """Random halves are of one size: a resume handed half A's cursor while loading half B (same seed, batch
    size and count) would continue a stream over other images; the cursor names its images by their digest."""
    first, second = np.arange(36), np.arange(36, 72)
    labels = np.zeros(36, np.int32)
    with BatchLoader(tiny_synthetic, "train", first, labels, 8, 12, train=True, seed=3) as loader:
        next(loader)
        cursor = loader.cursor
    with BatchLoader(tiny_synthetic, "train", first, labels, 8, 12, train=True, seed=3, cursor=cursor) as same:
        assert same.batch == 1
    with pytest.raises(ValueError, match="cursor belongs to another stream"):
        BatchLoader(tiny_synthetic, "train", second, labels, 8, 12, train=True, seed=3, cursor=cursor)


def test_the_mean_image_is_the_mean_of_the_training_images_alone(tiny_synthetic):
    """mean.h5 is the per-pixel mean of the 72 training images (DESIGN.md §5), computed here from the shards
    with plain h5py in float64; the val images take no part in it."""
    meta = json.loads((tiny_synthetic / "meta.json").read_text())
    images = []
    for shard in meta["subsets"]["train"]["shards"]:
        with h5py.File(tiny_synthetic / shard["file"], "r") as handle:
            images.append(handle["images"][()])
    images = np.concatenate(images).astype(np.float64)
    assert images.shape == (72, 16, 16, 3)
    np.testing.assert_allclose(open_dataset(tiny_synthetic).mean(), images.mean(axis=0), rtol=1e-6, atol=1e-4)


def test_every_image_asked_for_is_in_the_shards_and_each_shard_full_but_the_last(tiny_synthetic):
    """6 classes of 12 train and 4 val images in shards of 30: train 30 + 30 + 12, val 24, every class
    complete (labels read with plain h5py); no image left out at a shard's edge."""
    meta = json.loads((tiny_synthetic / "meta.json").read_text())
    for subset, per_class, lengths in (("train", 12, [30, 30, 12]), ("val", 4, [24])):
        labels = []
        for shard in meta["subsets"][subset]["shards"]:
            with h5py.File(tiny_synthetic / shard["file"], "r") as handle:
                labels.append(handle["labels"][()])
        assert [len(part) for part in labels] == lengths, subset
        assert np.bincount(np.concatenate(labels), minlength=6).tolist() == [per_class] * 6, subset


def test_a_shard_found_intact_before_is_checked_again_against_a_changed_meta_json(copy):
    """Files found intact are remembered (by their stat) so as not to hash them again, but only as intact for
    the sha256 meta.json then recorded: a meta.json that now records another (edited, or another dataset's)
    is compared anew, not passed on the memory of the old one."""
    open_dataset(copy).check_checksums("train")
    meta = json.loads((copy / "meta.json").read_text())
    meta["subsets"]["train"]["shards"][1]["sha256"] = "0" * 64
    (copy / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(DatasetError, match=r"train-00001\.h5: sha256 mismatch"):
        open_dataset(copy).check_checksums("train")
