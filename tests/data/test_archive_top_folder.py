"""archives.top_folder: the one folder an archive's members lie in, told from their names, and told
cheaply: a compressed tar is decompressed to list it, so it reads no further than TOP_BYTES (a usage
message was minutes of decompressing a large download); untold, the archive is unpacked into a folder
of its own."""

import tarfile
import zipfile

import pytest
from click.testing import CliRunner
from tar_files import write_tar

from minitransfer.cli import main
from minitransfer.data import archives


@pytest.mark.parametrize("names, top", [(["photos/cat/0.jpg", "photos/dog/1.jpg"], "photos"),
                                        (["./photos/", "./photos/cat/0.jpg"], "photos"),
                                        (["cat/0.jpg", "dog/1.jpg"], None), (["readme.txt"], None),
                                        (["photos/cat/0.jpg", "notes.txt"], None)])
def test_the_one_top_folder_is_named_from_the_members(tmp_path, names, top):
    zipped = tmp_path / "a.zip"
    with zipfile.ZipFile(zipped, "w") as packed:
        for name in names:
            packed.writestr(name, b"x")
    assert archives.top_folder(zipped) == top
    files = [(name, b"x") for name in names if not name.endswith("/")]
    assert archives.top_folder(write_tar(tmp_path / "a.tar.gz", files)) == top


def test_a_tar_is_read_no_further_than_top_bytes(tmp_path, monkeypatch):
    packed = write_tar(tmp_path / "photos.tar.gz", {"photos/cat/0.jpg": bytes(4096), "photos/dog/1.jpg": bytes(4096)})
    assert archives.top_folder(packed) == "photos"
    monkeypatch.setattr(archives, "TOP_BYTES", 4096)
    assert archives.top_folder(packed) is None
    command, folder = archives.unpacked(packed)
    assert folder == str(tmp_path / "photos")  # named as the archive, made by its command
    assert command.startswith(f"mkdir -p {tmp_path / 'photos'} && tar xzf ")
    assert command == archives.unpack_beside(packed)


def _counting_tar_reads(monkeypatch, archive):
    """The list that grows by one each time tarfile opens ``archive`` (a .tar.gz: decompressed to list it)."""
    reads, tar_open = [], tarfile.open

    def counted(name=None, *args, **kwargs):
        if name is not None and str(name) == str(archive):
            reads.append(name)
        return tar_open(name, *args, **kwargs)
    monkeypatch.setattr(tarfile, "open", counted)
    return reads


@pytest.mark.parametrize("name", ["photos.tar.gz", "photos.dat"], ids=["archive", "renamed"])
@pytest.mark.parametrize("there", [True, False], ids=["folder-there", "no-folder"])
def test_an_archive_given_as_source_is_decompressed_once_to_tell_its_folder(tmp_path, monkeypatch, there, name):
    """The refusal names the command that unpacks it (its top folder) and a folder already there (its top folder
    again): it decompressed the archive twice, up to TOP_BYTES each time. A compressed tar renamed without its
    suffix (told by its first bytes) likewise."""
    packed = write_tar(tmp_path / name, {"photos/cat/0.jpg": bytes(64), "photos/dog/1.jpg": bytes(64)})
    if there:
        (tmp_path / "photos").mkdir()
    reads = _counting_tar_reads(monkeypatch, packed)
    result = CliRunner().invoke(main, ["prepare", "folder", str(packed), str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert ("beside it may hold it unpacked already" in result.output) == there, result.output
    assert len(reads) == 1, reads
