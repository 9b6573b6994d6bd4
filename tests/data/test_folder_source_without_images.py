"""Sources that hold no image to import. Class folders of notes and weights files only were decoded, then
refused as "OUT: no training image could be imported", OUT left holding an unfinished import; a dataset
folder given as SOURCE was "no class folders, only 5 file(s) (the folder of one class?)"."""

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from data.test_data_unreadable import _without_root_rights

from minitransfer.cli import main
from minitransfer.data import decode


def _prepare(root, out, *options):
    return CliRunner().invoke(main, ["prepare", "folder", str(root), str(out), "--size", "12", "--workers", "0",
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


LAYOUTS = [("{class}/", ["--val-fraction", "0"]), ("{class}/", []), ("train/{class}/ and val/{class}/", [])]
LAYOUT_IDS = ["no-validation", "held-out", "train-and-val"]


def _photos(tmp_path, image_bytes, write_files, layout, extra=None):
    """(root, the folder of its training class folders) of two class folders of PNG photos, and ``extra`` files."""
    train = "" if layout.startswith("{") else "train/"
    files = {f"{train}{name}/{number}.png": image_bytes((90 * index, 40 * number, 9), kind="PNG")
             for index, name in enumerate(("cat", "dog")) for number in range(2)}
    files.update({train + name: data for name, data in (extra or {}).items()})
    if train:
        files["val/cat/more.png"] = image_bytes((9, 9, 9), kind="PNG")
    root = write_files(tmp_path / "photos", files)
    return root, root / train.rstrip("/") if train else root


@pytest.mark.parametrize("layout, options", LAYOUTS, ids=LAYOUT_IDS)
def test_class_folders_of_images_this_user_may_not_read_are_said_to_be_unreadable_not_no_images(
        tmp_path, image_bytes, write_files, layout, options):
    """chmod 000 on every photo: the early refusal counted a file it could not open as no image, and said
    "its 4 file(s) ... are not images (told by their first bytes)" of photos a chmod a+r imports."""
    root, where = _photos(tmp_path, image_bytes, write_files, layout)
    for path in where.glob("*/*.png"):
        path.chmod(0)
    command = [sys.executable, "-m", "minitransfer", "prepare", "folder", str(root), str(tmp_path / "out"),
               "--size", "12", "--workers", "0", *options]
    prefix = _without_root_rights()
    ran = subprocess.run(prefix + (["-c", " ".join(command)] if prefix else command), capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}, timeout=120)
    said = " ".join(ran.stderr.split())
    assert ran.returncode == 65, said
    assert (f"{where}: no class folder holds a file this user may read that may be an image: of its 4 file(s), none "
            f"can be read, such as {where}/cat/0.png: {decode.NOT_READABLE}") in said, said
    assert "not images" not in said and not (tmp_path / "out").exists()


def _refusing(refused):
    """os.open refusing the paths ``refused`` as the system refuses a file without read permission."""
    opening = os.open

    def refusing(path, *args, **kwargs):
        if os.fspath(path) in refused:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return opening(path, *args, **kwargs)
    return refusing


@pytest.mark.parametrize("layout, options", LAYOUTS, ids=LAYOUT_IDS)
def test_photos_this_user_may_not_read_beside_notes_are_refused_saying_to_give_read_access(
        tmp_path, image_bytes, write_files, monkeypatch, layout, options):
    root, where = _photos(tmp_path, image_bytes, write_files, layout, {"cat/notes.txt": b"shot in 2014\n"})
    monkeypatch.setattr(os, "open", _refusing({str(path) for path in where.glob("*/*.png")}))
    result = _prepare(root, tmp_path / "out", *options)
    said = " ".join(result.output.split())
    assert result.exit_code == 65, said
    assert (f"{where}: no class folder holds a file this user may read that may be an image: of its 5 file(s), 4 "
            f"cannot be read, such as {where}/cat/0.png: {decode.NOT_READABLE}; the other 1 file(s) are not images "
            f"(told by their first bytes)") in said, said
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("layout, options", LAYOUTS, ids=LAYOUT_IDS)
def test_a_photo_this_user_may_not_read_beside_notes_and_images_is_skipped_saying_so(
        tmp_path, image_bytes, write_files, monkeypatch, layout, options):
    """The refusal comes only where no file may be an image: an unreadable one among images is skipped, saying
    to give read access to it, as before."""
    root, where = _photos(tmp_path, image_bytes, write_files, layout, {"cat/notes.txt": b"shot in 2014\n"})
    refused = str(where / "cat" / "0.png")
    monkeypatch.setattr(os, "open", _refusing({refused}))
    monkeypatch.setattr(os, "access", lambda path, mode, **kwargs: os.fspath(path) != refused)
    result = _prepare(root, tmp_path / "out", *options)
    assert result.exit_code == 0, result.output
    assert f"{refused}\t{decode.NOT_READABLE}\n" in (tmp_path / "out" / "skipped.txt").read_text()


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
