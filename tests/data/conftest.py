"""Fixtures for the data tests: a tiny synthetic dataset and the reference data beside the project."""

import pathlib

import pytest

from minitransfer.data import synthetic

SHARED_DATA = pathlib.Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture
def shared_data():
    """``<repo>/../shared/data`` (the reference files of its README), or a skip saying it is absent."""
    if not (SHARED_DATA / "ilsvrc12" / "synsets.txt").is_file():
        pytest.skip(f"reference data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def tiny_synthetic(tmp_path_factory):
    """A 6-class synthetic dataset (12 train + 4 val images per class, 16 x 16), in 3 train shards."""
    out = tmp_path_factory.mktemp("data") / "synthetic-6"
    synthetic.build_synthetic(out, classes=6, train_per_class=12, val_per_class=4, size=16, seed=5, shard_length=30)
    return out
