"""A report refused for want of space said "(0.3 MB needed, 0.3 MB free there)" on a disk 0.32 MB short of
0.31 MB free (found sweeping `report -o` over tmpfs sizes: every size from 300k to 340k read so): the
needed and the free figures are given in as many decimals as it takes for them to differ, as
:func:`minitransfer.fileio.storage_error` gives them (:func:`minitransfer.disk_space.needed_and_free`)."""

import os
import re
import pytest

from minitransfer import disk_space, fileio, report_folder

BLOCK = 4096


def fake_statvfs(free_blocks):
    """An ``os.statvfs`` of a disk of 4 KiB blocks with ``free_blocks`` free (inodes to spare)."""
    result = os.statvfs_result((BLOCK, BLOCK, 1000, free_blocks, free_blocks, 1000, 900, 900, 0, 255))
    return lambda path: result


def refusal(tmp_path, monkeypatch, size, free_blocks, earlier=()):
    monkeypatch.setattr(report_folder.os, "statvfs", fake_statvfs(free_blocks))
    with pytest.raises(fileio.StorageError) as raised:
        report_folder._refuse_what_cannot_fit(tmp_path, {"figure2.png": b"p" * size}, list(earlier))
    return str(raised.value)


def figures(message):
    return [float(number) for number in re.findall(r"(\d+\.\d+) MB", message)]


def test_a_report_that_does_not_fit_never_reads_as_needing_what_is_free(tmp_path, monkeypatch):
    message = refusal(tmp_path, monkeypatch, size=320_000, free_blocks=76)  # 323,584 B needed, 311,296 free
    assert "(0.32 MB needed, 0.31 MB free there); free some space and rerun" in message, message


def test_nor_as_needing_what_would_be_free_without_the_earlier_report(tmp_path, monkeypatch):
    earlier = tmp_path / "results.csv"
    earlier.write_bytes(b"r" * 40_000)
    freed = os.stat(earlier).st_blocks * 512
    message = refusal(tmp_path, monkeypatch, size=320_000, free_blocks=(323_584 - freed) // BLOCK - 1,
                      earlier=[earlier])
    needed, free, without_earlier = figures(message)
    assert needed > without_earlier > free, message
    assert "without the earlier report's files, which are kept as they were" in message


def test_the_figures_of_a_message_read_apart_to_the_kilobyte_else_in_bytes():
    assert disk_space.needed_and_free(540_000, 520_000) == ("0.54 MB", "0.52 MB")
    assert disk_space.needed_and_free(640_000, 300_000, 520_000) == ("0.6 MB", "0.3 MB", "0.5 MB")
    assert disk_space.needed_and_free(25, 0) == ("25 bytes", "0 bytes")
