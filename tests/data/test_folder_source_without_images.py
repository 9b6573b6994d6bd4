"""Sources that hold no image to import. Class folders of notes and weights files only were decoded, then
refused as "OUT: no training image could be imported", OUT left holding an unfinished import; a dataset
folder given as SOURCE was "no class folders, only 5 file(s) (the folder of one class?)"."""

import pytest
from click.testing import CliRunner

from minitransfer.cli import main


def _prepare(root, out, *options):
    return CliRunner().invoke(main, ["prepare", "folder", str(root), str(out), "--size", "8", "--workers", "0",
                                     *options])


def test_class_folders_without_an_image_are_refused_before_anything_is_written(tmp_path, write_files):
    root = write_files(tmp_path / "photos", {"cat/notes.txt": b"shot in 2014\n", "dog/base.h5": b"\x89HDF\r\n\x1a\n"
                                             + bytes(600), "dog/labels.xml": b"<annotation/>"})
    result = _prepare(root, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert (f"{root}: no class folder holds an image file: its 3 file(s), such as {root}/cat/notes.txt, are not "
            f"images (told by their first bytes)") in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("layout, options", [
    ("{class}/", ["--val-fraction", "0"]),
    ("train/{class}/", ["--val-fraction", "0"]),
    ("train/{class}/ and val/{class}/", []),
], ids=["train-only", "train-folder-train-only", "train-and-val"])
def test_no_images_are_refused_before_anything_is_written_without_held_out_validation_too(tmp_path, write_files,
                                                                                          layout, options):
    """The early refusal was given only where validation images were held out: with --val-fraction 0 or a val/
    given, every file was decoded and OUT left holding an unfinished import, said as "no training image could be
    imported"."""
    notes = {"cat/notes.txt": b"shot in 2014\n", "dog/base.h5": b"\x89HDF\r\n\x1a\n" + bytes(600)}
    train = "" if layout.startswith("{") else "train/"
    files = {train + name: data for name, data in notes.items()}
    if "val/" in layout:
        files["val/cat/more.txt"] = b"shot in 2015\n"
    root = write_files(tmp_path / "photos", files)
    result = _prepare(root, tmp_path / "out", *options)
    assert result.exit_code == 65, result.output
    where = root / train.rstrip("/") if train else root
    assert (f"{where}: no class folder holds an image file: its 2 file(s), such as {where}/cat/notes.txt, are not "
            f"images (told by their first bytes)") in " ".join(result.output.split())
    assert not (tmp_path / "out").exists()


def test_a_prepared_dataset_given_as_source_is_a_usage_error_naming_its_source(tmp_path, image_bytes, write_files):
    root = write_files(tmp_path / "photos", {f"{name}/{number}.png": image_bytes((80 * number, blue, 9), kind="PNG")
                                             for name, blue in (("cat", 9), ("dog", 200)) for number in range(2)})
    assert _prepare(root, tmp_path / "data").exit_code == 0
    result = _prepare(tmp_path / "data", tmp_path / "again")
    assert result.exit_code == 2, result.output
    assert (f"SOURCE {tmp_path}/data is a dataset minitransfer prepared already (its meta.json, imported from "
            f"{root}), not a folder of class folders of images") in " ".join(result.output.split())
    assert not (tmp_path / "again").exists()


def test_a_dataset_with_a_damaged_meta_file_given_as_source_is_still_refused(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "meta.json").write_text('{"source": {"path": ')  # cut short
    result = _prepare(tmp_path / "data", tmp_path / "again")
    assert result.exit_code == 2, result.output
    assert (f"SOURCE {tmp_path}/data is a dataset minitransfer prepared already (its meta.json), not a folder of "
            f"class folders of images") in " ".join(result.output.split())
