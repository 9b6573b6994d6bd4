"""A network trained into the images' folder (``train ... -o photos/base.h5``) leaves base.h5 and base.run/
there. Pillow identifies an HDF5 file by its signature and reads none of it, so base.h5 was "OSError: cannot
find loader for this HDF5 file: a damaged or incomplete image file", and counted among the images lying in
no class folder; base.run/ was a class, left out as without a decodable image. A file is told by its first
bytes: one of a format that is no image (HDF5, zip, PDF, gzip ...) is "not an image", a damaged image is one
whose bytes begin as an image's; a run folder is no class."""

import gzip
import io
import zipfile

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset, decode, skip_reasons


def _hdf5_bytes(tmp_path):
    """A real HDF5 file's bytes, written by h5py (not a signature typed in)."""
    with h5py.File(tmp_path / "weights.h5", "w") as file:
        file["conv1/W"] = np.arange(12, dtype=np.float32).reshape(3, 4)
    return (tmp_path / "weights.h5").read_bytes()


def _zip_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "shot in 2014")
    return buffer.getvalue()


def _others(tmp_path):
    """{name: bytes} of files that are no images, each in a format with a signature of its own."""
    return {"weights.h5": _hdf5_bytes(tmp_path), "bundle.dat": _zip_bytes(),
            "paper.pdf": b"%PDF-1.4\n%\xe2\xe3\n1 0 obj", "events.log": gzip.compress(b"epoch 1\n" * 20),
            "forecast.grib": b"GRIB\x00\x00\x00\x01" + bytes(200)}  # a format Pillow only identifies (a stub)


def test_a_weights_file_and_its_run_folder_in_the_source_are_no_images_nor_a_class(tmp_path, image_bytes,
                                                                                   write_files):
    weights = _hdf5_bytes(tmp_path)
    files = {f"{name}/{number}.png": image_bytes((40 * number, blue, 9), kind="PNG")
             for name, blue in (("cat", 9), ("dog", 200)) for number in range(3)}
    files.update({"base.h5": weights, "cat/base.h5": weights, "base.run/config.json": b'{"lr": 0.01}',
                  "base.run/metrics.jsonl": b'{"iter": 10, "loss": 2.3}\n'})
    root = write_files(tmp_path / "photos", files)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["prepare", "folder", str(root), str(out), "--size", "12", "--workers", "0",
                                       "--val-fraction", "0"])
    assert result.exit_code == 0, result.output
    assert "lie in no class folder" not in result.output
    assert f"note: {root}/base.run is a run folder (train's config.json, metrics.jsonl ...), not a class: " \
           f"passed over\n" in result.output
    data = dataset.open_dataset(out)
    assert [entry["name"] for entry in data.classes] == ["cat", "dog"]
    assert data.meta["excluded_classes"] == []
    assert (out / "skipped.txt").read_text().splitlines() == [
        f"{root}/cat/base.h5\tnot an image but an HDF5 file (a weights file or a dataset's shard?)"]


@pytest.mark.parametrize("name,reason", [
    ("weights.h5", "not an image but an HDF5 file (a weights file or a dataset's shard?)"),
    ("bundle.dat", "not an image but a zip archive"), ("paper.pdf", "not an image but a PDF document"),
    ("events.log", "not an image but a gzip file"), ("forecast.grib", skip_reasons.UNIDENTIFIED),
], ids=["hdf5", "zip", "pdf", "gzip", "grib"])
def test_a_file_in_a_format_that_is_no_image_is_not_an_image_nor_a_damaged_one(tmp_path, name, reason):
    """Its name does not count (a zip named .dat, a gzip named .log): its first bytes do."""
    path = tmp_path / name
    path.write_bytes(_others(tmp_path)[name])
    assert not decode.may_be_image(path, (path.stat().st_size, path.stat().st_mtime_ns))
    assert decode.load_item(decode.ImportItem(path=str(path)), 8)[:2] == (None, reason)


def test_an_image_cut_short_is_still_a_damaged_image(tmp_path, image_bytes):
    path = tmp_path / "cut.jpg"
    path.write_bytes(image_bytes((90, 120, 200), size=(64, 64))[:300])
    assert decode.may_be_image(path, (path.stat().st_size, path.stat().st_mtime_ns))
    reason = decode.load_item(decode.ImportItem(path=str(path)), 8)[1]
    assert reason.endswith(skip_reasons.DAMAGED_FILE), reason


def test_a_weights_file_too_large_to_hold_in_memory_is_not_an_image_either(tmp_path, monkeypatch):
    """Above MAX_MEMBER_BYTES the file is decoded from disk, not from bytes read whole: told the same."""
    path = tmp_path / "vgg16.h5"
    path.write_bytes(_hdf5_bytes(tmp_path))
    monkeypatch.setattr(decode, "MAX_MEMBER_BYTES", 64)
    assert decode.load_item(decode.ImportItem(path=str(path)), 8) == \
        (None, "not an image but an HDF5 file (a weights file or a dataset's shard?)", None)


def test_run_folders_beside_train_and_val_and_in_them_are_no_classes(tmp_path, image_bytes, write_files):
    """The train/ + val/ layout: a run folder beside train/ is no third folder making the layout ambiguous,
    and one in train/ or val/ no class; each noted once."""
    files = {f"{subset}/{name}/{number}.png": image_bytes((40 * number, blue, 9), kind="PNG")
             for subset in ("train", "val") for name, blue in (("cat", 9), ("dog", 200)) for number in range(2)}
    runs = ("base.run", "train/a.run", "val/b.run")
    files.update({f"{run}/config.json": b'{"lr": 0.01}' for run in runs})
    root = write_files(tmp_path / "photos", files)
    result = CliRunner().invoke(main, ["prepare", "folder", str(root), str(tmp_path / "out"), "--size", "12",
                                       "--workers", "0"])
    assert result.exit_code == 0, result.output
    assert [line.partition(" is a run folder")[0] for line in result.output.splitlines() if "run folder" in line] == \
        [f"note: {root / run}" for run in runs]
    data = dataset.open_dataset(tmp_path / "out")
    assert [entry["name"] for entry in data.classes] == ["cat", "dog"]
