"""Data advice loose ends: each importer's own remedy for a dataset whose validation images were all left out,
train/'s and val/'s bad class-folder names in one refusal, and the data package's lines within 120 characters."""

import io
import pathlib

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer import config
from minitransfer.cli import main
from minitransfer.data import splits
from minitransfer.data.held_out import HELD_OUT

WNIDS = ("n01440764", "n02084071", "n03000134", "n04000000")
DAMAGED = b"\xff\xd8 not a JPEG after all"  # a JPEG's first bytes, then nothing that decodes
DATA_PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "minitransfer" / "data"


def _image(value):
    buffer = io.BytesIO()
    Image.fromarray(np.full((16, 16, 3), value, np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _refusals(data):
    """(train's refusal, splits' note) of the dataset ``data`` with no validation image."""
    with pytest.raises(config.DataMismatch) as refused:
        config.resolve(config.TrainConfig(data=str(data), split="all", preset="micro", device="cpu"))
    shown = CliRunner().invoke(main, ["splits", str(data), "all"])
    assert shown.exit_code == 0, shown.output
    return str(refused.value), shown.output


def _generic_advice_absent(*said):
    for text in said:
        assert splits.REIMPORT_WITH_VALIDATION not in text and "--val-fraction" not in text, text


def test_tiny_imagenet_whose_validation_images_all_fail_to_decode_is_told_what_its_val_folder_needs(tmp_path):
    """Every val/images/ file damaged: prepare's note said to replace them, but train and splits advised
    "prepare folder --val-fraction 0.1, or prepare imagenet --devkit DIR", neither of which reads Tiny ImageNet."""
    tree = tmp_path / "tiny-imagenet-200"
    (tree / "wnids.txt").parent.mkdir(parents=True)
    (tree / "wnids.txt").write_text("".join(f"{wnid}\n" for wnid in WNIDS))
    for label, wnid in enumerate(WNIDS):
        for number in range(2):
            _write(tree / "train" / wnid / "images" / f"{wnid}_{number}.JPEG", _image(40 * label + 9 * number))
        _write(tree / "val" / "images" / f"val_{label}.JPEG", DAMAGED)
    (tree / "val" / "val_annotations.txt").write_text(
        "".join(f"val_{label}.JPEG\t{wnid}\t0\t0\t15\t15\n" for label, wnid in enumerate(WNIDS)))
    data = tmp_path / "data"
    done = CliRunner().invoke(main, ["prepare", "tiny-imagenet", str(tree), str(data), "--size", "12",
                                     "--workers", "0"])
    assert done.exit_code == 0 and "val 0 images" in done.output, done.output
    said = _refusals(data)
    _generic_advice_absent(*said)
    for text in said:
        assert "val/images/, each labelled by val/val_annotations.txt (or sorted into val/<wnid>/)" in text, text
        assert "skipped.txt says why" in text, text


def _imagenet(root, val):
    for label, wnid in enumerate(WNIDS):
        for number in range(2):
            _write(root / "train" / wnid / f"{wnid}_{number}.JPEG", _image(40 * label + 9 * number))
    for label in range(len(WNIDS) if val else 0):
        _write(root / "val" / f"ILSVRC2012_val_{label:08d}.JPEG", DAMAGED)
    (root.parent / "val.txt").write_text("".join(f"ILSVRC2012_val_{label:08d}.JPEG {label}\n"
                                                 for label in range(len(WNIDS))))
    return root


def test_imagenet_whose_labelled_validation_images_all_fail_to_decode_keeps_its_labels_in_the_advice(tmp_path):
    """val/ read with --val-labels, every file damaged: the advice named --devkit and --val-fraction (another
    importer's), not the val/ and labels this import reads."""
    source, data = _imagenet(tmp_path / "ILSVRC2012", val=True), tmp_path / "data"
    done = CliRunner().invoke(main, ["prepare", "imagenet", str(source), str(data), "--val-labels",
                                     str(tmp_path / "val.txt"), "--size", "12", "--workers", "0"])
    assert done.exit_code == 0 and "val 0 images" in done.output, done.output
    said = _refusals(data)
    _generic_advice_absent(*said)
    for text in said:
        assert "put ILSVRC2012's validation images there" in text and "labelled by --val-labels FILE" in text, text
        assert "--devkit" not in text, text


def test_a_train_only_imagenet_is_told_to_unpack_its_validation_archive_and_give_its_labels(tmp_path):
    source, data = _imagenet(tmp_path / "ILSVRC2012", val=False), tmp_path / "data"
    done = CliRunner().invoke(main, ["prepare", "imagenet", str(source), str(data), "--size", "12", "--workers", "0"])
    assert done.exit_code == 0 and "val 0 images" in done.output, done.output
    said = _refusals(data)
    _generic_advice_absent(*said)
    for text in said:
        assert "unpack ILSVRC2012_img_val.tar into val/ and prepare imagenet again with its labels" in text, text


class _Imported:
    """A dataset's face as :func:`splits.without_validation_remedy` reads it: meta.json's source, no val image."""
    subsets = ("train", "val")

    def __init__(self, source):
        self.meta = {"source": source}

    def num_images(self, subset):
        return 0


@pytest.mark.parametrize("source, expected", [
    ({"kind": "imagenet", "devkit": "/d/ILSVRC2012_devkit_t12", "val_labels": None}, "labelled by --devkit DIR"),
    ({"kind": "folder", "layout": splits.TRAIN_AND_VAL_LAYOUT}, "put images in val/ that decode and are not in train/"),
    ({"kind": "folder", "layout": HELD_OUT, "val_fraction": 0}, "prepare folder again with --val-fraction 0.1"),
    ({"kind": "synthetic"}, "prepare synthetic again with --val-per-class 1 or more"),
], ids=["imagenet-devkit", "folder-train-val", "folder-held-out-0", "synthetic"])
def test_each_importer_gets_the_remedy_its_val_layout_needs(source, expected):
    remedy = splits.without_validation_remedy(_Imported(source), half=None)
    assert expected in remedy, remedy


def test_bad_class_folder_names_of_train_and_val_are_named_in_one_refusal(tmp_path):
    """train/'s were refused first, alone: renamed, the rerun refused val/'s."""
    photos = tmp_path / "photos"
    for subset in ("train", "val"):
        for name in ("cat", "dog\tdog", "eel" if subset == "train" else "eel\neel"):
            _write(photos / subset / name / "a.png", _image(len(name) * 20))
    refused = CliRunner().invoke(main, ["prepare", "folder", str(photos), str(tmp_path / "data"), "--size", "12"])
    assert refused.exit_code == 65, refused.output
    assert "3 class folders' names cannot be class names" in refused.output, refused.output
    for named in ("train/dog\\tdog", "val/dog\\tdog", "val/eel\\neel"):
        assert named in refused.output, refused.output


def test_the_data_packages_lines_fit_120_characters():
    long = [f"{path.name}:{number}" for path in sorted(DATA_PACKAGE.glob("*.py"))
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if len(line) > 120]
    assert long == []
