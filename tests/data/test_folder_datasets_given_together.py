"""prepare folder given the folder of two datasets (two/photosA/{cat,dog,...}, two/photosB/{bus,car,...}) imported
it as a dataset of two classes, photosA and photosB, each holding the other classes' images, with exit 0: it is
refused (65) naming the folders, one of which to give. Classes whose images are sorted into sub-folders named
alike from class to class (sessions), and classes a families file names, are imported as before."""

import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset

DATASETS = {"photosA": ["cat", "dog", "fox", "owl"], "photosB": ["bus", "car", "ship", "train"]}


def _invoke(root, out, *options):
    return CliRunner().invoke(main, ["prepare", "folder", str(root), str(out), "--size", "8", "--workers", "0",
                                     *options])


def _nested(root, tree, image_bytes, write_files, per_folder=2):
    """{top folder: [its folders]} as images, no two files alike (a copy across classes is warned of)."""
    return write_files(root, {f"{top}/{inner}/{number}.png": image_bytes((index, place, 10 * number), kind="PNG")
                              for index, (top, folders) in enumerate(tree.items())
                              for place, inner in enumerate(folders) for number in range(per_folder)})


def test_the_folder_of_two_datasets_is_refused_naming_each(tmp_path, image_bytes, write_files, tree_state):
    root = _nested(tmp_path / "two", DATASETS, image_bytes, write_files)
    before = tree_state(tmp_path)
    result = _invoke(root, tmp_path / "out")
    assert result.exit_code == 65, result.output
    shown = "; ".join(f"{top}: " + ", ".join(repr(name) for name in sorted(inner)) for top, inner in DATASETS.items())
    assert f"{root}: 2 class folders, each holding no image itself but folders of images that no other holds " \
           f"({shown}): each looks like a dataset of its own classes" in result.output
    assert f"give one of them ({root / 'photosA'} or {root / 'photosB'})" in result.output
    assert "Traceback" not in result.output
    assert tree_state(tmp_path) == before and not (tmp_path / "out").exists()


def _classes_and_counts(out):
    data = dataset.open_dataset(out)
    labels = np.concatenate([data.labels("train"), data.labels("val")])
    return [entry["name"] for entry in data.classes], np.bincount(labels).tolist()


@pytest.mark.parametrize("tree,extra", [
    ({"cat": ["session1", "session2"], "dog": ["session1", "Session2"]}, {}),
    ({"cat": ["indoor", "outdoor"], "dog": ["beach", "park"]}, {"cat/loose.png": (1, 2, 3)}),
    ({"cat": ["kitten"], "dog": ["puppy"]}, {}),
], ids=["sessions-named-alike", "a-class-holding-an-image-itself", "one-folder-each"])
def test_classes_of_images_in_sub_folders_are_imported(tmp_path, image_bytes, write_files, tree, extra):
    root = _nested(tmp_path / "src", tree, image_bytes, write_files)
    write_files(root, {name: image_bytes(colour, kind="PNG") for name, colour in extra.items()})
    result = _invoke(root, tmp_path / "out", "--val-fraction", "0")
    assert result.exit_code == 0, result.output
    expected = [2 * len(tree[name]) + sum(key.startswith(f"{name}/") for key in extra) for name in sorted(tree)]
    assert _classes_and_counts(tmp_path / "out") == (sorted(tree), expected)


def test_a_families_file_naming_the_folders_as_classes_lets_them_through(tmp_path, image_bytes, write_files):
    root = _nested(tmp_path / "two", DATASETS, image_bytes, write_files)
    families = tmp_path / "families.txt"
    families.write_text("photosA animal\nphotosB vehicle\n")
    result = _invoke(root, tmp_path / "out", "--val-fraction", "0", "--families", str(families))
    assert result.exit_code == 0, result.output
    assert _classes_and_counts(tmp_path / "out") == (sorted(DATASETS), [2 * len(DATASETS[name])
                                                                       for name in sorted(DATASETS)])
