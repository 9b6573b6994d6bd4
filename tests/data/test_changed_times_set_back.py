"""A shard written to in place while a run reads it, its modification time then set back (``touch -r``,
``cp -p``, ``os.utime``): its device, inode, size and mtime are those checked at the start, but its change
time moved, which no user-space call sets back. The reader hashes such a shard again and stops naming it,
where it went on training on images nobody checked; a change time moved with the bytes intact (a chmod)
does not stop it, nor change a batch."""

import errno
import os
import re

import h5py
import numpy as np
import pytest

from minitransfer.data import dataset, image_reader
from minitransfer.data.dataset import DatasetError
from minitransfer.data.schema import DatasetUnreadable
from loading import WORKERS, take, train_loader

def _after_change_time_of(path):
    """Return once the file system's clock has moved past ``path``'s change time (coarse on some file
    systems: a change in the same tick would keep it), seen on a probe file written beside it."""
    probe = path.with_name(".probe")
    while True:
        probe.write_bytes(b"x")
        if probe.stat().st_ctime_ns > path.stat().st_ctime_ns:
            probe.unlink()
            return


def _invert_images_keeping_mtime(shard):
    """Every image byte of ``shard`` inverted in place, then its access and modification times set back."""
    _after_change_time_of(shard)
    before = shard.stat()
    with h5py.File(shard, "r") as handle:
        offset, size = handle["images"].id.get_offset(), handle["images"].id.get_storage_size()
    with open(shard, "r+b") as handle:
        handle.seek(offset)
        raw = handle.read(size)
        handle.seek(offset)
        handle.write(bytes(255 - value for value in raw))
    os.utime(shard, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = shard.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)


@pytest.mark.parametrize("workers", WORKERS)
def test_a_shard_written_to_mid_run_with_its_mtime_set_back_stops_the_loader_naming_it(copy, workers):
    shard = copy / "train-00000.h5"
    with train_loader(dataset.open_dataset(copy), workers) as batches:
        take(batches, 1)
        _invert_images_keeping_mtime(shard)
        with pytest.raises(DatasetError, match=re.escape(str(shard)) + r": written to after its checksum was checked, "
                                                                     r"its modification time then set back"):
            take(batches, 20)  # every image more than twice over


@pytest.mark.parametrize("workers", WORKERS)
def test_a_shard_written_to_between_the_check_and_its_opening_with_its_mtime_set_back_is_refused(copy, workers):
    shard = copy / "train-00002.h5"
    with train_loader(dataset.open_dataset(copy), workers) as batches:
        _invert_images_keeping_mtime(shard)
        with pytest.raises(DatasetError, match=re.escape(str(shard)) + r": written to after its checksum"):
            take(batches, 20)


@pytest.mark.parametrize("workers", WORKERS)
def test_a_chmod_mid_run_neither_stops_the_loader_nor_changes_a_batch(tiny_synthetic, copy, workers):
    """The oracle: the same stream read from the untouched dataset."""
    with train_loader(dataset.open_dataset(tiny_synthetic), 0) as batches:
        expected = take(batches, 20)
    shard = copy / "train-00001.h5"
    with train_loader(dataset.open_dataset(copy), workers) as batches:
        got = take(batches, 1)
        _after_change_time_of(shard)
        os.chmod(shard, 0o600)
        got += take(batches, 19)
    for (x, y), (x_expected, y_expected) in zip(got, expected, strict=True):
        np.testing.assert_array_equal(y, y_expected)
        np.testing.assert_array_equal(x, x_expected)


def test_a_shard_written_to_right_after_its_hash_with_its_mtime_set_back_is_refused(copy, monkeypatch):
    """Between check_files' stat (before hashing) and the stat the dataset took after it to learn the change
    time, a write with the mtime set back moved only the change time: the moved one was recorded as checked,
    and the reader read the inverted images unchecked."""
    shard = copy / "train-00000.h5"
    check_files = dataset.check_files

    def check_then_write(*arguments, **options):
        checked = check_files(*arguments, **options)
        if str(shard) in checked:
            _invert_images_keeping_mtime(shard)
        return checked

    data = dataset.open_dataset(copy)
    monkeypatch.setattr(dataset, "check_files", check_then_write)
    data.check_checksums("train")
    with pytest.raises(DatasetError, match=re.escape(str(shard)) + r": written to after its checksum was checked, "
                                                                 r"its modification time then set back"):
        data.images("train", [0])


def test_a_disk_error_hashing_a_shard_again_is_an_io_error_naming_it(copy, monkeypatch):
    """The hash again of a shard whose change time moved (a chmod) failing on a disk's I/O error escaped
    as a bare OSError, which the loader's workers report as bad data (65): it is the shard that cannot
    be read now (74), named."""
    shard = copy / "train-00001.h5"
    with train_loader(dataset.open_dataset(copy), 0) as batches:
        take(batches, 1)
        _after_change_time_of(shard)
        os.chmod(shard, 0o600)
        monkeypatch.setattr(image_reader.fileio, "sha256_stream",
                            lambda stream: (_ for _ in ()).throw(OSError(errno.EIO, "Input/output error")))
        with pytest.raises(DatasetUnreadable, match=re.escape(str(shard)) + ".*Input/output error"):
            take(batches, 20)
