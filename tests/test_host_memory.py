"""minitransfer.host_memory: glibc keeps freed blocks for the NumPy reference's next op."""

import platform

import pytest

from minitransfer import host_memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_takes_the_thresholds():
    assert host_memory.keep_freed_memory() is True


def test_without_glibc_nothing_changes(monkeypatch):
    def missing(name):
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(host_memory.ctypes, "CDLL", missing)
    assert host_memory.keep_freed_memory() is False
