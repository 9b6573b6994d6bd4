"""One file compressed alone (notes.txt.gz, no tar) given where an archive, an image or the devkit is expected:
its refusal was worded at each place that met it; it is now made in one place,
:func:`minitransfer.data.archives.single_file_refusal`, which every such place says after the file's name."""

import bz2
import gzip
import lzma
import shlex
import subprocess
import tarfile

import click
import pytest

from minitransfer.cli._prepare_options import DevkitFolder
from minitransfer.data import archives, cifar_files, dataset, decode

COMPRESSIONS = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}
TEXT = b"shot in 2014 with a borrowed lens\n"


@pytest.mark.parametrize("suffix", sorted(COMPRESSIONS))
def test_a_file_compressed_alone_is_refused_with_the_command_that_decompresses_it(tmp_path, suffix):
    path = tmp_path / f"notes.txt{suffix}"
    path.write_bytes(COMPRESSIONS[suffix](TEXT))
    said = archives.single_file_refusal(path, "an image", "decompress it")
    assert said.startswith("a single ") and said.endswith(", not an image: decompress it"), said
    command = said.split("(notes.txt; ", 1)[1].split(" makes it)", 1)[0]
    subprocess.run(shlex.split(command), check=True, cwd=tmp_path)  # the command said does what it says
    assert (tmp_path / "notes.txt").read_bytes() == TEXT


@pytest.mark.parametrize("mode, name", [("w:gz", "photos.tar.gz"), ("w:bz2", "photos.tar.bz2"), ("w:xz", "photos.xz")])
def test_a_compressed_tar_or_a_file_of_another_name_is_not_refused_so(tmp_path, mode, name):
    (tmp_path / "cat.txt").write_bytes(TEXT)
    with tarfile.open(tmp_path / name, mode) as archive:
        archive.add(tmp_path / "cat.txt", arcname="cat.txt")
    assert archives.single_file_refusal(tmp_path / name, "an image", "decompress it") is None
    (tmp_path / "notes.txt").write_bytes(gzip.compress(TEXT))  # gzip inside, but not named as compressed
    assert archives.single_file_refusal(tmp_path / "notes.txt", "an image", "decompress it") is None


def test_every_place_meeting_such_a_file_says_the_one_refusal(tmp_path, monkeypatch):
    """The decoder (a file in a class folder), CIFAR's reader (the download given) and --devkit: each says what
    single_file_refusal says, after the file's name where it names it."""
    path = tmp_path / "data_batch_1.gz"
    path.write_bytes(gzip.compress(TEXT))
    asked = []
    monkeypatch.setattr(archives, "single_file_refusal",
                        lambda given, instead, remedy, **_: asked.append(instead) or f"REFUSED as {instead}")
    assert decode.load_item(decode.ImportItem(path=str(path)), 8)[1] == "REFUSED as an image"
    with pytest.raises(dataset.DatasetError) as refused:
        cifar_files._check_tar(str(path), cifar_files.CIFAR10)
    assert str(refused.value) == f"{path}: REFUSED as a tar archive"
    with pytest.raises(click.BadParameter) as refused:
        DevkitFolder().convert(str(path), None, None)
    assert refused.value.message == f"{path} is REFUSED as the devkit"
    assert asked == ["an image", "a tar archive", "the devkit"]
