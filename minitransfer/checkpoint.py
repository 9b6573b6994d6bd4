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
        parent_sha256 ("" for none), source (JSON: the base's checkpoint, dataset and split, and
        whether that dataset is another one), mean_source (JSON)
        iteration, config (JSON: the full resolved training configuration)
        precision_changes (JSON [{iteration, from, to}, ...]: where a resumed run continued in
        another precision, --allow-precision-change)
    Text attributes are fixed-length UTF-8 (plain h5py reads bytes: ``.decode()``; see
    :func:`minitransfer.fileio.text_attribute` for why); checkpoints written before hold them as
    variable-length strings and load as before.

Loading trusts nothing it reads: every array must be finite and every weight at most
:data:`MAX_ABS_WEIGHT` in size (a run writes a checkpoint only while its weights are), the
iterations in 0..max_iter and in agreement with each other. Every array carries a Fletcher-32
checksum and every object header a checksum of its own (the HDF5 1.10 format), so an array
damaged on disk or in a copy is refused, not copied on into another network; checkpoints written
before carry none and load as before.

Writes are atomic: a temporary file in the target folder, flushed and fsynced, then renamed
over the target, so a crash leaves either the old file or the new one.
"""

import dataclasses
import json
import math
import pathlib

import h5py
import numpy as np

from minitransfer import __version__, fileio, models, run_lock, rundir
from minitransfer.ops import precision as precisions

FORMAT = "minitransfer-checkpoint"
FORMAT_VERSION = 1
MAX_OUTPUTS = 100_000       # the largest classifier a checkpoint may declare
MAX_IMAGE_SIZE = 4096       # the largest mean image side
# A run writes a checkpoint only while every weight is at most this large (a trained CaffeNet's are
# well below 1); beyond it the run has diverged even if its loss is still finite.
MAX_ABS_WEIGHT = 1e6
# The HDF5 1.10 file format: object headers carry checksums, and a one-chunk array's index lies in its
# own (1.8 kept it in a B-tree node without one); readable by HDF5 >= 1.10.
LIBVER = ("v110", "v110")
# What h5py raises reading a damaged file: OSError, or RuntimeError where a byte flipped in an object
# header garbles it (a bad version number, a heap offset out of range).
HDF5_DAMAGE = (OSError, RuntimeError)


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
    recorded_in: pathlib.Path = None  # a base not there, known by what this run checkpoint holds of it

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


JSON_ATTRS = ("classes", "frozen_layers", "mean_source", "config", "source", "precision_changes")
DEFAULT_META = {
    "classes": [], "dataset_fingerprint": "", "dataset_classes_sha256": "", "split_kind": "", "split_seed": 0, "split_half": "",
    "n_copied": 0, "n_frozen": 0, "frozen_layers": [], "random_frozen": False, "parent_sha256": "",
    "mean_source": {}, "iteration": 0, "config": {}, "source": {}, "precision_changes": [],
}


def save(path, checkpoint):
    """Write ``checkpoint`` to ``path`` atomically (built in memory, written in one piece); returns
    the file's sha256. A failed write raises :class:`minitransfer.fileio.StorageError` and leaves the
    previous file as it was."""
    return fileio.write_hdf5(path, lambda f: _write(f, checkpoint), libver=LIBVER)


def _write(f, checkpoint):
    meta = {**DEFAULT_META, **checkpoint.meta}
    f.attrs["format"] = fileio.text_attribute(FORMAT)
    f.attrs["format_version"] = FORMAT_VERSION
    f.attrs["preset"] = fileio.text_attribute(checkpoint.preset)
    f.attrs["architecture"] = fileio.text_attribute(
        json.dumps([[n, list(ws), list(bs)] for n, ws, bs in checkpoint.architecture]))
    for key, value in meta.items():
        if key in JSON_ATTRS:
            value = json.dumps(value)
        f.attrs[key] = fileio.text_attribute(value) if isinstance(value, str) else value
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
        solver.attrs["cursor"] = fileio.text_attribute(json.dumps(checkpoint.solver.cursor))
        velocity = solver.create_group("velocity")
        for name, (vw, vb) in checkpoint.solver.velocity.items():
            group = velocity.create_group(name)
            _write_array(group, "W", vw)
            _write_array(group, "b", vb)


def _write_array(group, key, array):
    """``array`` as the float32 dataset ``group[key]`` with a Fletcher-32 checksum (one chunk)."""
    array = np.asarray(array, dtype=np.float32)
    group.create_dataset(key, data=array, chunks=array.shape or None, fletcher32=True)


def load(path, solver=True):
    """Read and validate a checkpoint; raises :class:`CheckpointError` naming the file and the fault
    (:class:`minitransfer.fileio.StorageError` for a file this user may not read).

    Nothing is trusted before it is checked: the format, the preset (it must be registered), every
    layer's declared shape against the preset's (before any array is read, so a small file cannot
    make this allocate much), the mean image's shape and every attribute's type."""
    path = pathlib.Path(path)
    if not path.exists():
        raise CheckpointError(f"checkpoint {path}: no such file")
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path}: not a file")
    try:
        open(path, "rb").close()
    except OSError as error:  # no read permission: an I/O error (74), the file itself may be sound
        raise fileio.StorageError(error.errno, f"checkpoint {path}: cannot be read ({error.strerror})") from error
    try:
        is_hdf5 = h5py.is_hdf5(path)
    except OSError as error:
        raise CheckpointError(f"checkpoint {path}: cannot be read ({error})") from error
    if not is_hdf5:
        raise CheckpointError(f"checkpoint {path}: not an HDF5 file (corrupt or not a checkpoint)")
    # Hashed and read through one handle: a file renamed over this one meanwhile (a base's next
    # checkpoint, written as it trains) is neither hashed nor read in its place.
    try:
        with open(path, "rb") as handle:
            sha256 = fileio.sha256_stream(handle)
            handle.seek(0)
            with h5py.File(handle, "r") as f:
                checkpoint = _read(f, path, solver)
    except CheckpointError:
        raise
    except (*HDF5_DAMAGE, KeyError, ValueError, TypeError) as error:
        raise CheckpointError(f"checkpoint {path}: corrupt or incomplete ({type(error).__name__}: {error})") from error
    checkpoint.path = path
    checkpoint.sha256 = sha256
    return checkpoint


def is_checkpoint(path):
    """Whether ``path`` is an HDF5 file with the checkpoint format marker (the root attribute
    ``format``): a cheap look, nothing else is read, before a file is replaced."""
    try:
        if not pathlib.Path(path).is_file() or not h5py.is_hdf5(path):  # a named pipe: opening it waits
            return False
        with fileio.open_hdf5(path) as f:
            return fileio.plain_attribute(f.attrs.get("format")) == FORMAT
    except OSError:
        return False


def read_meta(path):
    """The root attributes of the checkpoint at ``path`` (:data:`META_TYPES`: its provenance),
    checked as :func:`load` checks them, without reading any array."""
    if pathlib.Path(path).exists() and not pathlib.Path(path).is_file():  # a named pipe: opening it waits, forever
        raise CheckpointError(f"checkpoint {path}: not a file")
    try:
        with fileio.open_hdf5(path) as f:
            if _format(f) != FORMAT:
                raise CheckpointError(f"checkpoint {path}: not a minitransfer checkpoint")
            return _meta(f, _Faults(path))
    except HDF5_DAMAGE as error:
        raise CheckpointError(f"checkpoint {path}: cannot be read ({error})") from error


def _read(f, path, with_solver):
    fault = _Faults(path)
    if _format(f) != FORMAT:
        raise CheckpointError(f"checkpoint {path}: not a minitransfer checkpoint (format attribute "
                              f"{_format(f)!r}, expected {FORMAT!r})")
    version = fileio.plain_attribute(f.attrs.get("format_version", -1))
    if type(version) is not int or version != FORMAT_VERSION:  # "1", a text, is not version 1 (nor said as if it were)
        newer = (f": it was written by a newer minitransfer; upgrade this one ({__version__}) to read it"
                 if type(version) is int and version > FORMAT_VERSION else "")
        raise CheckpointError(f"checkpoint {path}: format version {version!r:.80}, this minitransfer reads "
                              f"{FORMAT_VERSION}{newer}")
    preset = fileio.plain_attribute(f.attrs.get("preset"))
    if not isinstance(preset, str) or preset not in models.PRESETS:
        raise fault(f"preset {preset!r:.80} is not a known network (known: {', '.join(models.PRESETS)})")
    architecture, classifier = _architecture(f, fault, models.PRESETS[preset])
    weights, frozen = {}, {}
    for name, w_shape, b_shape in architecture:
        group = _member(f, f"weights/{name}", h5py.Group, fault)
        weights[name] = (_weight(group, "W", w_shape, fault), _weight(group, "b", b_shape, fault))
        frozen[name] = "frozen" in group.attrs and _typed(group.attrs, "frozen", bool, fault, where=group.name)
    meta = _meta(f, fault)
    for key in ("n_copied", "n_frozen"):  # info says "copied layers 1..n": a count of this network's layers
        if not 0 <= meta[key] <= len(architecture):
            raise fault(f"attribute {key} is {meta[key]}; {preset} has {len(architecture)} weight layers")
    outputs = weights[classifier][0].shape[0] if classifier in weights else len(meta["classes"])
    if outputs < len(meta["classes"]):  # train makes it at least as wide as the classes
        raise fault(f"layer {classifier} has W {weights[classifier][0].shape}: {outputs} outputs for the "
                    f"{len(meta['classes'])} classes the file records (a class would have no output)")
    mean = _mean(f, fault) if _holds(f, "mean") else None
    solver = None
    if with_solver and _holds(f, "solver"):
        group = _member(f, "solver", h5py.Group, fault)
        velocity = {name: tuple(_array(_member(group, f"velocity/{name}", h5py.Group, fault), key, shape, fault)
                                for key, shape in (("W", w_shape), ("b", b_shape)))
                    for name, w_shape, b_shape in architecture}
        solver = Solver(iteration=_typed(group.attrs, "iteration", int, fault), seed=_typed(group.attrs, "seed", int, fault),
                        cursor=_typed(group.attrs, "cursor", dict, fault, decode=True), velocity=velocity)
        if solver.iteration != meta["iteration"]:
            raise fault(f"solver attribute iteration {solver.iteration} disagrees with the root attribute iteration "
                        f"{meta['iteration']}")
    return Checkpoint(preset=preset, weights=weights, frozen=frozen, meta=meta, mean=mean, solver=solver)


def _format(f):
    """The format attribute, None without one; raises where the attributes are damaged (h5py's
    ``attrs.get`` would say None: "not a checkpoint" for a checkpoint whose checksum fails). Any
    other type than text (an array: comparing it would raise) is repr'd, so it never equals FORMAT."""
    if "format" not in f.attrs:
        return None
    value = fileio.plain_attribute(f.attrs["format"])
    return value if isinstance(value, str) else repr(value)


def _holds(group, name):
    """Whether ``group`` has a member called ``name`` (a link of any kind, not followed: ``name in
    group`` would follow an external link, and opening a named pipe it names waits forever)."""
    return group.get(name, getlink=True) is not None


def _member(group, key, kind, fault):
    """``group[key]`` (``key`` a path: "velocity/fc8") if it is there and a ``kind`` (h5py.Group or
    h5py.Dataset); a clear error naming the object otherwise (h5py's KeyError names neither it nor
    the file). Every step must be an object of this file: a soft link may lead nowhere or in a
    circle, an external link to another file (a named pipe: opening it waits forever)."""
    where = f"{group.name.rstrip('/')}/{key}"
    member = group
    for step in key.split("/"):
        link = member.get(step, getlink=True) if isinstance(member, h5py.Group) else None
        if link is None:
            raise fault(f"{where} is missing (the file is corrupt or incomplete)")
        if isinstance(link, h5py.ExternalLink):
            raise fault(f"{member.name.rstrip('/')}/{step} is a link to {link.filename}: a checkpoint holds its "
                        f"arrays itself")
        if not isinstance(link, h5py.HardLink):
            raise fault(f"{member.name.rstrip('/')}/{step} is a soft link (to {link.path}): a checkpoint holds its "
                        f"arrays under their own names")
        member = member[step]
    if not isinstance(member, kind):
        raise fault(f"{where} must be an HDF5 {kind.__name__.lower()}, the file has a {type(member).__name__}")
    return member


class _Faults:
    """Builds the :class:`CheckpointError` of one file."""

    def __init__(self, path):
        self.path = path

    def __call__(self, what):
        return CheckpointError(f"checkpoint {self.path}: {what}")


def _architecture(f, fault, preset):
    """The declared [(name, W shape, b shape)], each layer checked against ``preset`` (the last
    layer's output count may differ, up to :data:`MAX_OUTPUTS`), and the name of that last layer.
    The layers are the preset's (some may be missing), each once and in its order: a network is
    loaded by it (fc8's width read off the last layer), and a file written by :func:`save` lists
    them so."""
    declared = _typed(f.attrs, "architecture", list, fault, decode=True)
    probe = preset.build(1)
    expected = {name: (w, b) for name, w, b in probe.architecture()}
    classifier = probe.weight_layer_names[-1]
    layers = []
    for entry in declared:
        if not (isinstance(entry, list) and len(entry) == 3 and entry[0] in expected
                and all(isinstance(shape, list) and all(type(d) is int for d in shape) for shape in entry[1:])):
            raise fault(f"architecture entry {entry!r:.80} is not [layer of {preset.name}, W shape, b shape]")
        name, w_shape, b_shape = entry[0], tuple(entry[1]), tuple(entry[2])
        want_w, want_b = expected[name]
        if name == classifier and len(w_shape) == 2 and 1 <= w_shape[0] <= MAX_OUTPUTS:
            want_w, want_b = (w_shape[0], want_w[1]), (w_shape[0],)
        if (w_shape, b_shape) != (want_w, want_b):
            raise fault(f"layer {name} is declared W {w_shape} and b {b_shape}; preset {preset.name} has W {want_w} "
                        f"and b {want_b}" + (f" (up to {MAX_OUTPUTS} outputs)" if name == classifier else ""))
        layers.append((name, w_shape, b_shape))
    order = [probe.weight_layer_names.index(name) for name, _, _ in layers]
    if order != sorted(set(order)):
        raise fault(f"attribute architecture lists layers {', '.join(name for name, _, _ in layers)}; "
                    f"preset {preset.name} has {', '.join(probe.weight_layer_names)}, in that order, each once")
    return layers, classifier


def _array(group, key, shape, fault):
    """``group[key]`` read as float32 once its declared shape and type are checked."""
    dataset = _member(group, key, h5py.Dataset, fault)
    if tuple(dataset.shape) != tuple(shape) or dataset.dtype != np.float32:
        raise fault(f"{dataset.name} must be float32 {tuple(shape)}, the file declares {dataset.dtype} {dataset.shape}")
    if dataset.external or dataset.is_virtual:  # its values in other files: one may be a named pipe, or vanish
        raise fault(f"{dataset.name} keeps its values in other files ({'virtual' if dataset.is_virtual else 'external'}"
                    f" storage): a checkpoint holds its arrays itself")
    if _unwritten(dataset):  # HDF5 reads what was never written as zeros, without an error
        raise fault(f"{dataset.name} was never written (no data stored for it: the file is incomplete)")
    try:
        array = dataset[...]
    except HDF5_DAMAGE as error:  # a Fletcher-32 checksum that fails, or the data cut short
        raise fault(f"{dataset.name} cannot be read: the file is damaged ({error})") from error
    if not np.isfinite(array).all():
        raise fault(f"{dataset.name} holds NaN or infinite values (a run writes only finite ones: the file is damaged)")
    return array


def _weight(group, key, shape, fault):
    """A layer's ``W`` or ``b`` (:func:`_array`), at most :data:`MAX_ABS_WEIGHT` in size, as a run
    writes them: larger, a transfer copying it would fail at its first checkpoint, blamed on its own
    learning rate."""
    array = _array(group, key, shape, fault)
    # its largest size without a copy of |array| (caffenet's fc6/W is 151 MB)
    largest = max(float(array.max(initial=0)), -float(array.min(initial=0)))
    if largest > MAX_ABS_WEIGHT:
        raise fault(f"{group.name}/{key} holds a value of size {largest:.4g}, beyond the {MAX_ABS_WEIGHT:g} a run "
                    f"writes (its training diverged, or the file is damaged)")
    return array


def _unwritten(dataset):
    """Whether part of ``dataset`` has no storage in the file: a chunk never written, or a
    contiguous array never allocated."""
    if dataset.size == 0:
        return False
    if dataset.chunks is None:
        return dataset.id.get_storage_size() == 0
    chunks = math.prod(-(-side // chunk) for side, chunk in zip(dataset.shape, dataset.chunks))
    return dataset.id.get_num_chunks() < chunks


def _mean(f, fault):
    shape = getattr(_member(f, "mean", object, fault), "shape", None)  # a group: no shape
    if shape is None or len(shape) != 3 or shape[2] != 3 or max(shape) > MAX_IMAGE_SIZE or min(shape) < 1:
        raise fault(f"/mean must be an (H, W, 3) image of 1 to {MAX_IMAGE_SIZE} pixels a side, got {shape}")
    return _array(f, "mean", shape, fault)


# The type every root attribute must have (JSON attributes decoded first).
META_TYPES = {
    "classes": list, "dataset_fingerprint": str, "dataset_classes_sha256": str, "split_kind": str, "split_seed": int,
    "split_half": str, "n_copied": int, "n_frozen": int, "frozen_layers": list, "random_frozen": bool,
    "parent_sha256": str, "mean_source": dict, "iteration": int, "config": dict, "source": dict,
    "precision_changes": list,
}


def _meta(f, fault):
    meta = dict(DEFAULT_META)
    for key, kind in META_TYPES.items():
        if key in f.attrs:
            meta[key] = _typed(f.attrs, key, kind, fault, decode=key in JSON_ATTRS)
    for number, entry in enumerate(meta["classes"]):
        if not (isinstance(entry, dict) and type(entry.get("index")) is int and isinstance(entry.get("wnid"), str)
                and isinstance(entry.get("name"), str)):
            raise fault(f"attribute classes entry {number} must be {{index: int, wnid: str, name: str}}, "
                        f"got {entry!r:.80}")
    if not all(isinstance(name, str) for name in meta["frozen_layers"]):
        raise fault("attribute frozen_layers must be a list of layer names")
    for number, entry in enumerate(meta["precision_changes"]):
        if not (isinstance(entry, dict) and type(entry.get("iteration")) is int
                and entry.get("from") in precisions.PRECISIONS and entry.get("to") in precisions.PRECISIONS):
            raise fault(f"attribute precision_changes entry {number} must be {{iteration: int, from: precision, to: "
                        f"precision}} (precisions: {', '.join(precisions.PRECISIONS)}), got {entry!r:.80}")
    seen = set()
    for entry in meta["classes"]:  # fc8's outputs are distinct classes
        if entry["index"] in seen:
            raise fault(f"attribute classes lists class {entry['index']} more than once")
        seen.add(entry["index"])
    for key, fields in (("source", SOURCE_FIELDS), ("mean_source", MEAN_SOURCE_FIELDS)):
        _check_fields(meta[key], fields, f"attribute {key}", fault)
    _check_config(meta["config"], fault)
    _check_iteration(meta, fault)
    return meta


# The provenance records' fields and their types (fields not listed are kept unchecked). A mean
# image copied from a base records the base's own record under "from".
SOURCE_FIELDS = {"checkpoint": str, "sha256": str, "dataset": str, "dataset_fingerprint": str,
                 "dataset_classes_sha256": str, "classes": int, "split_kind": str, "split_seed": int,
                 "split_half": str, "cross_dataset": bool, "precision": str}
MEAN_SOURCE_FIELDS = {"kind": str, "checkpoint": str, "sha256": str, "dataset": str, "fingerprint": str, "from": dict,
                      "resized_from": list}


def _check_fields(record, fields, what, fault):
    """Each field of ``record`` listed in ``fields`` has its type, a resized_from is [height, width],
    and the record under "from" (where ``fields`` has one) is checked the same way."""
    while record:
        for key, kind in fields.items():
            if key in record and type(record[key]) is not kind:
                raise fault(f"{what} field {key} must be {kind.__name__}, got {record[key]!r:.80}")
        resized = record.get("resized_from")
        if resized is not None and not (len(resized) == 2 and all(type(side) is int and 1 <= side <= MAX_IMAGE_SIZE
                                                                    for side in resized)):
            raise fault(f"{what} field resized_from must be [height, width], got {resized!r:.80}")
        record, what = record.get("from") if "from" in fields else None, f"{what} field from"


# The configuration fields that readers of a checkpoint use (eval, copying, resuming), with their
# type and least value; None (a default left unresolved) is taken as absent.
CONFIG_FIELDS = {"data": (str, None), "seed": (int, 0), "split_seed": (int, 0), "per_class": (int, 1),
                 "max_iter": (int, 1), "batch_size": (int, 1), "eval_batch_size": (int, 1)}


def _check_config(config, fault):
    """Each field of :data:`CONFIG_FIELDS` in ``config`` is None or of its type and range, and the
    precision, where one is recorded (always, since precisions exist), one this minitransfer
    computes in."""
    for key, (kind, least) in CONFIG_FIELDS.items():
        value = config.get(key)
        if value is None:
            continue
        if type(value) is not kind or least is not None and value < least:
            bound = f" >= {least}" if least is not None else ""
            raise fault(f"attribute config field {key} must be {kind.__name__}{bound}, got {value!r:.80}")
    if "precision" in config and config["precision"] not in precisions.PRECISIONS:
        raise fault(f"attribute config field precision must be one of {', '.join(precisions.PRECISIONS)}, "
                    f"got {config['precision']!r:.80}")


def _check_iteration(meta, fault):
    """A run's checkpoint lies between its start and its end (the max_iter its configuration records)."""
    iteration, max_iter = meta["iteration"], meta["config"].get("max_iter")
    if iteration < 0:
        raise fault(f"attribute iteration is {iteration}; an iteration count is never negative")
    if type(max_iter) is int and iteration > max_iter:
        raise fault(f"attribute iteration is {iteration}, past the end of its run (config max_iter {max_iter})")


def _typed(attrs, key, kind, fault, decode=False, where=None):
    """Attribute ``key`` (JSON-decoded when ``decode``) if it is a ``kind``; a clear error otherwise,
    naming the object it is attached to (``where``, e.g. ``/weights/conv1``) unless it is the root."""
    value = fileio.plain_attribute(attrs[key])
    name = f"attribute {key}" + (f" of {where}" if where else "")
    if decode:
        try:
            value = fileio.parse_json(value)
        except (TypeError, ValueError):
            raise fault(f"{name} must be JSON, got {value!r:.80}") from None
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise fault(f"{name} must be {'a JSON ' if decode else 'a '}{kind.__name__}, got {value!r:.80}")
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
            raise CheckpointError(f"{where} has no layer {name} (it has {', '.join(checkpoint.layer_names) or 'none'})")
        w, b = checkpoint.weights[name]
        want_w, want_b = expected[name]
        if tuple(w.shape) != want_w or tuple(b.shape) != want_b:
            presets = f" (it holds a {checkpoint.preset!r} network, this run builds {net.preset!r}: leave `preset` " \
                      f"unset to build the checkpoint's)" if checkpoint.preset != net.preset else ""
            raise CheckpointError(f"{where}: layer {name} has W {tuple(w.shape)} and b {tuple(b.shape)}, "
                                  f"the network needs W {want_w} and b {want_b}{presets}")


def _split(meta):
    """The split a checkpoint was trained on, as :meth:`minitransfer.data.splits.Half.describe` names it:
    a seed for the random split only (the others are not drawn, whatever ``split_seed`` was given), no
    half for the all split."""
    kind = meta["split_kind"]
    return {"kind": kind, "seed": meta["split_seed"] if kind == "random" else None, "half": meta["split_half"] or None}


def describe(path):
    """A JSON-serialisable summary of the checkpoint at ``path``: layers, shapes, frozen flags and
    provenance (what ``minitransfer info`` prints). ``finished``: its iteration is its run's last
    (max_iter), so it is the trained network, not ``resumable`` (which it is with its solver state
    before then). ``run``: where ``path`` is the checkpoint.h5 of a run folder, that folder, its
    ``weights_file`` (:func:`minitransfer.rundir.weights_for`: where a finished run's weights are, or
    would be), whether it ``weights_file_exists``, the PID ``training`` it now (None when no
    process does; -1 for one starting up: :func:`minitransfer.run_lock.holder`) and the
    ``training_host`` that PID is on where that is another machine (a SLURM task on another node;
    else None); else None.
    ``diverged``: where the run's training diverged after this checkpoint, what
    :func:`minitransfer.rundir.divergence` says (resumed, it would diverge again); else ""."""
    saved = load(path)
    meta = saved.meta
    finished = saved.iteration == meta["config"].get("max_iter")
    run_folder = _run_folder(path)
    run = None
    if run_folder is not None:
        weights = rundir.weights_for(run_folder)  # reads its config.json
        training = _training(run_folder)
        run = {"folder": str(run_folder), "weights_file": str(weights), "weights_file_exists": weights.is_file(),
               "training": training, "training_host": getattr(training, "host", None)}
    return {
        "path": str(path), "sha256": saved.sha256, "preset": saved.preset,
        "parameters": int(sum(w.size + b.size for w, b in saved.weights.values())),
        "layers": [{"name": name, "W": list(w.shape), "b": list(b.shape), "frozen": saved.frozen[name]}
                   for name, (w, b) in saved.weights.items()],
        "classes": len(meta["classes"]),
        "class_table": [{"label": label, **entry} for label, entry in enumerate(meta["classes"])],  # fc8's outputs
        "split": _split(meta),
        "n_copied": meta["n_copied"], "n_frozen": meta["n_frozen"], "random_frozen": meta["random_frozen"],
        "parent_sha256": meta["parent_sha256"], "source": meta["source"], "mean_source": meta["mean_source"],
        "iteration": meta["iteration"], "finished": finished, "resumable": saved.solver is not None and not finished,
        "run": run, "diverged": _diverged_after(run_folder) if saved.solver is not None and run_folder else "",
        "dataset_fingerprint": meta["dataset_fingerprint"],
        "precision": meta["config"].get("precision"), "precision_changes": meta["precision_changes"],
        "config": meta["config"],
    }


def _run_folder(path):
    """The run folder whose checkpoint.h5 ``path`` is, under its own name (``.`` inside it, a link to it:
    the folder itself, whose name names its weights file); None for another file. A folder renamed by
    hand is still one: it holds the run's config.json, whatever it is called now."""
    path = pathlib.Path(path)
    try:
        folder = path.absolute().parent.resolve()
        in_run = path.name == "checkpoint.h5" and (rundir.is_run_dir(folder) or (folder / "config.json").is_file())
    except (OSError, RuntimeError):  # RuntimeError: a loop of links on the way (Python < 3.13)
        return None
    return folder if in_run and folder.name else None


def _training(run_folder):
    """The PID of the process training in ``run_folder`` now (:func:`minitransfer.run_lock.holder`);
    None where none does, or its lock cannot be read (``info`` shows the rest)."""
    try:
        return run_lock.holder(run_folder)
    except OSError:
        return None


def _diverged_after(run_folder):
    """What :func:`minitransfer.rundir.divergence` says of ``run_folder``; "" where its metrics.jsonl
    cannot be read (``info`` shows the rest)."""
    metrics = run_folder / "metrics.jsonl"
    try:
        return rundir.divergence(metrics) if metrics.is_file() else ""
    except OSError:
        return ""
