"""The CPU emulation's own guarantees (tests/cuda_emulator.py, tests/fake_cupy.py): what its tail runs
and what its vast virtual arrays cost."""

import pathlib

import numpy as np
import pytest

from cuda_emulator import emulated_tail  # noqa: F401 (a fixture)
from fake_cupy import Allocations
from minitransfer import cuda
from minitransfer.ops import relu

SMAPS = pathlib.Path("/proc/self/smaps")


def _vm_flags(address):
    """The VmFlags of the mapping of this process that holds ``address`` (/proc/self/smaps)."""
    inside = False
    for line in SMAPS.read_text().splitlines():
        head = line.split()[0]
        if "-" in head and not head.endswith(":"):
            begin, end = (int(v, 16) for v in head.split("-"))
            inside = begin <= address < end
        elif inside and head == "VmFlags:":
            return line.split()[1:]
    raise AssertionError(f"no mapping holds {address:#x}")


@pytest.mark.skipif(not SMAPS.exists(), reason="needs Linux's /proc/self/smaps")
def test_unpoisoned_arrays_have_huge_pages_off():
    """NumPy's huge-page switch only stops NumPy asking (madvise) for huge pages: on a host whose
    transparent_hugepage is `always`, a tail test's scattered touches of a 8 GiB array still cost
    2 MiB each. Every page of an unpoisoned array is marked MADV_NOHUGEPAGE ("nh"), its first
    and last included."""
    memory = Allocations(poison=False).allocate(64 << 20)
    for address in (memory.ptr + 4096, memory.ptr + memory.size // 2, memory.ptr + memory.size - 4096):
        flags = _vm_flags(address)
        assert "nh" in flags and "hg" not in flags, flags


def test_a_tail_outside_the_grid_fails(emulated_tail):
    """A tail from a block past the grid ran nothing and the test asserted on untouched memory."""
    cp = cuda.cupy()
    x = cp.empty(1000, np.float32)
    x[...] = np.arange(-500, 500)
    with pytest.raises(AssertionError, match=r"^Emulator.tail\(\(4, 0, 0\)\) ran no block"):
        with emulated_tail.tail((4, 0, 0)):
            relu.forward(x)
    with emulated_tail.tail((3, 0, 0)):  # the last of 4 blocks of 256: x[768:]
        y, _ = relu.forward(x)
    assert float(y[999]) == 499.0
