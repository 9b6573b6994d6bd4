"""Every size the tool prints is said one way (decimal units, :func:`minitransfer.disk_space.size_said`):
prepare said KiB and MiB where train and report said MB. Sizes where the two conventions read differently."""

import os

from click.testing import CliRunner

from minitransfer import disk_space, grid_cost
from minitransfer.cli import main
from minitransfer.data import import_writes


def statvfs_with_free(free_bytes):
    return os.statvfs_result((4096, 1, 1 << 30, free_bytes, free_bytes, 1000, 900, 900, 0, 255))


def test_prepare_says_a_full_disk_in_the_units_train_says_it():
    """5,000,000 bytes needed, 3 MiB free: "4.8 MiB, 3.0 MiB free" before; train says the same disk in MB."""
    assert import_writes.room(5_000_000, statvfs_with_free(3 << 20)) == "about 5.0 MB, 3.1 MB free"
    assert import_writes.room(9_421, statvfs_with_free(16_384)) == "about 9.4 kB, 16.4 kB free"
    assert disk_space.needed_and_free(5_000_000, 3 << 20) == ("5.0 MB", "3.1 MB")


def test_the_unit_printed_is_the_divisor_used():
    assert disk_space.size_said(1 << 30, unit="GB") == "1.1 GB"
    assert disk_space.size_said(51_234_500_000) == "51,234.5 MB"
    assert grid_cost._sizes([236 << 20, 472 << 20]) == "247 MB, 495 MB"


def test_prepare_help_says_the_default_shard_in_mb():
    said = " ".join(CliRunner().invoke(main, ["prepare", "synthetic", "--help"]).output.split())
    assert "about 201 MB of images" in said, said
