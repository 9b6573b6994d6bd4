"""Class folders whose names differ only in case: 'Cat' beside 'cat' in train/ (two downloads of one class)
was imported as two classes without a word, and val/Dog beside train/dog was refused as a class train/
lacks without the hint that it differs only in case."""

import numpy as np
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset


def _invoke(root, out):
    return CliRunner().invoke(main, ["prepare", "folder", str(root), str(out), "--size", "12", "--workers", "0"])


def _tree(root, classes, image_bytes, write_files):
    """Three images a class, no two files alike (a copy across classes is warned of)."""
    return write_files(root, {f"{name}/{number}.png": image_bytes((index, number, 9), kind="PNG")
                              for index, name in enumerate(classes) for number in range(3)})


def test_class_folders_differing_only_in_case_are_two_classes_with_a_warning(tmp_path, image_bytes, write_files):
    root = _tree(tmp_path / "src", ("Cat", "cat", "dog"), image_bytes, write_files)
    result = _invoke(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert (f"warning: {root}: 1 set(s) of class folders whose names differ only in case, such as 'Cat', 'cat': "
            f"each folder is a class of its own") in result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert [entry["name"] for entry in data.classes] == ["Cat", "cat", "dog"]
    assert np.bincount(np.concatenate([data.labels("train"), data.labels("val")])).tolist() == [3, 3, 3]


def test_class_folders_of_other_names_have_no_warning(tmp_path, image_bytes, write_files):
    result = _invoke(_tree(tmp_path / "src", ("cat", "cats", "dog"), image_bytes, write_files), tmp_path / "out")
    assert result.exit_code == 0 and "warning" not in result.output, result.output


def test_a_val_class_folder_differing_from_train_s_in_case_is_named_with_the_folder_meant(
        tmp_path, image_bytes, write_files):
    root = tmp_path / "src"
    _tree(root / "train", ("cat", "dog"), image_bytes, write_files)
    _tree(root / "val", ("cat", "Dog"), image_bytes, write_files)
    result = _invoke(root, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert f"{root / 'val'}: 1 class folder(s) that {root / 'train'} does not have: Dog (the folder 'dog'?)" \
        in result.output
