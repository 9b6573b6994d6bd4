"""prepare on a really full disk (a small tmpfs: root only, skipped elsewhere), whichever of its files
the disk fills at: a shard, the mean image or meta.json."""

import re
import shutil

from minitransfer import fileio
from minitransfer.data import import_writes, synthetic
from test_disk_full_tmpfs import fill

AMOUNT = re.compile(r"([0-9.,]+) (kB|MB)")


def _bytes(number, unit):
    return float(number.replace(",", "")) * (1e3 if unit == "kB" else 1e6)


def test_the_space_an_import_needs_is_never_said_to_be_less_than_the_space_free(small_tmpfs, tmp_path):
    """A val shard that did not fit said "the rest of the import needs about 9.2 KiB, 16.0 KiB free" (9.4 kB, 16.4 kB):
    its images alone were counted, not the shard's pixel sum (8 bytes a pixel), its HDF5 headers, the
    mean image nor meta.json, so the disk read as roomy enough and a rerun failed again. Every free
    space the import can fail at is tried, one 4 KiB block at a time."""
    disk = small_tmpfs(tmp_path / "disk", "256k")
    failures = []
    for leave_blocks in range(0, 20):
        fill(disk, leave_blocks)
        try:
            synthetic.build_synthetic(disk / "data", classes=4, train_per_class=8, val_per_class=4, size=14)
        except fileio.StorageError as error:  # the lock file's, before the import: no space figures
            if isinstance(error, import_writes.DiskFull):
                failures.append(str(error))
        shutil.rmtree(disk / "data", ignore_errors=True)
        for path in disk.iterdir():
            path.unlink()
    assert len(failures) >= 3, failures  # the train shard, the val shard and meta.json at least
    for message in failures:
        found = re.search(r"the rest of the import needs about ([0-9.,]+ [kM]B), ([0-9.,]+ [kM]B) free",
                          message)
        assert found, message
        needed, free = (_bytes(*AMOUNT.fullmatch(amount).groups()) for amount in found.groups())
        assert needed > free, message
