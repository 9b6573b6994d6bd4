"""Memory sizes go through the one formatter files and disks use (:func:`minitransfer.disk_space.size_said`), in
binary units, as SLURM's --mem, cgroups, /dev/shm's df -h and nvidia-smi count memory: the unit printed is the
divisor used. Sizes here are ones where 10**6 and 2**20 bytes read differently (700 MB is 667.6 MiB)."""

import errno
import math
import os
import types

import pytest

from minitransfer import disk_space, preflight_memory
from minitransfer.data import loader_workers
from minitransfer.memory_limit import Available

MIB = 2**20


@pytest.mark.parametrize("size, unit, rounding, said", [
    (700 * 10**6, "MiB", None, "667.6 MiB"), (700 * 10**6, "MB", None, "700.0 MB"),
    (3 * 2**30 + 2**29, "GiB", None, "3.5 GiB"), (3 * 2**30 + 2**29, "GB", None, "3.8 GB"),
    (2**10, "KiB", None, "1.0 KiB"), (1500 * 2**30, "GiB", None, "1,500.0 GiB"),
    (700 * 10**6, "MiB", math.ceil, "667.6 MiB"), (700 * 10**6 + 10**5, "MiB", math.floor, "667.6 MiB"),
    (int(1.01 * 2**30), "GiB", math.ceil, "1.1 GiB"), (int(1.09 * 2**30), "GiB", math.floor, "1.0 GiB"),
], ids=["MiB", "MB", "GiB", "GB", "KiB", "GiB-thousands", "MiB-ceil", "MiB-floor", "GiB-ceil", "GiB-floor"])
def test_size_said_in_binary_units_divides_by_what_it_prints(size, unit, rounding, said):
    assert disk_space.size_said(size, unit=unit, rounding=rounding) == said


def test_the_memory_a_step_needs_is_said_in_mib_of_two_to_the_twentieth():
    need = preflight_memory.Need("a training step of micro at `batch_size=512`", "batch_size", 700 * 10**6)
    with pytest.raises(preflight_memory.OutOfMemory) as refused:
        preflight_memory.check_needs([need], Available(600 * 10**6, "MemAvailable in /proc/meminfo"))
    assert str(refused.value) == ("a training step of micro at `batch_size=512` needs about 668 MiB of memory; "
                                  "572 MiB is available (MemAvailable in /proc/meminfo); lower `batch_size`")
    assert preflight_memory.in_units(3 * 10**9, math.ceil) == "2.8 GiB"  # not "3.0 GiB" (GB's 10**9)
    assert preflight_memory.in_units(1000 * MIB) == "1,000 MiB"  # thousands separated, as every size


def test_shared_memory_that_does_not_fit_is_said_in_mib(monkeypatch):
    def full(descriptor, offset, length):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full)
    monkeypatch.setattr(os, "statvfs", lambda path: types.SimpleNamespace(f_bavail=64 * 10**3, f_blocks=10**5,
                                                                          f_frsize=1000))
    with pytest.raises(MemoryError, match=r"for 4 batches \(667\.6 MiB\) does not fit in /dev/shm "
                                          r"\(61\.0 MiB free of 95\.4 MiB\): "):
        loader_workers._reserve(types.SimpleNamespace(_fd=-1, size=700 * 10**6), "4 batches")
