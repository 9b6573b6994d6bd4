"""A rerun of `prepare synthetic` with the options it was prepared with checks the shards without generating the
images (session 65), but read every image of the dataset into memory first to check them: a 20 GB synthetic set
asked for 20 GB. Now they are read a shard at a time, as each shard's check asks: what is held at once is about
a shard's images, whatever the dataset's size. Measured with tracemalloc (numpy's and h5py's arrays are traced);
what the check finds is unchanged (tests/data/test_synth65_rerun.py)."""

import tracemalloc

import h5py

from minitransfer.data import synthetic

SIZE, SHARD = 32, 50
IMAGE = SIZE * SIZE * 3


def _options(train_per_class):
    return {"classes": 4, "train_per_class": train_per_class, "val_per_class": 25, "size": SIZE, "seed": 2,
            "shard_length": SHARD}


def _rerun_peak(out, options, tree_state):
    """The most memory traced while a rerun with ``options`` checks the dataset ``out`` they prepared."""
    synthetic.build_synthetic(out, **options)
    before = tree_state(out)
    tracemalloc.start()
    try:
        built = synthetic.build_synthetic(out, **options)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert built.num_images("train") == 4 * options["train_per_class"] and tree_state(out) == before  # nothing written
    return peak


def test_a_rerun_that_finds_the_dataset_prepared_holds_about_a_shard_not_the_dataset(tmp_path, tree_state):
    """Eight times the training images (1.8 MB more) take no more memory to check than a few shards (154 kB each):
    the check's other costs (a file hashed in 4 MiB reads) are the same for both."""
    small = _rerun_peak(tmp_path / "small", _options(50), tree_state)
    large = _rerun_peak(tmp_path / "large", _options(400), tree_state)
    more_images = 4 * (400 - 50) * IMAGE
    assert large - small < min(more_images / 4, 3 * SHARD * IMAGE), (small, large, more_images)


def test_a_rerun_finds_a_shard_changed_since_and_rebuilds_it(tmp_path):
    """The shards read as the check goes are still judged as before: one whose images were altered (its sha256 no
    longer meta.json's) is rebuilt from the generated images."""
    out = tmp_path / "synthetic"
    first = synthetic.build_synthetic(out, **_options(150))
    with h5py.File(out / first.shards("train")[5]["file"], "r+") as handle:
        handle["images"][3] = 255 - handle["images"][3]
    synthetic.build_synthetic(out, **_options(150)).verify()  # DatasetError where a shard is damaged
