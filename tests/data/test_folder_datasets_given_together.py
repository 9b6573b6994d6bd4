"""prepare folder given the folder of two datasets (two/photosA/{cat,dog,...}, two/photosB/{bus,car,...}) imported
it as a dataset of two classes, photosA and photosB, each holding the other classes' images, without a word. It was
then refused (65), which refused classes whose images are sorted into folders named uniquely (cat/cat_001/,
cat/2023-01-05/) too, unless a families file named each: it is warned of now, before the import starts, naming
the folders and the one to give, and imported as those classes. Classes whose images lie in sub-folders named alike
(sessions), a class holding an image itself, one sub-folder each and an ordinary tree are not warned of."""

import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset

DATASETS = {"photosA": ["cat", "dog", "fox", "owl"], "photosB": ["bus", "car", "ship", "train"]}
LOOKS_LIKE = "class folders each look like a dataset of classes"


def _invoke(root, out, *options):
    return CliRunner().invoke(main, ["prepare", "folder", str(root), str(out), "--size", "12", "--workers", "0",
                                     "--val-fraction", "0", *options])


def _nested(root, tree, image_bytes, write_files, per_folder=2):
    """{top folder: [its folders]} as images, no two files alike (a copy across classes is warned of)."""
    return write_files(root, {f"{top}/{inner}/{number}.png": image_bytes((index, place, 10 * number), kind="PNG")
                              for index, (top, folders) in enumerate(tree.items())
                              for place, inner in enumerate(folders) for number in range(per_folder)})


def _classes_and_counts(out):
    data = dataset.open_dataset(out)
    labels = np.concatenate([data.labels("train"), data.labels("val")])
    return [entry["name"] for entry in data.classes], np.bincount(labels).tolist()


def _said(text):
    return " ".join(text.split())


def _expected_warning(root, tree):
    """The warning for ``tree`` ({class folder: its folders}, each looking like a dataset), as the brief words it:
    the folders, three of each one's folders, the folders to give and the number of classes imported."""
    tops = sorted(tree)
    shown = "; ".join(f"{top}: " + ", ".join(repr(name) for name in sorted(tree[top])[:3])
                      + (" ..." if len(tree[top]) > 3 else "") for top in tops)
    give = " or ".join(str(root / top) for top in tops[:2]) + (" ..." if len(tops) > 2 else "")
    return (f"warning: {root}: {len(tops)} {LOOKS_LIKE}, holding no image itself but folders of images that no "
            f"other holds ({shown}), and are imported as {len(tops)} classes whose images lie in sub-folders. If you "
            f"meant one dataset, stop (Ctrl-C) and give that folder ({give}).")


@pytest.mark.parametrize("options", [[], ["--families"]], ids=["alone", "with-a-families-file"])
def test_the_folder_of_two_datasets_is_warned_of_first_naming_each_and_imported(tmp_path, image_bytes, write_files,
                                                                                options):
    root = _nested(tmp_path / "two", DATASETS, image_bytes, write_files)
    if options:  # naming the folders as classes: no longer needed to import them, and warned of all the same
        (tmp_path / "families.txt").write_text("photosA animal\nphotosB vehicle\n")
        options = [*options, str(tmp_path / "families.txt")]
    result = _invoke(root, tmp_path / "out", *options)
    assert result.exit_code == 0, result.output
    assert _said(result.stderr).startswith(_expected_warning(root, DATASETS)), result.stderr  # before all else
    assert _classes_and_counts(tmp_path / "out") == (sorted(DATASETS), [2 * len(DATASETS[name])
                                                                       for name in sorted(DATASETS)])


def test_three_datasets_given_together_name_two_folders_to_give(tmp_path, image_bytes, write_files):
    tree = {"a": ["cat", "dog"], "b": ["bus", "car", "ship", "train", "van"], "c": ["oak", "elm"]}
    root = _nested(tmp_path / "three", tree, image_bytes, write_files, per_folder=1)
    result = _invoke(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert _expected_warning(root, tree) in _said(result.stderr), result.stderr
    assert _classes_and_counts(tmp_path / "out") == (["a", "b", "c"], [2, 5, 2])


@pytest.mark.parametrize("tree", [
    {"cat": ["cat_001", "cat_002", "cat_003", "cat_004"], "dog": ["dog_001", "dog_002"]},
    {"cat": ["2023-01-05", "2023-01-06"], "dog": ["2023-02-11", "2023-02-12", "2023-02-13"]},
], ids=["per-individual", "per-date"])
def test_classes_of_images_in_folders_named_uniquely_are_warned_of_and_imported(tmp_path, image_bytes, write_files,
                                                                                  tree):
    root = _nested(tmp_path / "src", tree, image_bytes, write_files)
    result = _invoke(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert _expected_warning(root, tree) in _said(result.stderr), result.stderr
    assert _classes_and_counts(tmp_path / "out") == (sorted(tree), [2 * len(tree[name]) for name in sorted(tree)])


@pytest.mark.parametrize("tree,extra", [
    ({"cat": ["session1", "session2"], "dog": ["session1", "Session2"]}, {}),
    ({"cat": ["indoor", "outdoor"], "dog": ["beach", "park"]}, {"cat/loose.png": (1, 2, 3)}),
    ({"cat": ["kitten"], "dog": ["puppy"]}, {}),
    ({"cat": [], "dog": []}, {"cat/1.png": (1, 2, 3), "cat/2.png": (4, 5, 6), "dog/1.png": (7, 8, 9)}),
], ids=["sessions-named-alike", "a-class-holding-an-image-itself", "one-folder-each", "ordinary"])
def test_other_classes_are_imported_without_the_warning(tmp_path, image_bytes, write_files, tree, extra):
    root = _nested(tmp_path / "src", tree, image_bytes, write_files)
    write_files(root, {name: image_bytes(colour, kind="PNG") for name, colour in extra.items()})
    result = _invoke(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert LOOKS_LIKE not in _said(result.output), result.output
    expected = [2 * len(tree[name]) + sum(key.startswith(f"{name}/") for key in extra) for name in sorted(tree)]
    assert _classes_and_counts(tmp_path / "out") == (sorted(tree), expected)


def test_two_datasets_sharing_a_few_class_names_are_warned_of_naming_those(tmp_path, image_bytes, write_files):
    """Two datasets of a transfer across datasets often share a few class names (X/cat/, Y/Cat/, both dog/): the
    folder of both was imported as two classes without a word, since any name held by two folders read as
    sessions named alike from class to class."""
    tree = {"X": ["cat", "dog", "fox", "owl", "bee"], "Y": ["Cat", "dog", "bus", "car", "van"]}
    root = _nested(tmp_path / "two", tree, image_bytes, write_files, per_folder=1)
    result = _invoke(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    said = _said(result.stderr)
    assert said.startswith(f"warning: {root}: 2 {LOOKS_LIKE}, holding no image itself but folders of images most "
                           f"named as no other's (X: 'bee', 'cat', 'dog' ...; Y: 'Cat', 'bus', 'car' ...; named "
                           f"alike in two or more, case aside: "), result.stderr
    alike = said.split("case aside: ", 1)[1].split(")", 1)[0]
    assert sorted(name.strip("'").casefold() for name in alike.split(", ")) == ["cat", "dog"], said
    assert _classes_and_counts(tmp_path / "out") == (["X", "Y"], [5, 5])


def test_sub_folders_mostly_named_alike_are_not_warned_of(tmp_path, image_bytes, write_files):
    """Sessions named alike from class to class, one class with a session of its own, stay unwarned."""
    tree = {"cat": ["session1", "session2", "session3"], "dog": ["session1", "session2", "extra"]}
    root = _nested(tmp_path / "src", tree, image_bytes, write_files, per_folder=1)
    result = _invoke(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert LOOKS_LIKE not in _said(result.output), result.output


def test_two_datasets_of_the_train_val_layout_given_together_are_warned_of(tmp_path, image_bytes, write_files):
    """two/X/{train,val}/<class>/: X and Y were imported as two classes, X's and Y's validation images trained on,
    without a word (train/ and val/ named alike in both read as sessions)."""
    tree = {"X": ["train/cat", "train/dog", "train/owl", "val/cat", "val/dog", "val/owl"],
            "Y": ["train/bus", "train/car", "val/bus", "val/car"]}
    root = _nested(tmp_path / "two", tree, image_bytes, write_files, per_folder=1)
    result = _invoke(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert _said(result.stderr).startswith(
        f"warning: {root}: 2 {LOOKS_LIKE}, holding no image itself but folders of images that no other holds (X: "
        f"'train/cat', 'train/dog', 'train/owl'; Y: 'train/bus', 'train/car'), and are imported as 2 classes whose "
        f"images lie in sub-folders. If you meant one dataset, stop (Ctrl-C) and give that folder ({root / 'X'} or "
        f"{root / 'Y'})."), result.stderr
    assert _classes_and_counts(tmp_path / "out") == (["X", "Y"], [6, 4])
