"""A compressed tar renamed without its suffix (a download saved as "photos") given as SOURCE: it was "a file:
give the folder that holds the images", while a single compressed file renamed is told by its first bytes. It
is said to be a compressed tar archive, with the tar command that unpacks it into a new folder beside it; that
command, run, makes a folder that `prepare folder` imports."""

import json
import subprocess
import tarfile

import pytest
from click.testing import CliRunner

from minitransfer.cli import main

CLASSES = ("cat", "dog")


def _said(result):
    return " ".join(result.output.split())


def _write_tar(tmp_path, name, mode, image_bytes):
    """``tmp_path/name``: a tar of photos/cat and photos/dog (``mode``: its compression)."""
    made = tmp_path / "made" / "photos"
    for index, label in enumerate(CLASSES):
        (made / label).mkdir(parents=True)
        for number in range(4):
            (made / label / f"{number}.png").write_bytes(image_bytes((9 * number, 90 * index, 200), kind="PNG"))
    with tarfile.open(tmp_path / name, mode) as archive:
        archive.add(made, arcname="photos")


def _unpacked_as_said(tmp_path, name, kind):
    """Refused as SOURCE, the command said run by a shell: (the folder said to hold the images, what it said)."""
    result = CliRunner().invoke(main, ["prepare", "folder", name, "out"])
    said = _said(result)
    assert result.exit_code == 2, result.output
    assert f"{name} is a {kind}-compressed tar archive, not a folder: " in said, said
    assert "is a file" not in said and "single" not in said, said
    verb = "unpack it anew (" if "may hold it unpacked already" in said else "unpack it first ("
    unpack = said.split(verb, 1)[1].split(") and give", 1)[0]
    into = said.split("(in ", 1)[1].rsplit(")", 1)[0]
    assert not (tmp_path / into).exists(), said  # a new folder, never one that exists
    subprocess.run(unpack, shell=True, check=True, cwd=tmp_path)  # the command as said, run by a shell
    assert (tmp_path / name).is_file()  # the archive is kept
    return tmp_path / into, said


@pytest.mark.parametrize("name, mode, kind", [("photos", "w:gz", "gzip"), ("photos", "w:bz2", "bzip2"),
                                              ("photos", "w:xz", "xz"), ("photos.dat", "w:gz", "gzip"),
                                              ("my photos", "w:gz", "gzip")])
def test_a_renamed_compressed_tar_is_told_its_tar_command_which_makes_a_folder_to_import(
        tmp_path, monkeypatch, image_bytes, name, mode, kind):
    _write_tar(tmp_path, name, mode, image_bytes)
    monkeypatch.chdir(tmp_path)
    before = set(tmp_path.iterdir())
    images, said = _unpacked_as_said(tmp_path, name, kind)
    [folder] = set(tmp_path.iterdir()) - before
    assert folder in (images, images.parent), said  # one folder made beside the archive, holding the images
    assert sorted(path.name for path in images.iterdir()) == list(CLASSES)
    prepared = CliRunner().invoke(main, ["prepare", "folder", str(images), "data", "--size", "14"])
    assert prepared.exit_code == 0, prepared.output
    meta = json.loads((tmp_path / "data" / "meta.json").read_text())
    assert [entry["name"] for entry in meta["classes"]] == list(CLASSES), meta["classes"]


def test_a_renamed_compressed_tar_beside_a_folder_of_its_top_folders_name_is_not_unpacked_into_it(
        tmp_path, monkeypatch, image_bytes):
    """photos.dat (a .tgz of photos/cat, photos/dog) beside a photos/ of other files: the command was
    `mkdir -p photos && tar xzf photos.dat -C photos`, merging into it and nesting photos/photos/cat."""
    _write_tar(tmp_path, "photos.dat", "w:gz", image_bytes)
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "notes.txt").write_text("mine")
    monkeypatch.chdir(tmp_path)
    images, said = _unpacked_as_said(tmp_path, "photos.dat", "gzip")
    assert "photos beside it may hold it unpacked already: give that folder" in said, said
    assert [path.name for path in (tmp_path / "photos").iterdir()] == ["notes.txt"], said  # left as it was
    assert sorted(path.name for path in images.iterdir()) == list(CLASSES), said
