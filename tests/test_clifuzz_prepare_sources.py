"""A named pipe given as prepare's SOURCE is a usage error saying what it is (exit 2), before OUT is made:
folder and imagenet said it was "a folder that this user may not list (permission denied)" (74),
tiny-imagenet a bare "[Errno 20] Not a directory" (74), cifar10 and cifar100 that it held no batch files (65)."""

import os

import pytest
from click.testing import CliRunner

from minitransfer.cli import main

FOLDER = "give the folder that holds the images"
DOWNLOAD = "give the download (its archive) or the folder it unpacks into"


@pytest.mark.parametrize("importer, remedy", [("folder", FOLDER), ("imagenet", FOLDER), ("tiny-imagenet", DOWNLOAD),
                                              ("cifar10", DOWNLOAD), ("cifar100", DOWNLOAD)],
                         ids=["folder", "imagenet", "tiny-imagenet", "cifar10", "cifar100"])
def test_a_named_pipe_as_source_is_refused_as_one(importer, remedy, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkfifo("images")
    result = CliRunner().invoke(main, ["prepare", importer, "images", "out", "--workers", "0"])
    said = " ".join(result.output.split())
    assert result.exit_code == 2, said
    assert f"Invalid value for 'SOURCE': images is a named pipe: {remedy}" in said, said
    assert "permission denied" not in said and "Errno" not in said, said
    assert sorted(os.listdir()) == ["images"]
