"""A dataset prepared without a validation image and without a validation file skipped: prepare's note says
where its importer looked and what gives it validation images, and train and splits no longer send the user to a
skipped.txt that lists nothing (data/no_validation.py)."""

import pathlib

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from test_data2_60 import _image, _write

WNIDS = ("n01440764", "n02084071", "n03000134", "n04000000")
GENERIC = "prepare folder holds out --val-fraction of each class; prepare imagenet reads val/"


def _prepare(*arguments):
    done = CliRunner().invoke(main, ["prepare", *map(str, arguments), "--size", "12", "--workers", "0"])
    assert done.exit_code == 0 and "val 0 images" in done.output, done.output
    return done.output.replace("\n", " ")


def _refusals(data):
    """(train's refusal, splits' note) of the dataset ``data`` without validation images."""
    refused = CliRunner().invoke(main, ["train", "--data", str(data), "--split", "all", "--preset", "micro",
                                        "--device", "cpu", "-o", str(data.parent / "net.h5")])
    assert refused.exit_code == 65 and "Traceback" not in refused.output, refused.output
    shown = CliRunner().invoke(main, ["splits", str(data), "all"])
    assert shown.exit_code == 0, shown.output
    return refused.output.replace("\n", " "), shown.output.replace("\n", " ")


def _tiny(root):
    tree = root / "tiny-imagenet-200"
    tree.mkdir(parents=True)
    (tree / "wnids.txt").write_text("".join(f"{wnid}\n" for wnid in WNIDS))
    for label, wnid in enumerate(WNIDS):
        for number in range(2):
            _write(tree / "train" / wnid / "images" / f"{wnid}_{number}.JPEG", _image(40 * label + 9 * number))
    (tree / "val" / "images").mkdir(parents=True)
    (tree / "val" / "val_annotations.txt").write_text("")
    return tree


def test_tiny_imagenet_with_an_empty_val_folder_is_told_what_val_should_hold(tmp_path):
    """val/images/ and val_annotations.txt empty: prepare's note named prepare folder's and prepare imagenet's
    options, neither of which reads Tiny ImageNet."""
    note = _prepare("tiny-imagenet", _tiny(tmp_path), tmp_path / "data")
    assert "val/images/ and val/val_annotations.txt held no image" in note, note
    assert "Tiny ImageNet's val/ holds 50 images of each class in val/images/" in note, note
    assert GENERIC not in note, note


def test_train_and_splits_of_an_empty_tiny_val_folder_do_not_point_at_an_empty_skipped_txt(tmp_path):
    """Nothing skipped: train and splits said "skipped.txt says why of each file left out", and it listed nothing."""
    data = tmp_path / "data"
    _prepare("tiny-imagenet", _tiny(tmp_path), data)
    for said in _refusals(data):
        assert "skipped.txt" not in said, said
        assert "val/images/ and val/val_annotations.txt held no image" in said, said
        assert "unpack tiny-imagenet-200.zip again" in said, said


def _folder(root, counts):
    for index, (name, count) in enumerate(counts.items()):
        for number in range(count):
            _write(root / name / f"{number}.png", _image(50 * index + 7 * number))
    return root


@pytest.mark.parametrize("counts, options, expected", [
    ({"a": 3, "b": 3, "c": 3, "d": 3}, ("--val-fraction", "0"),
     "--val-fraction 0 held none out (SOURCE has no val/ folder beside train/): prepare folder again without "
     "--val-fraction"),
    ({"a": 1, "b": 1, "c": 1, "d": 1}, (),
     "held-out validation (--val-fraction 0.1, the default) takes images only from classes of two or more, and no "
     "class has two distinct images"),
], ids=["val-fraction-0", "classes-of-one-image"])
def test_a_folder_without_validation_is_told_why_held_out_validation_gave_none(tmp_path, counts, options,
                                                                                 expected):
    note = _prepare("folder", _folder(tmp_path / "photos", counts), tmp_path / "data", *options)
    assert expected in note, note
    assert "SOURCE/train/<class>/ with SOURCE/val/<class>/ beside it" in note, note
    assert GENERIC not in note, note


def test_a_train_only_imagenet_is_told_it_has_no_val_folder_in_prepares_note(tmp_path):
    source = tmp_path / "ILSVRC2012"
    for label, wnid in enumerate(WNIDS):
        for number in range(2):
            _write(source / "train" / wnid / f"{wnid}_{number}.JPEG", _image(40 * label + 9 * number))
    note = _prepare("imagenet", source, tmp_path / "data")
    assert "SOURCE has no val/ folder, so it was imported train-only: unpack ILSVRC2012_img_val.tar" in note, note
    assert GENERIC not in note, note


def test_the_new_module_fits_120_characters_a_line():
    module = pathlib.Path(__file__).resolve().parents[1] / "minitransfer" / "data" / "no_validation.py"
    assert max(len(line) for line in module.read_text(encoding="utf-8").splitlines()) <= 120
