"""Shared by the tests of data that changes under a reading loader: a loader over every class's training
images, in-process or with a worker process, and a copy of the batches it gives."""

import pytest

from minitransfer.data import loader, splits

WORKERS = [pytest.param(0, id="in-process"), pytest.param(1, id="1-worker")]


def train_loader(data, workers):
    """A training loader over every class of ``data`` (batches of 10 crops of 12 px, seed 7)."""
    half = splits.make_half(data, "all")
    return loader.BatchLoader(data, "train", half.train_indices, half.train_labels, 10, 12, train=True, seed=7,
                              workers=workers)


def take(batches, count):
    """Copies of the next ``count`` (images, labels) batches of ``batches``."""
    return [(x.copy(), y.copy()) for _, (x, y) in zip(range(count), batches)]
