"""prepare folder given one class's folder of a train/ + val/ tree (photos/train/oak) said "give photos/train", which
dropped val/ (a share of train/ held out instead) or, given photos/val/oak, trained on the validation images: it
names photos, the folder holding train/ and val/. A class's folder in a train/ alone, or in no train/, keeps its
advice: the folder above it."""

import os

import pytest
from click.testing import CliRunner
from test_small_dataset_advice import write_tree

from minitransfer.cli import main


def _refused(source, out):
    result = CliRunner().invoke(main, ["prepare", "folder", str(source), str(out), "--size", "12", "--workers", "0"])
    assert result.exit_code == 65 and "Traceback" not in result.output, result.output
    return result.output


def _tree(root, subsets):
    """root/SUBSET/{oak,pine}/{0,1}.png for each of ``subsets`` ("" for none: the classes in root)."""
    return write_tree(root, {os.path.join(subset, name): 2 for subset in subsets for name in ("oak", "pine")})


@pytest.mark.parametrize("given", ["train", "val"])
def test_a_class_folder_of_a_train_and_val_tree_names_the_folder_holding_both(tmp_path, given):
    photos = _tree(tmp_path / "photos", ("train", "val"))
    said = _refused(photos / given / "oak", tmp_path / "out")
    assert f"if so, give {photos}; else sort the images" in said
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("subsets, above", [(("train",), "train"), (("",), "")], ids=["train-alone", "no-train"])
def test_a_class_folder_of_another_tree_names_the_folder_above_it(tmp_path, subsets, above):
    photos = _tree(tmp_path / "photos", subsets)
    said = _refused(photos / above / "oak", tmp_path / "out")
    assert f"if so, give {photos / above}; else sort the images" in said
