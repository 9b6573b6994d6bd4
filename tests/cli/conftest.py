"""Fixtures of the command-line tests."""

import pytest

from minitransfer.data import synthetic


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    """A 4-class synthetic dataset of 36 x 36 images (16 train + 4 val per class; the mini preset): its path."""
    path = tmp_path_factory.mktemp("data") / "synthetic-4"
    synthetic.build_synthetic(path, classes=4, train_per_class=16, val_per_class=4, size=36, seed=1)
    return path
