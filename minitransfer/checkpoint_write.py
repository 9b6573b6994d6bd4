"""Writing a checkpoint (:func:`save`): a :class:`minitransfer.checkpoint.Checkpoint` in the HDF5 layout
:mod:`minitransfer.checkpoint` describes and reads, every array float32 with a Fletcher-32 checksum, in the HDF5
1.10 format (:data:`LIBVER`: object headers with checksums of their own), the format's marker and version
(:data:`FORMAT`, :data:`FORMAT_VERSION`) among the root attributes.

Writes are atomic: a temporary file in the target folder, flushed and fsynced, then renamed
over the target, so a crash leaves either the old file or the new one.
"""

import json

import numpy as np

from minitransfer import fileio, hdf5_files
from minitransfer.checkpoint_meta import DEFAULT_META, JSON_ATTRS

FORMAT = "minitransfer-checkpoint"
FORMAT_VERSION = 1
# The HDF5 1.10 file format: object headers carry checksums, and a one-chunk array's index lies in its
# own (1.8 kept it in a B-tree node without one); readable by HDF5 >= 1.10.
LIBVER = ("v110", "v110")


def save(path, checkpoint, named=None):
    """Write ``checkpoint`` to ``path`` atomically (built in memory, written in one piece); returns
    the file's sha256. A failed write raises :class:`minitransfer.fileio.StorageError` (naming the
    file as ``named`` does, where given: :func:`minitransfer.fileio.atomic_path`) and leaves the
    previous file as it was."""
    return fileio.write_hdf5(path, lambda f: _write(f, checkpoint), libver=LIBVER, named=named)


def _write(f, checkpoint):
    meta = {**DEFAULT_META, **checkpoint.meta}
    f.attrs["format"] = hdf5_files.text_attribute(FORMAT)
    f.attrs["format_version"] = FORMAT_VERSION
    f.attrs["preset"] = hdf5_files.text_attribute(checkpoint.preset)
    f.attrs["architecture"] = hdf5_files.text_attribute(
        json.dumps([[n, list(ws), list(bs)] for n, ws, bs in checkpoint.architecture]))
    for key, value in meta.items():
        if key in JSON_ATTRS:
            value = json.dumps(value)
        f.attrs[key] = hdf5_files.text_attribute(value) if isinstance(value, str) else value
    weights = f.create_group("weights")
    for name, (w, b) in checkpoint.weights.items():
        group = weights.create_group(name)
        _write_array(group, "W", w)
        _write_array(group, "b", b)
        group.attrs["frozen"] = bool(checkpoint.frozen.get(name, False))
    if checkpoint.mean is not None:
        _write_array(f, "mean", checkpoint.mean)
    if checkpoint.solver is not None:
        solver = f.create_group("solver")
        solver.attrs["iteration"] = int(checkpoint.solver.iteration)
        solver.attrs["seed"] = int(checkpoint.solver.seed)
        solver.attrs["cursor"] = hdf5_files.text_attribute(json.dumps(checkpoint.solver.cursor))
        velocity = solver.create_group("velocity")
        for name, (vw, vb) in checkpoint.solver.velocity.items():
            group = velocity.create_group(name)
            _write_array(group, "W", vw)
            _write_array(group, "b", vb)


def _write_array(group, key, array):
    """``array`` as the float32 dataset ``group[key]`` with a Fletcher-32 checksum (one chunk)."""
    array = np.asarray(array, dtype=np.float32)
    group.create_dataset(key, data=array, chunks=array.shape or None, fletcher32=True)
