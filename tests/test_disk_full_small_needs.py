"""A write of a few kilobytes refused on a disk with megabytes free (no inodes left: a disk full of small files; or
a quota used up) said "(0.0 MB needed, 20.1 MB free but no inodes (file entries) left there)": found filling a
tmpfs's inodes under `train` (result.json, config.json, eval.csv, metrics.jsonl each read so). The needed is said
in the unit its size reaches (:func:`minitransfer.disk_space.needed_and_free`), never as none."""

import re

import pytest

from minitransfer import disk_space, fileio
from test_disk_full_tmpfs import tmpfs  # noqa: F401 (the fixture)

UNITS = {"bytes": 1, "kB": 10**3, "MB": 10**6, "KiB": 2**10, "MiB": 2**20}


def bytes_said(text):
    """The size a message's figure ("1.6 kB", "25 bytes") stands for, and the rounding it allows."""
    number, unit = re.fullmatch(r"([\d,.]+) (\w+)", text).groups()
    decimals = len(number.partition(".")[2])
    return float(number.replace(",", "")) * UNITS[unit], 0.5 * 10**-decimals * UNITS[unit]


@pytest.mark.parametrize("needed", [1, 25, 999, 1_620, 30_000, 49_999])
@pytest.mark.parametrize("unit", ["MB", "MiB"])
def test_a_small_need_beside_megabytes_free_reads_as_what_it_is(needed, unit):
    needed_said, free_said = disk_space.needed_and_free(needed, 20_100_000, unit=unit)
    size, rounding = bytes_said(needed_said)
    assert size > 0 and abs(size - needed) <= rounding, (needed_said, free_said)
    assert free_said.endswith(f" {unit}"), free_said


def test_a_result_json_on_a_disk_out_of_inodes_says_its_kilobytes(tmpfs, tmp_path):  # noqa: F811
    disk = tmpfs(tmp_path / "disk", "size=20m,nr_inodes=2")  # the root folder and one more entry
    (disk / "other.txt").write_text("")
    with pytest.raises(fileio.StorageError) as raised:
        fileio.write_text(disk / "result.json", "r" * 1_620)
    message = str(raised.value)
    assert "result.json: No space left on device (1.6 kB needed, " in message, message
    assert "MB free but no inodes (file entries) left there); delete some files and rerun" in message, message
    assert sorted(path.name for path in disk.iterdir()) == ["other.txt"]  # no temporary left
