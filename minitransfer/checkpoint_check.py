"""The checks a checkpoint's contents pass before :mod:`minitransfer.checkpoint` trusts them: every
object a real member of the file (no link elsewhere), every array of its declared shape and type,
written, finite and (a weight) at most :data:`MAX_ABS_WEIGHT` in size, every layer the preset's,
every root attribute of its type, the provenance records' fields too (those of the attributes are
:mod:`minitransfer.checkpoint_meta`'s: :data:`minitransfer.checkpoint_meta.META_TYPES`).
Nothing is read before its declaration is checked, so a small file cannot make a reader allocate
much; each fault raises a :class:`CheckpointError` naming the file and the object. What a file or
folder given as a network is instead is said by :mod:`minitransfer.path_kinds`.
"""

import errno
import math
import os
import pathlib
import re

import h5py
import numpy as np

from minitransfer import hdf5_files, rundir
from minitransfer.bad_checkpoint import grid_run_again
from minitransfer.checkpoint_meta import DEFAULT_META, MAX_IMAGE_SIZE, check_classes, typed
from minitransfer.errors import MinitransferError
from minitransfer.hdf5_files import HDF5_SIGNATURE

# DEFAULT_META and check_classes are checkpoint_meta's, as the rest of what a checkpoint's root attributes are; asked
# for here too (resume, config, evaluate, checkpoint_info)
__all__ = ["MAX_OUTPUTS", "MAX_IMAGE_SIZE", "MAX_ABS_WEIGHT", "HDF5_DAMAGE", "CheckpointError", "file_format",
           "SUPERBLOCK_BYTES", "cut_short", "holds", "member_of", "Faults", "declared_architecture", "FLOATS",
           "read_array", "read_weight", "read_mean", "DEFAULT_META", "check_classes", "READ_REFUSED",
           "RUN_CHECKPOINT_LOST"]

MAX_OUTPUTS = 100_000       # the largest classifier a checkpoint may declare
# A run writes a checkpoint only while every weight is at most this large (a trained CaffeNet's are
# well below 1); beyond it the run has diverged even if its loss is still finite.
MAX_ABS_WEIGHT = 1e6
# What h5py raises reading a damaged file: OSError, or RuntimeError where a byte flipped in an object
# header garbles it (a bad version number, a heap offset out of range), or KeyError where the root group's
# header fails its checksum (raised at ``f.attrs``, the file opened).
HDF5_DAMAGE = (OSError, RuntimeError, KeyError)
# errno of a read the system refused, whatever the file holds (a disk failing, an NFS server gone: its handle stale),
# which h5py passes on as it is: no damage of the file, an I/O error (checkpoint.load says so)
READ_REFUSED = (errno.EIO, errno.ESTALE)


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


def cut_short(path, error=None, handle=None):
    """What to say of the checkpoint ``path`` where it is shorter than it was written (a copy that
    stopped: train writes a file whole under another name, then renames it): ``error`` (h5py's, on
    opening it) says so, or the file is shorter than any HDF5 file (None: it failed the HDF5
    signature check; then an empty file is one cut short, and one shorter than an HDF5 header that
    begins as an HDF5 file does, :func:`_begins_as_hdf5`). Copy it again, or give the same network's
    other file (the last checkpoint of the run beside a weights file); for a run's own checkpoint.h5,
    what can be done instead (:func:`_run_checkpoint_lost`); None for other damage. ``handle``: the file
    open, as it was read (its size and first bytes are that file's, whatever ``path`` names now)."""
    path = pathlib.Path(path)
    found = _TRUNCATED.search(str(error)) if error is not None else None
    try:
        size = os.fstat(handle.fileno()).st_size if handle is not None else path.stat().st_size
    except OSError:  # gone meanwhile: said otherwise
        size = SUPERBLOCK_BYTES
    if found:
        there = f"cut short, {int(found[1]):,} of its {int(found[2]):,} bytes are there"
    elif size == 0 or size < SUPERBLOCK_BYTES and (error is not None or _begins_as_hdf5(path, handle)):
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


# The words by which a damaged run checkpoint's error says what to do already (:func:`_run_checkpoint_lost`), which
# minitransfer.checkpoint_info.unreadable_in_run looks for so as to add nothing
RUN_CHECKPOINT_LOST = "train keeps no earlier checkpoint of a run"


def _run_checkpoint_lost(run_folder):
    """What can be done where the checkpoint.h5 of the run in ``run_folder`` is damaged: train keeps no
    earlier checkpoint of a run, so its state is lost (unless the run folder was copied from elsewhere);
    a finished run's weights file holds its network, else the run is trained again: a grid's run (its
    treatment.json there) by its grid, once the checkpoint is deleted (its train refuses the damaged one, and a
    grid's run is trained by no train command of the user's to add --overwrite to)."""
    lost = (f"the run's state at it is lost ({RUN_CHECKPOINT_LOST}), unless its run folder was copied from "
            f"elsewhere (copy it again)")
    weights = rundir.weights_for(run_folder)
    if weights.is_file():
        return f"{lost}; the run finished: its network is in {weights}, give that"
    return f"{lost}; {grid_run_again(run_folder) or rundir.train_again()}"


def _begins_as_hdf5(path, handle=None):
    """Whether the file ``path`` (open as ``handle``, where given) begins as an HDF5 file does: its bytes
    the first ones of :data:`HDF5_SIGNATURE` (a copy stopped within it), or the whole of it and more;
    False where it cannot be read (said otherwise)."""
    try:
        if handle is not None:
            handle.seek(0)
            start = handle.read(len(HDF5_SIGNATURE))
        else:
            with open(path, "rb") as opened:
                start = opened.read(len(HDF5_SIGNATURE))
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
        if getattr(error, "errno", None) in READ_REFUSED:
            raise  # not damage: the system's read failed (the caller's I/O error)
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
