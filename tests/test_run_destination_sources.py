"""``train -o`` in the folder of images that another dataset than the run's was imported from (``prepare
folder``, which records it in meta.json): refused as the run's own dataset's is, where the run can see
that dataset (beside its own, or its base's), since the next import of those images would read the
run's files as a class. A folder of images no dataset records is taken."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main

FAST = ["--preset", "micro", "--max-iter", "2", "--eval-every", "2", "--batch-size", "4", "--device", "cpu",
        "--quiet"]


def _images(folder, seed):
    pixels = np.random.default_rng(seed)
    for name in ("cat", "cow", "dog", "fox"):
        (folder / name).mkdir(parents=True)
        for index in range(8):
            Image.fromarray(pixels.integers(0, 256, (20, 20, 3), dtype=np.uint8)).save(folder / name / f"{index}.png")


def _prepared(images, dataset):
    result = CliRunner().invoke(main, ["prepare", "folder", str(images), str(dataset), "--size", "14"])
    assert result.exit_code == 0, result.output
    assert json.loads((dataset / "meta.json").read_text())["source"]["path"] == str(images)  # what it records


@pytest.fixture(scope="module")
def two_datasets(tmp_path_factory):
    """A folder holding images/flowers and images/birds, and the datasets data/flowers and data/birds
    `prepare folder` imported from them."""
    folder = tmp_path_factory.mktemp("sources")
    for seed, name in enumerate(("flowers", "birds")):
        _images(folder / "images" / name, seed)
        _prepared(folder / "images" / name, folder / "data" / name)
    return folder


def _train(data, out, *options):
    return CliRunner().invoke(main, ["train", "--data", str(data), "-o", str(out), *FAST, *options])


def _refused_in_flowers(result, out):
    assert result.exit_code == 2, result.output
    assert "the folder of images the dataset" in result.output and "flowers was imported from" in result.output, \
        result.output
    assert "Traceback" not in result.output
    assert not out.exists() and not out.with_suffix(".run").exists()


@pytest.mark.parametrize("inside", ["x.h5", "cat/x.h5"])
def test_weights_in_the_images_of_a_dataset_beside_the_runs_are_refused(two_datasets, inside):
    """Trained on birds into the images flowers was imported from: taken, and the next `prepare folder`
    of the flowers had a run folder among its classes."""
    out = two_datasets / "images" / "flowers" / inside
    _refused_in_flowers(_train(two_datasets / "data" / "birds", out), out)
    assert sorted(path.name for path in (two_datasets / "images" / "flowers").iterdir()) == ["cat", "cow", "dog", "fox"]


def test_weights_in_the_images_of_the_bases_dataset_are_refused(two_datasets, tmp_path):
    """A transfer to a dataset elsewhere (no dataset beside it) from a base trained on flowers: the
    base's dataset is in sight through the base, and its images are refused."""
    base = tmp_path / "base.h5"
    trained = _train(two_datasets / "data" / "flowers", base)
    assert trained.exit_code == 0, trained.output
    _images(tmp_path / "fish", 2)
    _prepared(tmp_path / "fish", tmp_path / "sea" / "fish")
    out = two_datasets / "images" / "flowers" / "x.h5"
    _refused_in_flowers(_train(tmp_path / "sea" / "fish", out, "--copy-from", str(base), "--n", "1"), out)


def test_weights_in_a_folder_of_images_no_dataset_records_are_taken(two_datasets, tmp_path):
    """The control: the same images, copied where no dataset was imported from, take the weights."""
    _images(tmp_path / "unprepared", 3)
    out = tmp_path / "unprepared" / "x.h5"
    result = _train(two_datasets / "data" / "birds", out)
    assert result.exit_code == 0, result.output
    assert out.is_file()
