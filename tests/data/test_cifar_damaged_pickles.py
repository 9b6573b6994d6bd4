"""CIFAR pickles damaged in ways a truncation is not (bit rot in an unpacked folder, which no CRC guards; a
crafted archive): each is bad data naming its file, never a traceback, and none makes the import allocate what
a few bytes declare."""

import struct
import tracemalloc

import numpy as np
import pytest

from minitransfer.data import cifar
from data.test_cifar10 import UNPACK_AGAIN, _cifar10_parts, _file_bytes, _prepare, _write_folder

MEMO_INDEX = 1 << 24  # a LONG_BINPUT index with bit 24 set: the C unpickler grew its memo to 128 MiB for it


def _with_memo_index(raw, index):
    """The pickle ``raw`` with a harmless LONG_BINPUT of ``index`` after its PROTO (push 0, memoize it, pop it):
    it loads to the same object."""
    return raw[:2] + b"K\x00r" + struct.pack("<I", index) + b"0" + raw[2:]


def test_a_memo_index_flipped_high_allocates_nothing_for_it(tmp_path):
    batch = _cifar10_parts()["data_batch_1"]
    raw = _with_memo_index(_file_bytes(batch), MEMO_INDEX)
    tracemalloc.start()
    try:
        loaded = cifar.restricted_load(raw, "data_batch_1")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, f"{peak} bytes allocated to load a pickle of {len(raw)}"
    assert np.array_equal(loaded[b"data"], batch[b"data"]) and loaded[b"labels"] == batch[b"labels"]


def _damaged(name, damage):
    """CIFAR-10's parts with the pickle of ``name`` passed through ``damage`` (bytes -> bytes)."""
    parts = _cifar10_parts()
    parts[name] = damage(_file_bytes(parts[name]))
    return parts


DAMAGES = {  # id: (file, damage, what the unpickler says); before, each ended in a traceback or "out of memory"
    "codec-name": ("test_batch", lambda raw: raw.replace(b"latin1", b":atin1"), "with ':atin1'"),
    "dtype-string": ("data_batch_3", lambda raw: raw.replace(b"X\x02\x00\x00\x00u1", b"X\x02\x00\x00\x00,1"),
                     "invalid syntax"),
    "frame-length": ("data_batch_2", lambda raw: b"\x80\x04\x95" + b"\xff" * 8 + raw[2:], "frame size"),
    "bytearray-length": ("batches.meta", lambda raw: b"\x80\x05\x96" + struct.pack("<Q", 1 << 62) + raw[2:],
                         "refused a bytearray"),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_pickle_in_the_unpacked_folder_is_bad_data_naming_it(tmp_path, damage, tree_state):
    name, change, says = DAMAGES[damage]
    root = _write_folder(tmp_path / "unpacked", "cifar-10-batches-py", _damaged(name, change))
    before = tree_state(tmp_path)
    result = _prepare("cifar10", root, tmp_path / "out")
    assert result.exit_code == 65, result.output
    path = root / "cifar-10-batches-py" / name
    assert result.output.startswith(f"error: bad data: {path}: damaged pickle (")
    assert says in result.output and result.output.endswith(f"): {UNPACK_AGAIN}\n")
    assert tree_state(tmp_path) == before

