"""The synthetic set: deterministic, fast, two families, and a cached built-in copy."""

import time

import numpy as np
import pytest

from minitransfer.data import dataset, synthetic


def test_same_parameters_give_the_same_bytes():
    first, labels = synthetic.generate(classes=4, per_class=6, size=20, seed=3)
    again, _ = synthetic.generate(classes=4, per_class=6, size=20, seed=3)
    other, _ = synthetic.generate(classes=4, per_class=6, size=20, seed=4)
    val, _ = synthetic.generate(classes=4, per_class=6, size=20, seed=3, subset="val")
    assert first.shape == (24, 20, 20, 3) and first.dtype == np.uint8
    assert labels.tolist() == np.repeat(np.arange(4), 6).tolist()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other) and not np.array_equal(first, val)


def test_images_vary_and_use_the_range():
    images, _ = synthetic.generate(classes=2, per_class=20, size=24, seed=0)
    assert images.std() > 20 and images.min() < 40 and images.max() > 215
    assert len({image.tobytes() for image in images}) == 40


def test_families_alternate_and_are_balanced():
    table = synthetic.class_table(20)
    assert [entry["index"] for entry in table] == list(range(20))
    assert [entry["family"] for entry in table[:4]] == ["man-made", "natural", "man-made", "natural"]
    assert sum(entry["family"] == "natural" for entry in table) == 10
    assert len({entry["name"] for entry in table}) == 20


@pytest.mark.parametrize("classes", [0, 3, 22])
def test_bad_class_count_is_refused(classes):
    with pytest.raises(ValueError, match="synthetic"):
        synthetic.class_table(classes)


def test_man_made_shapes_have_sharper_edges_than_natural_ones():
    """The families differ in low-level statistics the way the module says (hard vs soft edges)."""
    images, labels = synthetic.generate(classes=20, per_class=30, size=36, seed=0)
    gray = images.astype(np.float64).mean(axis=3)
    gradient = np.abs(np.diff(gray, axis=2))
    sharp = (gradient > 60).mean(axis=(1, 2))
    man_made, natural = sharp[labels % 2 == 0].mean(), sharp[labels % 2 == 1].mean()
    assert man_made > 1.5 * natural


def test_builtin_dataset_is_built_once_quickly(tmp_path):
    start = time.perf_counter()
    path = synthetic.builtin_dataset(tmp_path)
    assert time.perf_counter() - start < 10
    data = dataset.open_dataset(path)
    assert data.num_classes == 20 and data.image_size == (36, 36)
    assert (data.num_images("train"), data.num_images("val")) == (6000, 1000)
    stamp = (path / "meta.json").stat().st_mtime_ns
    assert synthetic.builtin_dataset(tmp_path) == path
    assert (path / "meta.json").stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_cache_location_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MINITRANSFER_CACHE", str(tmp_path / "cache"))
    assert synthetic.cache_dir() == tmp_path / "cache"
