"""prepare folder held out validation files among those named as images without reading them: an HTML error page
saved as cat.jpg (a scraper's download that failed) took a validation place, and its class ended with fewer
validation images than asked while a real image stayed in train. Now every file's first bytes are looked at (a
signature, else Pillow's reading of the header; never a decode), so the real images alone decide the picks."""

import os

import numpy as np
import pytest

from minitransfer.data import dataset, decode, folder
from minitransfer.data.shard_format import SKIPPED_FILE, SUBSETS

from .test_folder_held_out_among_images import _images, _invoke, _subset

# Downloads that failed, saved under an image's name: what a scraper writes when the server answers with a page
FAKES = {"cat/404.jpg": b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head></html>\n",
         "cat/blocked.jpeg": b"<html><body>Access denied</body></html>\n",
         "dog/thumb.png": b'{"error": "rate limited"}\n',
         "dog/photo.JPG": b"",
         "fox/IMG_0001.jpg": b"\n\n<!doctype html>\n<p>moved</p>\n",
         "fox/scan.tif": b"Not Found\n"}


def test_files_named_as_images_that_are_none_take_no_validation_place(tmp_path, image_bytes, write_files):
    real = write_files(tmp_path / "real", _images(image_bytes))
    faked = write_files(tmp_path / "faked", {**_images(image_bytes), **FAKES})
    for root, out in ((real, tmp_path / "real-8"), (faked, tmp_path / "faked-8")):
        result = _invoke(root, out, "--val-fraction", "0.2", "--seed", "4")
        assert result.exit_code == 0, result.output
    (images, labels), (faked_images, faked_labels) = (_subset(tmp_path / out, "val") for out in ("real-8", "faked-8"))
    assert labels.tolist() == [0, 1, 2] and faked_labels.tolist() == labels.tolist()  # one of 5 real ones a class
    assert np.array_equal(faked_images, images)  # the same real images held out, fakes or none
    assert np.array_equal(_subset(tmp_path / "faked-8", "train")[0], _subset(tmp_path / "real-8", "train")[0])
    skipped = dataset.open_dataset(tmp_path / "faked-8").meta["skipped"]
    assert sorted(entry["file"] for entry in skipped) == sorted(str(faked / name) for name in FAKES)
    assert {entry["subset"] for entry in skipped} == {"train"}


def test_a_file_gone_before_its_first_bytes_are_read_takes_no_validation_place(tmp_path, image_bytes, write_files):
    """Listed, then removed before the held-out files are chosen: not an image (no error), reported as gone."""
    real = write_files(tmp_path / "real", _images(image_bytes))
    moved = tmp_path / "moved" / "9.png"
    source = write_files(tmp_path / "source", {**_images(image_bytes), "fox/9.png": image_bytes((1, 2, 3), kind="PNG")})

    def progress(done, total, stage=None):
        if stage == "finding copies in each class" and not moved.exists():  # listed, not yet looked at
            moved.parent.mkdir()
            os.rename(source / "fox/9.png", moved)

    folder.import_folder(real, tmp_path / "real-8", size=8, workers=0, val_fraction=0.2, seed=4)
    folder.import_folder(source, tmp_path / "source-8", size=8, workers=0, val_fraction=0.2, seed=4,
                         progress=progress)
    assert moved.exists()
    for subset in SUBSETS:
        assert np.array_equal(_subset(tmp_path / "source-8", subset)[0], _subset(tmp_path / "real-8", subset)[0])
    assert (tmp_path / "source-8" / SKIPPED_FILE).read_text() == f"{source / 'fox/9.png'}\t{decode.VANISHED}\n"


def _tga(image_bytes):
    return image_bytes((1, 2, 3), kind="TGA")


@pytest.mark.parametrize("name,data,expected", [
    ("cat.jpg", b"<!DOCTYPE html>\n<html><title>404</title></html>\n", False),  # an error page saved as a photo
    ("cat.png", b"Access denied\n", False),
    ("cat.webp", b"RIFF\x10\x00\x00\x00WAVEfmt ", False),                          # a sound, not a WebP
    ("cat.jpg", "png", True),                                                    # a PNG named .jpg: it decodes
    ("cat.jpg", b"\xff\xd8\xff\xe0 cut short", True),                            # a damaged JPEG: the decoder says so
    ("scan.tga", _tga, True),                                                    # no signature: Pillow reads its header
    ("scan.bmp", "bmp", True),
    ("scan.gif", "gif", True),
    ("scan.tif", "tiff", True),
    ("scan.webp", "webp", True),
    ("scan.pgm", b"P5\n2 1\n255\n\x00\xff", True),
], ids=["html-jpg", "text-png", "wave-webp", "png-named-jpg", "jpeg-cut-short", "tga", "bmp", "gif", "tiff", "webp",
        "pgm"])
def test_may_be_image_reads_the_first_bytes_of_files_named_as_images(tmp_path, image_bytes, name, data, expected):
    path = tmp_path / name
    path.write_bytes(data(image_bytes) if callable(data) else image_bytes((1, 2, 3), kind=data.upper())
                     if isinstance(data, str) else data)
    status = os.stat(path)
    assert decode.may_be_image(str(path), (status.st_size, status.st_mtime_ns)) is expected


def test_may_be_image_of_a_file_gone_since_listed_is_false(tmp_path, image_bytes):
    path = tmp_path / "cat.jpg"
    path.write_bytes(image_bytes((1, 2, 3)))
    status = os.stat(path)
    path.unlink()
    assert decode.may_be_image(str(path), (status.st_size, status.st_mtime_ns)) is False

