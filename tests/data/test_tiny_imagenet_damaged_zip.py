"""A Tiny ImageNet zip whose member's data fails its CRC-32 while its directory entry is intact (a download
damaged in transit): the image was skipped, the import exited 0, and a rerun after downloading the zip again
kept the skip (the shard's plan knows a member by the size and CRC-32 in the directory, which both copies
share). Now the import stops (65), naming the archive and the member, as CIFAR's does; a shard that an
earlier version wrote with such a skip is decoded again on a rerun."""

import zipfile

import numpy as np
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import archives, build, dataset

WNIDS = ("n01440764", "n02084071")
DAMAGED = "tiny-imagenet-200/train/n02084071/images/n02084071_1.JPEG"


def _members(image_bytes):
    """{member: bytes} of a tiny-imagenet-200 of 2 classes, 2 training images each (red 10, 20 / 30, 40), and 2
    validation images."""
    files = {f"train/{wnid}/images/{wnid}_{number}.JPEG": image_bytes((10 * (2 * index + number + 1), 9, 9), (16, 16))
             for index, wnid in enumerate(WNIDS) for number in range(2)}
    files.update({"wnids.txt": "\n".join(WNIDS).encode(), "words.txt": b"n01440764\ttench\nn02084071\tdog\n",
                  "val/val_annotations.txt": b"val_0.JPEG\tn02084071\t0\t0\t9\t9\nval_1.JPEG\tn01440764\t0\t0\t9\t9\n",
                  "val/images/val_0.JPEG": image_bytes((200, 9, 9), (16, 16)),
                  "val/images/val_1.JPEG": image_bytes((210, 9, 9), (16, 16))})
    return {f"tiny-imagenet-200/{name}": data for name, data in files.items()}


def _write_zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:  # stored: the member's bytes lie in the file as they are
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _damage(path, member):
    """Flip a byte in the middle of ``member``'s data, leaving the zip's directory (its CRC-32) as it was."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    raw = bytearray(path.read_bytes())
    header = info.header_offset
    start = header + 30 + int.from_bytes(raw[header + 26:header + 28], "little") + \
        int.from_bytes(raw[header + 28:header + 30], "little")  # the local header, its name and extra field
    raw[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(member).CRC == info.CRC and archive.testzip() == member


def _prepare(source, out, *options):
    return CliRunner().invoke(main, ["prepare", "tiny-imagenet", str(source), str(out), "--size", "12", "--workers",
                                     "0", *options])


def _check_whole(out):
    data = dataset.open_dataset(out)
    assert data.meta["skipped"] == [] and not (out / "skipped.txt").exists()
    reds = [int(round(float(image[..., 0].mean()))) for image in data.images("train", np.arange(4))]
    assert all(abs(red - want) <= 3 for red, want in zip(reds, (10, 20, 30, 40), strict=True)), reds
    assert data.labels("train").tolist() == [0, 0, 1, 1]


def test_a_member_failing_its_crc_stops_the_import_and_a_good_download_imports_whole(tmp_path, image_bytes):
    members = _members(image_bytes)
    source = _write_zip(tmp_path / "tiny-imagenet-200.zip", members)
    size = source.stat().st_size
    _damage(source, DAMAGED)
    result = _prepare(source, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert result.output.splitlines()[-1] == (
        f"error: bad data: {source}:{DAMAGED}: damaged archive (Bad CRC-32 for file '{DAMAGED}'): the download is "
        f"incomplete or damaged ({size} bytes): download tiny-imagenet-200.zip again")
    _write_zip(source, members)  # downloaded again
    result = _prepare(source, tmp_path / "out")
    assert result.exit_code == 0, result.output
    _check_whole(tmp_path / "out")


def test_a_shard_an_earlier_version_wrote_skipping_a_damaged_member_is_decoded_again(tmp_path, image_bytes,
                                                                                    monkeypatch):
    """Earlier versions skipped the member as "DatasetError: ...: damaged archive (Bad CRC-32 ...)": the rerun
    after the zip was downloaded again reused that shard, keeping the skip (only --overwrite recovered)."""
    members = _members(image_bytes)
    source = _write_zip(tmp_path / "tiny-imagenet-200.zip", members)
    _damage(source, DAMAGED)
    load_item = build.load_item

    def skipping_damage(item, size):  # as earlier versions did
        try:
            return load_item(item, size)
        except archives.ArchiveDamaged as error:
            return None, f"DatasetError: {error}", None  # its class then: ArchiveDamaged is newer

    monkeypatch.setattr(build, "load_item", skipping_damage)
    result = _prepare(source, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert DAMAGED in (tmp_path / "out" / "skipped.txt").read_text()
    monkeypatch.undo()
    _write_zip(source, members)  # downloaded again
    result = _prepare(source, tmp_path / "out")
    assert result.exit_code == 0, result.output
    _check_whole(tmp_path / "out")


def test_only_a_damaged_archives_skip_is_read_again_not_a_path_holding_the_words():
    """A skip of a file whose path holds "damaged archive" (a folder so named) was decoded again on every rerun."""
    from minitransfer.data import decode
    assert decode.readable_now(f"DatasetError: t.zip:train/n1/images/a.JPEG: {archives.DAMAGED_ARCHIVE} (Bad CRC-32)")
    assert not decode.readable_now(f"a link to /photos/{archives.DAMAGED_ARCHIVE} (old)/1.jpg, which does not exist")
