"""A write refused with ENOSPC on a disk with megabytes free but no inodes left (a disk full of small files) said
"... MB free but no inodes (file entries) left there; free some space and rerun": freeing space gives no new file a
place there, deleting files does. Its advice now fits (fileio.INODES_RERUN), and a train's rerun advice is still
added to it (StorageError.rerun_with matches how a full disk's message ends)."""

import errno
import os
import pathlib

import pytest

from minitransfer import fileio


def _statvfs(inodes_free):
    """os.statvfs with the real figures of space, and ``inodes_free`` of 1000 inodes free."""
    real = os.statvfs

    def statvfs(path):
        status = real(path)
        return os.statvfs_result((status.f_bsize, status.f_frsize, status.f_blocks, status.f_bfree, status.f_bavail,
                                  1000, inodes_free, inodes_free, status.f_flag, status.f_namemax))
    return statvfs


def _refused(tmp_path, monkeypatch, inodes_free):
    def no_space(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "statvfs", _statvfs(inodes_free))
    monkeypatch.setattr(pathlib.Path, "write_bytes", no_space)
    with pytest.raises(fileio.StorageError) as raised:
        fileio.write_bytes(tmp_path / "result.json", b"{}")
    return raised.value


def test_a_disk_out_of_inodes_is_told_to_delete_files_not_to_free_space(tmp_path, monkeypatch):
    refused = _refused(tmp_path, monkeypatch, inodes_free=0)
    said = str(refused)
    assert "MB free but no inodes (file entries) left there); delete some files and rerun" in said, said
    assert "free some space" not in said, said
    again = refused.rerun_with("--resume auto")  # a train's advice, added where the message advises a rerun
    assert str(again) == f"{said} with --resume auto" and again.errno == errno.ENOSPC, again


def test_a_disk_with_inodes_left_is_still_told_to_free_space(tmp_path, monkeypatch):
    refused = _refused(tmp_path, monkeypatch, inodes_free=7)
    assert str(refused).endswith("MB free there); free some space and rerun"), refused
    assert str(refused.rerun_with("--resume auto")).endswith("; free some space and rerun with --resume auto")
