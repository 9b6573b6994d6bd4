"""prepare folder picks held-out validation files before decoding: files that are no images beside the photos
(a LabelImg .xml beside each .jpg, a notes.txt, a labels.csv, an empty file) took validation places, so a
class could end without a validation image. Now the choice is among the files that may be images (a look at a
file's first bytes, never a decode; see test_folder_held_out_sniffed.py), so a tree of images alone is
split as before and junk beside the images changes no pick."""

import os

import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset, decode, skip_reasons

CLASSES = ("cat", "dog", "fox")


def _invoke(root, out, *options):
    return CliRunner().invoke(main, ["prepare", "folder", str(root), str(out), "--size", "12", "--workers", "0",
                                     *map(str, options)])


def _images(image_bytes):
    """{name: bytes} of five distinct images a class (one PNG without a suffix: its header is read)."""
    return {f"{name}/{number}{'' if number == 4 else '.png'}": image_bytes((40 * number, 60 * index, 9), kind="PNG")
            for index, name in enumerate(CLASSES) for number in range(5)}


def _subset(out, subset):
    """(images, labels) of ``subset`` of the dataset in ``out``."""
    data = dataset.open_dataset(out)
    return data.images(subset, np.arange(data.num_images(subset))), data.labels(subset)


def test_files_that_are_no_images_take_no_validation_place(tmp_path, image_bytes, write_files):
    photos = write_files(tmp_path / "photos", _images(image_bytes))
    junk = {f"{name}/{number}.xml": f"<annotation><filename>{number}.png</filename></annotation>\n".encode()
            for name in CLASSES for number in range(5)}
    junk.update({f"{name}/notes.txt": f"{name}s, shot in 2014\n".encode() for name in CLASSES})
    junk.update({"cat/labels.csv": b"file,label\n0.png,cat\n", "dog/empty.png": b"", "fox/LICENSE": b"CC-BY 4.0\n"})
    annotated = write_files(tmp_path / "annotated", {**_images(image_bytes), **junk})
    for root, out in ((photos, tmp_path / "photos-8"), (annotated, tmp_path / "annotated-8")):
        result = _invoke(root, out, "--val-fraction", "0.2", "--seed", "4")
        assert result.exit_code == 0, result.output
        assert "no validation image" not in result.output
    (images, labels), (annotated_images, annotated_labels) = (_subset(tmp_path / out, "val")
                                                              for out in ("photos-8", "annotated-8"))
    assert labels.tolist() == [0, 1, 2] and annotated_labels.tolist() == labels.tolist()  # one of 5 a class
    assert np.array_equal(annotated_images, images)  # the same picks, junk or none
    assert np.array_equal(_subset(tmp_path / "annotated-8", "train")[0], _subset(tmp_path / "photos-8", "train")[0])
    skipped = dataset.open_dataset(tmp_path / "annotated-8").meta["skipped"]
    assert sorted(entry["file"] for entry in skipped) == sorted(str(annotated / name) for name in junk)
    assert {entry["subset"] for entry in skipped} == {"train"}


def test_a_file_in_val_that_is_no_image_is_not_called_a_copy_of_a_training_image(tmp_path, image_bytes,
                                                                                   write_files):
    """The same notes.txt in train/cat/ and val/cat/ was skipped as 'a copy of the training image ...'."""
    files = {f"{subset}/{name}/{number}.png": image_bytes((9 + number, 80 * index, 20 * (subset == "val")), kind="PNG")
             for subset in ("train", "val") for index, name in enumerate(CLASSES) for number in range(2)}
    files.update({"train/cat/notes.txt": b"taken at the zoo\n", "val/cat/notes.txt": b"taken at the zoo\n"})
    root = write_files(tmp_path / "src", files)
    result = _invoke(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    reasons = {entry["file"]: entry["reason"] for entry in dataset.open_dataset(tmp_path / "out").meta["skipped"]}
    assert reasons == {str(root / "train/cat/notes.txt"): skip_reasons.UNIDENTIFIED,
                       str(root / "val/cat/notes.txt"): skip_reasons.UNIDENTIFIED}


HEIF_HEAD = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(40)


@pytest.mark.parametrize("name,data,expected", [
    ("photo", "png", True),                       # no suffix: Pillow identifies its header
    ("scan.TGA", "png", True),                    # a PNG, whatever its name
    ("broken.png", b"\x89PNG\r\n\x1a\n cut", True),  # a PNG's signature: the decoder says it is damaged
    ("IMG_0001", HEIF_HEAD, True),                # HEIC, whose plugin may be missing: an image all the same
    ("0001.xml", b"<annotation/>\n", False),
    ("labels.csv", b"file,label\n", False),
    ("README", b"Photos of cats.\n", False),
    ("empty.jpg", b"", False),
], ids=["png-no-suffix", "named-tga", "named-png-damaged", "heic-no-suffix", "xml", "csv", "readme", "empty"])
def test_may_be_image_tells_images_from_other_files_by_their_first_bytes(tmp_path, image_bytes, name, data,
                                                                          expected):
    path = tmp_path / name
    path.write_bytes(image_bytes((1, 2, 3), kind="PNG") if data == "png" else data)
    status = os.stat(path)
    assert decode.may_be_image(str(path), (status.st_size, status.st_mtime_ns)) is expected

