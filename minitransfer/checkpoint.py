"""Checkpoints: weights, provenance and solver state in one HDF5 file (DESIGN.md §6).

Layout (readable with plain h5py)::

    /weights/<layer>/W, /weights/<layer>/b   float32, Caffe shapes; group attr ``frozen`` (bool)
    /mean                                    float32 (H, W, 3): the mean image the first layers saw
    /solver/velocity/<layer>/W, .../b        momentum buffers (resumable checkpoints only)
    /solver attrs: iteration, seed, cursor (JSON: the training loader's position)
    root attrs:
        format "minitransfer-checkpoint", format_version 1
        preset, architecture (JSON [[layer, W shape, b shape], ...])
        classes (JSON [{index, wnid, name}, ...]: fc8's outputs in label order)
        dataset_fingerprint, dataset_classes_sha256 (the whole dataset's class table)
        split_kind, split_seed, split_half ("" for none)
        n_copied, n_frozen, frozen_layers (JSON), random_frozen (bool)
        parent_sha256 ("" for none), mean_source (JSON)
        iteration, config (JSON: the full resolved training configuration)

Writes are atomic: a temporary file in the target folder, flushed and fsynced, then renamed
over the target, so a crash leaves either the old file or the new one.
"""

import dataclasses
import json
import pathlib

import h5py
import numpy as np

from minitransfer import fileio

FORMAT = "minitransfer-checkpoint"
FORMAT_VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint is missing, unreadable, of another format, or does not fit the network."""


@dataclasses.dataclass
class Solver:
    """What exact resume needs beyond the weights."""

    iteration: int
    seed: int
    cursor: dict
    velocity: dict  # layer name -> (VW, Vb), NumPy float32


@dataclasses.dataclass
class Checkpoint:
    """A checkpoint in memory. ``weights``: layer name -> (W, b) NumPy float32, in layer order;
    ``frozen``: layer name -> bool; ``meta``: the root attributes other than format/architecture."""

    preset: str
    weights: dict
    frozen: dict
    meta: dict
    mean: np.ndarray = None
    solver: Solver = None
    path: pathlib.Path = None
    sha256: str = None

    @property
    def architecture(self):
        return [(name, tuple(w.shape), tuple(b.shape)) for name, (w, b) in self.weights.items()]

    @property
    def layer_names(self):
        return tuple(self.weights)

    @property
    def iteration(self):
        return int(self.meta.get("iteration", 0))

    @property
    def classes(self):
        return self.meta.get("classes", [])


JSON_ATTRS = ("classes", "frozen_layers", "mean_source", "config")
DEFAULT_META = {
    "classes": [], "dataset_fingerprint": "", "dataset_classes_sha256": "", "split_kind": "", "split_seed": 0, "split_half": "",
    "n_copied": 0, "n_frozen": 0, "frozen_layers": [], "random_frozen": False, "parent_sha256": "",
    "mean_source": {}, "iteration": 0, "config": {},
}


def save(path, checkpoint):
    """Write ``checkpoint`` to ``path`` atomically; returns the file's sha256."""
    with fileio.atomic_path(path) as temporary, h5py.File(temporary, "w") as f:
        _write(f, checkpoint)
    return fileio.sha256_file(path)


def _write(f, checkpoint):
    meta = {**DEFAULT_META, **checkpoint.meta}
    f.attrs["format"] = FORMAT
    f.attrs["format_version"] = FORMAT_VERSION
    f.attrs["preset"] = checkpoint.preset
    f.attrs["architecture"] = json.dumps([[n, list(ws), list(bs)] for n, ws, bs in checkpoint.architecture])
    for key, value in meta.items():
        f.attrs[key] = json.dumps(value) if key in JSON_ATTRS else value
    weights = f.create_group("weights")
    for name, (w, b) in checkpoint.weights.items():
        group = weights.create_group(name)
        group.create_dataset("W", data=np.asarray(w, dtype=np.float32))
        group.create_dataset("b", data=np.asarray(b, dtype=np.float32))
        group.attrs["frozen"] = bool(checkpoint.frozen.get(name, False))
    if checkpoint.mean is not None:
        f.create_dataset("mean", data=np.asarray(checkpoint.mean, dtype=np.float32))
    if checkpoint.solver is not None:
        solver = f.create_group("solver")
        solver.attrs["iteration"] = int(checkpoint.solver.iteration)
        solver.attrs["seed"] = int(checkpoint.solver.seed)
        solver.attrs["cursor"] = json.dumps(checkpoint.solver.cursor)
        velocity = solver.create_group("velocity")
        for name, (vw, vb) in checkpoint.solver.velocity.items():
            group = velocity.create_group(name)
            group.create_dataset("W", data=np.asarray(vw, dtype=np.float32))
            group.create_dataset("b", data=np.asarray(vb, dtype=np.float32))


def load(path, solver=True):
    """Read and validate a checkpoint; raises :class:`CheckpointError` naming the file and the fault."""
    path = pathlib.Path(path)
    if not path.exists():
        raise CheckpointError(f"checkpoint {path}: no such file")
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path}: not a file")
    try:
        is_hdf5 = h5py.is_hdf5(path)
    except OSError as error:
        raise CheckpointError(f"checkpoint {path}: cannot be read ({error})") from error
    if not is_hdf5:
        raise CheckpointError(f"checkpoint {path}: not an HDF5 file (corrupt or not a checkpoint)")
    try:
        with h5py.File(path, "r") as f:
            checkpoint = _read(f, path, solver)
    except CheckpointError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as error:
        raise CheckpointError(f"checkpoint {path}: corrupt or incomplete ({type(error).__name__}: {error})") from error
    checkpoint.path = path
    checkpoint.sha256 = fileio.sha256_file(path)
    return checkpoint


def _read(f, path, with_solver):
    if f.attrs.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {path}: not a minitransfer checkpoint (format attribute "
                              f"{f.attrs.get('format')!r}, expected {FORMAT!r})")
    version = int(f.attrs.get("format_version", -1))
    if version != FORMAT_VERSION:
        raise CheckpointError(f"checkpoint {path}: format version {version}, this minitransfer reads {FORMAT_VERSION}")
    architecture = json.loads(f.attrs["architecture"])
    weights, frozen = {}, {}
    for name, w_shape, b_shape in architecture:
        group = f["weights"][name]
        w, b = group["W"][...], group["b"][...]
        if list(w.shape) != list(w_shape) or list(b.shape) != list(b_shape):
            raise CheckpointError(f"checkpoint {path}: {name} has shapes {w.shape}, {b.shape}; "
                                  f"its architecture attribute says {tuple(w_shape)}, {tuple(b_shape)}")
        if w.dtype != np.float32 or b.dtype != np.float32:
            raise CheckpointError(f"checkpoint {path}: {name} must be float32, got {w.dtype}, {b.dtype}")
        weights[name] = (w, b)
        frozen[name] = bool(group.attrs.get("frozen", False))
    meta = dict(DEFAULT_META)
    for key in DEFAULT_META:
        if key in f.attrs:
            value = f.attrs[key]
            meta[key] = json.loads(value) if key in JSON_ATTRS else _plain(value)
    mean = f["mean"][...] if "mean" in f else None
    solver = None
    if with_solver and "solver" in f:
        group = f["solver"]
        velocity = {name: (group["velocity"][name]["W"][...], group["velocity"][name]["b"][...])
                    for name in weights}
        solver = Solver(iteration=int(group.attrs["iteration"]), seed=int(group.attrs["seed"]),
                        cursor=json.loads(group.attrs["cursor"]), velocity=velocity)
    return Checkpoint(preset=str(f.attrs["preset"]), weights=weights, frozen=frozen, meta=meta,
                      mean=mean, solver=solver)


def _plain(value):
    """h5py attribute scalars as plain Python values."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value


def check_architecture(checkpoint, net, layers=None):
    """Raise :class:`CheckpointError` unless the checkpoint's weight layers (or the named subset)
    have the net's names and shapes; the message names the layer and both shapes."""
    where = f"checkpoint {checkpoint.path}" if checkpoint.path else "checkpoint"
    expected = {name: (w, b) for name, w, b in net.architecture()}
    names = net.weight_layer_names if layers is None else tuple(layers)
    if checkpoint.preset != net.preset and layers is None:
        raise CheckpointError(f"{where} holds a {checkpoint.preset!r} network, this run builds {net.preset!r}")
    for name in names:
        if name not in checkpoint.weights:
            raise CheckpointError(f"{where} has no layer {name} (it has {', '.join(checkpoint.layer_names)})")
        w, b = checkpoint.weights[name]
        want_w, want_b = expected[name]
        if tuple(w.shape) != want_w or tuple(b.shape) != want_b:
            raise CheckpointError(f"{where}: layer {name} has W {tuple(w.shape)} and b {tuple(b.shape)}, "
                                  f"the network needs W {want_w} and b {want_b}")


def describe(path):
    """A JSON-serialisable summary of the checkpoint at ``path``: layers, shapes, frozen flags and
    provenance (what ``minitransfer info`` prints)."""
    saved = load(path)
    meta = saved.meta
    return {
        "path": str(path), "sha256": saved.sha256, "preset": saved.preset,
        "parameters": int(sum(w.size + b.size for w, b in saved.weights.values())),
        "layers": [{"name": name, "W": list(w.shape), "b": list(b.shape), "frozen": saved.frozen[name]}
                   for name, (w, b) in saved.weights.items()],
        "classes": len(meta["classes"]),
        "split": {"kind": meta["split_kind"], "seed": meta["split_seed"], "half": meta["split_half"]},
        "n_copied": meta["n_copied"], "n_frozen": meta["n_frozen"], "random_frozen": meta["random_frozen"],
        "parent_sha256": meta["parent_sha256"], "mean_source": meta["mean_source"],
        "iteration": meta["iteration"], "resumable": saved.solver is not None,
        "dataset_fingerprint": meta["dataset_fingerprint"],
        "config": meta["config"],
    }
