"""Which network a checkpoint holds, wherever its file lies (:func:`network_sha256`).

A weights file's sha256 is of its bytes, and its root attributes record paths (its ``out``, its dataset's
folder, its base's file): one training run twice, byte for byte alike, in two folders or on two machines,
writes two files of two sha256s. :func:`network_sha256` digests what the network is and nothing of where:
its weight arrays and the part of its record that tells one network from another. ``train`` records it in
result.json beside the file's sha256 (``weights.network_sha256``), and a copy records its base's in its
``source`` record (``source.network_sha256``); :mod:`minitransfer.comparisons`,
:mod:`minitransfer.run_copies` and :mod:`minitransfer.grid_trained` take a base a transfer copied from as
the one beside it where either digest agrees, and a resumption and a grid's check of its runs take the file a
copy names now for the one it copied where its network is (:func:`copied_sha256`). Files written before carry
neither and are compared by their sha256 alone, as before.
"""

import functools
import hashlib
import json
import os

import numpy as np

from minitransfer import checkpoint as checkpoints
from minitransfer import fileio, rundir

# The root attributes (DESIGN.md §6) that tell a network, none of them a path: what it was trained on (the
# dataset's fingerprint, the sha256 of its meta.json, and class table; the split and half) and how far.
IDENTITY_FIELDS = ("dataset_fingerprint", "dataset_classes_sha256", "split_kind", "split_seed", "split_half",
                   "iteration")


def network_sha256(checkpoint):
    """Hex sha256 of the network ``checkpoint`` holds (a :class:`minitransfer.checkpoint.Checkpoint`, written
    or read): its preset, fc8's classes as (index, wnid), the :data:`IDENTITY_FIELDS` of its record, then
    every weight layer in order, its name and each array's shape and float32 bytes (C order). The same
    for the file wherever it was written or moved to, and for the checkpoint in memory it was written from."""
    meta = checkpoint.meta
    record = {"preset": str(checkpoint.preset),
              "classes": [[int(entry["index"]), str(entry["wnid"])] for entry in meta.get("classes", [])],
              **{key: _plain(meta.get(key)) for key in IDENTITY_FIELDS}}
    digest = hashlib.sha256(json.dumps(record, sort_keys=True).encode())
    for name, arrays in checkpoint.weights.items():
        digest.update(name.encode() + b"\0")
        for array in arrays:
            array = np.ascontiguousarray(array, dtype=np.float32)
            digest.update(json.dumps(list(array.shape)).encode() + b"\0")
            digest.update(array.tobytes())
    return digest.hexdigest()


_of_files = {}  # file sha256 -> network_sha256: a copy records its base's at every checkpoint


def file_network_sha256(checkpoint):
    """:func:`network_sha256` of ``checkpoint`` as read from its file, computed once per file content (its
    ``sha256``): a transfer's record of its base is written at its start and at each checkpoint, and CaffeNet's
    weights take about a second to digest."""
    if checkpoint.sha256 is None:
        return network_sha256(checkpoint)
    if checkpoint.sha256 not in _of_files:
        _of_files[checkpoint.sha256] = network_sha256(checkpoint)
    return _of_files[checkpoint.sha256]


def copied_sha256(meta, sha256_now, network_now):
    """The sha256 to compare with the one a copy's checkpoint recorded of its base (``meta``: its root attributes,
    ``parent_sha256``) for the base file it names now, whose sha256 is ``sha256_now``: that recorded one where the
    file is another but holds the network the copy recorded in its ``source`` record (``network_now()``: the
    file's :func:`network_sha256`, computed only then: the same base written elsewhere, whose file records its
    own paths); else ``sha256_now``. A copy written before that record is compared by the sha256 alone."""
    copied, source = meta.get("parent_sha256"), meta.get("source")
    network = source.get("network_sha256") if isinstance(source, dict) else None
    if sha256_now is None or sha256_now == copied or not (isinstance(network, str) and network):
        return sha256_now
    return copied if network_now() == network else sha256_now


@functools.lru_cache(maxsize=64)
def _file_sha256(path, device, inode, size, modified):
    return fileio.sha256_file(path)


def weights_sha256(path):
    """The sha256 of the weights file at ``path``, or None when there is none: the one its run's
    result.json recorded while the file is as train wrote it (:func:`minitransfer.rundir.recorded_sha256`),
    else the file read, once per version of it (device, inode, size, mtime) in this process."""
    return _recorded_or_read(path, rundir.recorded_sha256, _file_sha256)


def weights_network_sha256(path):
    """The :func:`network_sha256` of the weights (or checkpoint) file at ``path``: the one its run's result.json
    recorded (``weights.network_sha256``) while the file is as train wrote it
    (:func:`minitransfer.rundir.recorded_sha256`), else the file read, once per version of it (device, inode, size,
    mtime) in this process; None where there is none or it cannot be read. A grid's check of the base a transfer
    copied, and report's of a base whose result.json predates the record (:mod:`minitransfer.results`)."""
    return _recorded_or_read(path, _recorded_network, _file_network)


def _recorded_or_read(path, recorded, read):
    """``recorded(path, status)`` of the file at ``path`` (what its run's result.json says of it, while the file
    is as train wrote it), else ``read(real path, device, inode, size, mtime)``: cached, so a file is read once
    per version of it; None where nothing is at ``path``."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return recorded(path, status) or read(
        os.path.realpath(path), status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


def _recorded_network(path, status):
    """The digest of its network that the result.json of the weights file ``path`` recorded, while the file is
    as train wrote it (:func:`minitransfer.rundir.recorded_weights`: the record read once); else None."""
    record = rundir.recorded_weights(path, status)
    network = None if record is None else record.get("network_sha256")
    return network if isinstance(network, str) and network else None


@functools.lru_cache(maxsize=64)
def _file_network(path, device, inode, size, modified):
    try:
        return network_sha256(checkpoints.load(path, solver=False))
    except (checkpoints.CheckpointError, OSError):
        return None


def _plain(value):
    """A record's value as JSON writes it alike however it was read (an HDF5 attribute's NumPy integer)."""
    return value.item() if isinstance(value, np.generic) else value
