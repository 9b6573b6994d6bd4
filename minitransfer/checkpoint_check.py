"""The checks a checkpoint's contents pass before :mod:`minitransfer.checkpoint` trusts them: every
object a real member of the file (no link elsewhere), every array of its declared shape and type,
written, finite and (a weight) at most :data:`MAX_ABS_WEIGHT` in size, every layer the preset's,
every root attribute of its type (:data:`META_TYPES`), the provenance records' fields too.
Nothing is read before its declaration is checked, so a small file cannot make a reader allocate
much; each fault raises a :class:`CheckpointError` naming the file and the object. What a file or
folder given as a network is instead is said by :mod:`minitransfer.path_kinds`.
"""

import math
import pathlib
import re

import h5py
import numpy as np

from minitransfer import fileio, hdf5_files, rundir
from minitransfer.errors import MinitransferError
from minitransfer.hdf5_files import HDF5_SIGNATURE
from minitransfer.ops import precision as precisions
from minitransfer.result_digests import CURVE_SUMS

MAX_OUTPUTS = 100_000       # the largest classifier a checkpoint may declare
MAX_IMAGE_SIZE = 4096       # the largest mean image side
# A run writes a checkpoint only while every weight is at most this large (a trained CaffeNet's are
# well below 1); beyond it the run has diverged even if its loss is still finite.
MAX_ABS_WEIGHT = 1e6
# What h5py raises reading a damaged file: OSError, or RuntimeError where a byte flipped in an object
# header garbles it (a bad version number, a heap offset out of range), or KeyError where the root group's
# header fails its checksum (raised at ``f.attrs``, the file opened).
HDF5_DAMAGE = (OSError, RuntimeError, KeyError)


class CheckpointError(MinitransferError, ValueError):
    """A checkpoint is missing, unreadable, of another format, or does not fit the network."""


def file_format(f):
    """The format attribute, None without one; raises where the attributes are damaged (h5py's
    ``attrs.get`` would say None: "not a checkpoint" for a checkpoint whose checksum fails). Any
    other type than text (an array: comparing it would raise) is repr'd, so it never equals
    :data:`minitransfer.checkpoint.FORMAT`."""
    if "format" not in f.attrs:
        return None
    value = hdf5_files.plain_attribute(f.attrs["format"])
    return value if isinstance(value, str) else repr(value)


# HDF5's words for a file shorter than its superblock says it is
_TRUNCATED = re.compile(r"truncated file: eof = (\d+), sblock->base_addr = \d+, stored_eof = (\d+)")
SUPERBLOCK_BYTES = 48  # the smallest HDF5 superblock (versions 2 and 3): no HDF5 file is shorter


def cut_short(path, error=None):
    """What to say of the checkpoint ``path`` where it is shorter than it was written (a copy that
    stopped: train writes a file whole under another name, then renames it): ``error`` (h5py's, on
    opening it) says so, or the file is shorter than any HDF5 file (None: it failed the HDF5
    signature check; then an empty file is one cut short, and one shorter than an HDF5 header that
    begins as an HDF5 file does, :func:`_begins_as_hdf5`). Copy it again, or give the same network's
    other file (the last checkpoint of the run beside a weights file); for a run's own checkpoint.h5,
    what can be done instead (:func:`_run_checkpoint_lost`); None for other damage."""
    path = pathlib.Path(path)
    found = _TRUNCATED.search(str(error)) if error is not None else None
    try:
        size = path.stat().st_size
    except OSError:  # gone meanwhile: said otherwise
        size = SUPERBLOCK_BYTES
    if found:
        there = f"cut short, {int(found[1]):,} of its {int(found[2]):,} bytes are there"
    elif size == 0 or size < SUPERBLOCK_BYTES and (error is not None or _begins_as_hdf5(path)):
        there = ("empty, 0 bytes" if size == 0 else
                 f"cut short, {size} bytes are there, fewer than an HDF5 file's header")
    else:
        return None
    said = f"checkpoint {path}: corrupt or incomplete: {there} (a copy or a write that did not finish)"
    if path.name == "checkpoint.h5" and rundir.is_run_dir(path.parent):
        return f"{said}: {_run_checkpoint_lost(path.parent)}"
    last = rundir.run_dir_for(path) / "checkpoint.h5"
    other = f", or give its run's last checkpoint, {last}" if path.name != "checkpoint.h5" and last.is_file() else ""
    return f"{said}: copy it again from where it came from{other}"


def _run_checkpoint_lost(run_folder):
    """What can be done where the checkpoint.h5 of the run in ``run_folder`` is damaged: train keeps no
    earlier checkpoint of a run, so its state is lost (unless the run folder was copied from elsewhere);
    a finished run's weights file holds its network, else the run is trained again."""
    lost = ("the run's state at it is lost (train keeps no earlier checkpoint of a run), unless its run folder was "
            "copied from elsewhere (copy it again)")
    weights = rundir.weights_for(run_folder)
    if weights.is_file():
        return f"{lost}; the run finished: its network is in {weights}, give that"
    return f"{lost}; {rundir.train_again()}"


def _begins_as_hdf5(path):
    """Whether the file ``path`` begins as an HDF5 file does: its bytes the first ones of
    :data:`HDF5_SIGNATURE` (a copy stopped within it), or the whole of it and more; False where it
    cannot be read (said otherwise)."""
    try:
        with open(path, "rb") as handle:
            start = handle.read(len(HDF5_SIGNATURE))
    except OSError:
        return False
    return bool(start) and HDF5_SIGNATURE.startswith(start)


def holds(group, name):
    """Whether ``group`` has a member called ``name`` (a link of any kind, not followed: ``name in
    group`` would follow an external link, and opening a named pipe it names waits forever)."""
    return group.get(name, getlink=True) is not None


def member_of(group, key, kind, fault):
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


class Faults:
    """Builds the :class:`CheckpointError` of one file."""

    def __init__(self, path):
        self.path = path

    def __call__(self, what):
        return CheckpointError(f"checkpoint {self.path}: {what}")


def declared_architecture(f, fault, preset):
    """The declared [(name, W shape, b shape)], each layer checked against ``preset`` (the last
    layer's output count may differ, up to :data:`MAX_OUTPUTS`), and the name of that last layer.
    The layers are the preset's (some may be missing), each once and in its order: a network is
    loaded by it (fc8's width read off the last layer), and a file written by
    :func:`minitransfer.checkpoint.save` lists them so."""
    declared = typed(f.attrs, "architecture", list, fault, decode=True)
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


# The floating-point types an array may be stored in, of either byte order: train writes float32, and
# another program's copy of it (h5py, a converter) may hold the same numbers as float64 or float16.
FLOATS = (np.float16, np.float32, np.float64)


def read_array(group, key, shape, fault):
    """``group[key]`` read as float32 once its declared shape and type (:data:`FLOATS`) are checked:
    another program's big-endian float32 is float32, given in this machine's order; float64 is
    rounded to float32 as the network computes in it, float16 is widened exactly."""
    dataset = member_of(group, key, h5py.Dataset, fault)
    if tuple(dataset.shape) != tuple(shape) or dataset.dtype.newbyteorder("=") not in FLOATS:
        raise fault(f"{dataset.name} must be float32 {tuple(shape)} (or float16 or float64), the file declares "
                    f"{dataset.dtype} {dataset.shape}")
    if dataset.external or dataset.is_virtual:  # its values in other files: one may be a named pipe, or vanish
        raise fault(f"{dataset.name} keeps its values in other files ({'virtual' if dataset.is_virtual else 'external'}"
                    f" storage): a checkpoint holds its arrays itself")
    if _unwritten(dataset):  # HDF5 reads what was never written as zeros, without an error
        raise fault(f"{dataset.name} was never written (no data stored for it: the file is incomplete)")
    try:
        array = dataset.astype(np.float32)[...]
    except HDF5_DAMAGE as error:  # a Fletcher-32 checksum that fails, or the data cut short
        raise fault(f"{dataset.name} cannot be read: the file is damaged ({error})") from error
    if not np.isfinite(array).all():
        beyond = (f", or values beyond float32's range, {float(np.finfo(np.float32).max):.4g} (it is stored as "
                  f"{dataset.dtype})" if dataset.dtype.itemsize > 4 else "")
        raise fault(f"{dataset.name} holds NaN or infinite values{beyond} (a run writes only finite ones: the file "
                    f"is damaged)")
    return array


def read_weight(group, key, shape, fault):
    """A layer's ``W`` or ``b`` (:func:`read_array`), at most :data:`MAX_ABS_WEIGHT` in size, as a run
    writes them: larger, a transfer copying it would fail at its first checkpoint, blamed on its own
    learning rate."""
    array = read_array(group, key, shape, fault)
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


def read_mean(f, fault):
    shape = getattr(member_of(f, "mean", object, fault), "shape", None)  # a group: no shape
    if shape is None or len(shape) != 3 or shape[2] != 3 or max(shape) > MAX_IMAGE_SIZE or min(shape) < 1:
        raise fault(f"/mean must be an (H, W, 3) image of 1 to {MAX_IMAGE_SIZE} pixels a side, got {shape}")
    return read_array(f, "mean", shape, fault)


JSON_ATTRS = ("classes", "frozen_layers", "mean_source", "config", "source", "precision_changes", CURVE_SUMS)
DEFAULT_META = {
    "classes": [], "dataset_fingerprint": "", "dataset_classes_sha256": "", "split_kind": "", "split_seed": 0, "split_half": "",
    "n_copied": 0, "n_frozen": 0, "frozen_layers": [], "random_frozen": False, "parent_sha256": "",
    "mean_source": {}, "iteration": 0, "config": {}, "source": {}, "precision_changes": [],
}


# The type every root attribute must have (JSON attributes decoded first). CURVE_SUMS, the sums of the eval.csv
# rows up to the checkpoint's iteration (result_digests.checkpoint_sums), has no default: a file written before it
# (or by another program) records none, and its meta has none, so that it is written back as it was
META_TYPES = {
    "classes": list, "dataset_fingerprint": str, "dataset_classes_sha256": str, "split_kind": str, "split_seed": int,
    "split_half": str, "n_copied": int, "n_frozen": int, "frozen_layers": list, "random_frozen": bool,
    "parent_sha256": str, "mean_source": dict, "iteration": int, "config": dict, "source": dict,
    "precision_changes": list, CURVE_SUMS: dict,
}


def meta_of(f, fault):
    meta = dict(DEFAULT_META)
    for key, kind in META_TYPES.items():
        if key in f.attrs:
            meta[key] = typed(f.attrs, key, kind, fault, decode=key in JSON_ATTRS)
    most_count, _ = option_ranges()
    for number, entry in enumerate(meta["classes"]):
        if not (isinstance(entry, dict) and type(entry.get("index")) is int and isinstance(entry.get("wnid"), str)
                and isinstance(entry.get("name"), str)):
            raise fault(f"attribute classes entry {number} must be {{index: int, wnid: str, name: str}}, "
                        f"got {entry!r:.80}")
        if not 0 <= entry["index"] <= most_count:  # a class of a dataset, which holds fewer
            raise fault(f"attribute classes entry {number} index must be 0..{most_count}, got {entry['index']!r:.80}")
    if not all(isinstance(name, str) for name in meta["frozen_layers"]):
        raise fault("attribute frozen_layers must be a list of layer names")
    for number, entry in enumerate(meta["precision_changes"]):
        if not (isinstance(entry, dict) and type(entry.get("iteration")) is int
                and 0 <= entry["iteration"] <= most_count
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
    check_iteration(meta, fault)
    return meta


# The provenance records' fields and their types (fields not listed are kept unchecked). A mean
# image copied from a base records the base's own record under "from".
SOURCE_FIELDS = {"checkpoint": str, "sha256": str, "network_sha256": str, "dataset": str, "dataset_fingerprint": str,
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
# type and least value; None (a default left unresolved) is taken as absent. The largest is the
# option's (:func:`option_ranges`): a seed's for the seeds, a count's for the others (a max_iter of
# 10**100 was called resumable, and train refused to resume it).
CONFIG_FIELDS = {"data": (str, None), "seed": (int, 0), "split_seed": (int, 0), "per_class": (int, 1),
                 "max_iter": (int, 1), "batch_size": (int, 1), "eval_batch_size": (int, 1)}
SEED_FIELDS = ("seed", "split_seed")


def option_ranges():
    """The largest count (iterations, batch, images per class) and seed a run's options take:
    :data:`minitransfer.config_checks.MAX_COUNT` and ``MAX_SEED``, a recorded run's bounds too."""
    from minitransfer import config_checks  # which imports this module
    return config_checks.MAX_COUNT, config_checks.MAX_SEED


def _check_config(config, fault):
    """Each field of :data:`CONFIG_FIELDS` in ``config`` is None or of its type and range, and the
    precision, where one is recorded (always, since precisions exist), one this minitransfer
    computes in."""
    most_count, most_seed = option_ranges()
    for key, (kind, least) in CONFIG_FIELDS.items():
        value = config.get(key)
        if value is None:
            continue
        most = None if least is None else most_seed if key in SEED_FIELDS else most_count
        if type(value) is not kind or least is not None and not least <= value <= most:
            bound = f" {least}..{most}" if least is not None else ""
            raise fault(f"attribute config field {key} must be {kind.__name__}{bound}, got {value!r:.80}")
    if config.get("data") == "":  # eval would score it on another dataset, said to be its own, "prepared again"
        raise fault("attribute config field data is empty: the file records no dataset the network was trained on "
                    "(train records the folder it read: the file was changed by hand or is damaged)")
    if "precision" in config and config["precision"] not in precisions.PRECISIONS:
        raise fault(f"attribute config field precision must be one of {', '.join(precisions.PRECISIONS)}, "
                    f"got {config['precision']!r:.80}")


def check_classes(meta, fault):
    """A checkpoint's class table (``meta``: :func:`meta_of`'s) names a class at least: train records
    each class a network is trained on, and a table emptied by hand would be shown as "0 classes",
    and scored on none. Asked by those that show or score the classes (info, eval), not at every load:
    a file of a network's first layers alone records none."""
    if not meta["classes"]:
        raise fault("attribute classes is empty: the file records no class for the network's outputs (train records "
                    "each class it trained on: the file was changed by hand or is damaged)")


def check_iteration(meta, fault):
    """A run's checkpoint lies between its start and its end (the max_iter its configuration records)."""
    iteration, max_iter = meta["iteration"], meta["config"].get("max_iter")
    if iteration < 0:
        raise fault(f"attribute iteration is {iteration}; an iteration count is never negative")
    most_count, _ = option_ranges()
    if iteration > most_count:  # past any run's end (a max_iter, where recorded, is checked before)
        raise fault(f"attribute iteration is {iteration!r:.80}, past the end of any run (max_iter is at most "
                    f"{most_count})")
    if type(max_iter) is int and iteration > max_iter:
        raise fault(f"attribute iteration is {iteration}, past the end of its run (config max_iter {max_iter})")


def missing(name):
    """How a checkpoint's fault says its ``name`` ("attribute iteration") is not there."""
    return f"{name} is missing (the file is incomplete, or was written by another program)"


def typed(attrs, key, kind, fault, decode=False, where=None):
    """Attribute ``key`` (JSON-decoded when ``decode``) if it is a ``kind``; a clear error otherwise,
    naming the object it is attached to (``where``, e.g. ``/weights/conv1``) unless it is the root."""
    name = f"attribute {key}" + (f" of {where}" if where else "")
    if key not in attrs:  # h5py's KeyError names neither the attribute nor the file
        raise fault(missing(name))
    value = hdf5_files.plain_attribute(attrs[key])
    if decode:
        try:
            value = fileio.parse_json(value)
        except (TypeError, ValueError):
            raise fault(f"{name} must be JSON, got {value!r:.80}") from None
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        article = "a JSON" if decode else "an" if kind is int else "a"  # "must be an int", not "a int"
        raise fault(f"{name} must be {article} {kind.__name__}, got {value!r:.80}")
    return value
