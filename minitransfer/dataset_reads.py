"""A report's reads of the datasets its runs were trained on (:mod:`minitransfer.run_facts`,
:mod:`minitransfer.validation_advice`): each dataset opened once for a report (:func:`opened`), each fact of it
read once (:func:`dataset_fact`), the built-in benchmark found where it is cached now (:func:`cached_copy`).
"""

import os

from minitransfer.data import dataset as datasets
from minitransfer.data import synthetic


def dataset_fact(read, path, facts, unread):
    """``read(dataset)`` of the dataset at ``path`` (a name this locale lists: a run's recorded UTF-8 text goes
    through :func:`minitransfer.rundir.recorded_path` once, by the caller; twice, a Latin-1 locale's name of
    "données" became "donnÃ\\x83Â©es"), read once for every run of it (``facts``: by (``read``, path), shared
    between runs), from the dataset opened once for every fact of it (:func:`opened`); ``unread`` where it cannot be
    read."""
    key = (read.__name__, path)
    if key not in facts:
        dataset = opened(path, facts)
        try:
            facts[key] = unread if dataset is None else read(dataset)
        except (OSError, ValueError):  # DatasetError is a ValueError, as is a class without a family
            facts[key] = unread
    return facts[key]


def opened(path, facts):
    """The dataset at ``path`` opened once for a report (``facts``: by path, for every fact of it); None where it
    cannot be."""
    key = ("dataset opened", path)  # no function's name: never a fact's key
    if key not in facts:
        try:
            facts[key] = datasets.open_dataset(cached_copy(path))
        except (OSError, ValueError):  # DatasetError is a ValueError
            facts[key] = None
    return facts[key]


def cached_copy(path):
    """``path``; for the built-in benchmark's (:func:`minitransfer.data.synthetic.is_builtin`) where it
    is gone (its cache deleted, or moved with $MINITRANSFER_CACHE: the demo's networks trained before
    record the old place), the same set where it is cached now, if it is (the report builds nothing)."""
    if os.path.exists(path) or not synthetic.is_builtin(path):
        return path
    try:
        cached = synthetic.builtin_path()
    except OSError:  # no home folder to find the cache in
        return path
    return cached if cached.exists() else path
