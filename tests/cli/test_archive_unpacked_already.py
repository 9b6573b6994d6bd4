"""An archive given as SOURCE whose folder is there beside it already (photos.zip beside photos/, as one
unpacks a download and then gives the download): it was told only a command unpacking it anew; the folder
beside it, which may hold it unpacked, is named first, to be given instead."""

import shlex
import subprocess
import zipfile

import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main


def _zip_of_photos(tmp_path):
    """photos.zip holding photos/cat/a.png and photos/dog/b.png, made from a folder then moved away."""
    made = tmp_path / "made"
    for name in ("cat/a.png", "dog/b.png"):
        (made / "photos" / name).parent.mkdir(parents=True)
        Image.new("RGB", (8, 8), (40, 80, 120)).save(made / "photos" / name)
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as packed:
        for path in sorted((made / "photos").rglob("*.png")):
            packed.write(path, path.relative_to(made).as_posix())
    return archive


def _said(tmp_path, archive):
    result = CliRunner().invoke(main, ["prepare", "folder", str(archive), str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    return " ".join(result.output.split())


@pytest.mark.parametrize("there", [True, False], ids=["folder-there", "no-folder"])
def test_the_folder_an_archive_unpacks_into_is_named_where_it_is_there_already(tmp_path, there):
    archive = _zip_of_photos(tmp_path)
    folder = tmp_path / "photos"
    if there:
        (folder / "cat").mkdir(parents=True)
        (folder / "cat" / "kept.txt").write_text("mine\n")
    said = _said(tmp_path, archive)
    hint = f"{folder} beside it may hold it unpacked already: give that folder"
    assert (hint in said) == there, said
    command = said.split("unpack it anew (" if there else "unpack it first (", 1)[1].split(") and give", 1)[0]
    subprocess.run(command, shell=True, check=True, cwd=tmp_path)  # the command said does what it says
    unpacked = sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*.png")
                      if "made" not in path.parts)
    inside = "photos-2/photos" if there else "photos"
    assert unpacked == [f"{inside}/cat/a.png", f"{inside}/dog/b.png"], (shlex.split(command), unpacked)
    if there:
        assert (folder / "cat" / "kept.txt").read_text() == "mine\n"  # the folder there is left as it was
