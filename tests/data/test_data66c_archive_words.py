"""A damaged archive whose reader's error has no words (zipfile's bare EOFError for a member whose data ends
before the size its header gives) is said in words, not by the error's class: "damaged archive (EOFError)"."""

import struct
import zipfile

import pytest

from minitransfer.data import archives, decode


def test_a_member_cut_short_is_said_so_not_by_the_class_of_the_error(tmp_path, image_bytes):
    archive = tmp_path / "images.zip"
    with zipfile.ZipFile(archive, "w") as writing:  # stored: its data read as it is, up to the size recorded
        writing.writestr("cat/1.png", image_bytes((10, 20, 30), kind="PNG"))
    data = bytearray(archive.read_bytes())
    directory = data.index(b"PK\x01\x02")  # the central directory's entry: compressed and full size at 20 and 24
    struct.pack_into("<II", data, directory + 20, 100_000, 100_000)
    archive.write_bytes(bytes(data))
    with pytest.raises(archives.ArchiveDamaged) as raised:
        decode.load_item(decode.ImportItem(path=str(archive), member="cat/1.png"), 8)
    assert isinstance(raised.value.__cause__, EOFError) and not str(raised.value.__cause__)
    assert str(raised.value) == (f"{archive}:cat/1.png: damaged archive (cut short: its data ends before the size its "
                                 f"header gives): the download is incomplete or damaged ({len(data)} bytes): download "
                                 f"images.zip again")
