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


@pytest.mark.parametrize("name, mode, kind", [("photos", "w:gz", "gzip"), ("photos", "w:bz2", "bzip2"),
                                              ("photos", "w:xz", "xz"), ("photos.dat", "w:gz", "gzip"),
                                              ("my photos", "w:gz", "gzip")])
def test_a_renamed_compressed_tar_is_told_its_tar_command_which_makes_a_folder_to_import(
        tmp_path, monkeypatch, image_bytes, name, mode, kind):
    made = tmp_path / "made" / "photos"
    for index, label in enumerate(CLASSES):
        (made / label).mkdir(parents=True)
        for number in range(4):
            (made / label / f"{number}.png").write_bytes(image_bytes((9 * number, 90 * index, 200), kind="PNG"))
    with tarfile.open(tmp_path / name, mode) as archive:
        archive.add(made, arcname="photos")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["prepare", "folder", name, "out"])
    said = _said(result)
    assert result.exit_code == 2, result.output
    assert f"{name} is a {kind}-compressed tar archive, not a folder: unpack it first (" in said, said
    assert "is a file" not in said and "single" not in said, said
    unpack = said.split("unpack it first (", 1)[1].split(") and give", 1)[0]
    before = set(tmp_path.iterdir())
    subprocess.run(unpack, shell=True, check=True, cwd=tmp_path)  # the command as said, run by a shell
    assert (tmp_path / name).is_file()  # the archive is kept
    [folder] = set(tmp_path.iterdir()) - before
    assert f"(in {folder.name})" in said, said
    images = folder / "photos"
    assert sorted(path.name for path in images.iterdir()) == list(CLASSES)
    prepared = CliRunner().invoke(main, ["prepare", "folder", str(images), "data", "--size", "14"])
    assert prepared.exit_code == 0, prepared.output
    meta = json.loads((tmp_path / "data" / "meta.json").read_text())
    assert [entry["name"] for entry in meta["classes"]] == list(CLASSES), meta["classes"]
