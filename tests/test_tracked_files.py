"""The repository tracks source, not data: no dataset, checkpoint or large file committed by accident.

A prepared dataset (meta.json, mean.h5 and 190 MB of shards) once went into a commit beside the code it
was made to test; every clone since carries it. The tests make their own data, so nothing here needs an
HDF5 file or anything near a megabyte in git.
"""
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LARGEST = 1 << 20          # the two demo figures are 0.2 MB; a shard is hundreds
DATA_SUFFIXES = (".h5", ".hdf5", ".npy", ".npz", ".pt", ".pth", ".caffemodel")


def tracked_files():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True)
    return [name for name in listed.stdout.decode().split("\0") if name]


def test_no_data_file_is_tracked():
    data = [name for name in tracked_files() if name.lower().endswith(DATA_SUFFIXES)]
    assert not data, f"data files are tracked (git rm them; tests make their own data): {data}"


def test_no_tracked_file_is_large():
    sizes = {name: (ROOT / name).stat().st_size for name in tracked_files() if (ROOT / name).is_file()}
    large = {name: size for name, size in sizes.items() if size > LARGEST}
    assert not large, f"files over {LARGEST} bytes are tracked: {large}"
