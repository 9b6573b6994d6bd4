"""Reduced-data runs (--per-class) on a dataset whose classes hold fewer training images than some
runs asked for: a class with fewer keeps all it has, and the report says the images each run used,
not only the count it asked for (Figure S1 drew 1,000 asked for on a dataset of 500 a class at 1,000)."""

import numpy as np
import pytest
from PIL import Image

from minitransfer import experiment as grid
from minitransfer import figures_reduced
from minitransfer.data import folder as folders
from minitransfer.results import collect
from test_report import write_run

TRAIN_IMAGES = {"oak": 2, "fern": 4, "car": 6}  # per class; one validation image each


@pytest.fixture(scope="module")
def uneven_photos(tmp_path_factory):
    """A class-folder dataset whose classes hold :data:`TRAIN_IMAGES` training images."""
    root = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(5)
    for name, count in TRAIN_IMAGES.items():
        for subset, images in (("train", count), ("val", 1)):
            (root / "tree" / subset / name).mkdir(parents=True)
            for index in range(images):
                pixels = rng.integers(0, 256, (12, 12, 3)).astype(np.uint8)
                Image.fromarray(pixels).save(root / "tree" / subset / name / f"{index}.png")
    folders.import_folder(root / "tree", root / "data", size=12, workers=1)
    return root / "data"


def write_reduced_grid(out, data, counts, accuracy=0.5):
    """The base on every class and a reduced-data run for each of ``counts``, trained on ``data``."""
    for run in grid.plan_grid(random_seeds=(), per_class=counts):
        write_run(out, run, accuracy, config={"split": "all", "data": str(data), "per_class": run.per_class})
    return out


def test_a_reduced_data_run_knows_the_images_each_class_kept(uneven_photos, tmp_path):
    results = {r.run.name: r for r in collect(write_reduced_grid(tmp_path / "grid", uneven_photos, (2, 3, 10)))[0]}
    kept = {r.run.per_class: r.kept_per_class for r in results.values() if r.run.kind == "reduced"}
    oracle = {asked: [min(asked, count) for count in TRAIN_IMAGES.values()] for asked in (2, 3, 10)}
    assert kept == {asked: (min(used), pytest.approx(np.mean(used)), max(used)) for asked, used in oracle.items()}
    assert [r.kept_per_class for r in results.values() if r.run.kind == "base"] == [()]  # not a reduced-data run


def test_figure_s1_says_the_images_used_where_a_run_asked_for_more(uneven_photos, tmp_path):
    Figure = pytest.importorskip("matplotlib.figure").Figure
    results = collect(write_reduced_grid(tmp_path / "grid", uneven_photos, (2, 3, 10)))[0]
    for axes in figures_reduced.figure_s1(Figure, results).axes:
        notes = sorted(text.get_text() for text in axes.texts)
        assert notes == ["10 asked for:\nused 4 on average (2 to 6)", "3 asked for:\nused 3 on average (2 to 3)"]
        assert "asked for per class (--per-class" in axes.get_xlabel()
        assert "kept all it had: the images used are written at the point" in axes.get_xlabel()


def test_figure_s1_of_runs_whose_dataset_cannot_be_read_says_the_counts_are_asked_for(uneven_photos, tmp_path):
    """The dataset moved away since: the counts asked for, and the axis says a class may have had fewer."""
    Figure = pytest.importorskip("matplotlib.figure").Figure
    results = collect(write_reduced_grid(tmp_path / "grid", tmp_path / "moved", (2, 10)))[0]
    assert {r.kept_per_class for r in results} == {()}
    for axes in figures_reduced.figure_s1(Figure, results).axes:
        assert not axes.texts
        assert axes.get_xlabel().startswith("training images asked for per class (--per-class")
        assert axes.get_xlabel().endswith("kept all it had (the datasets cannot be read here to tell)")


def test_figure_s1_of_runs_every_class_could_give_says_nothing_more(uneven_photos, tmp_path):
    Figure = pytest.importorskip("matplotlib.figure").Figure
    results = collect(write_reduced_grid(tmp_path / "grid", uneven_photos, (1, 2)))[0]
    for axes in figures_reduced.figure_s1(Figure, results).axes:
        assert not axes.texts and "\n" not in axes.get_xlabel()
