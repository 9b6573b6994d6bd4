"""Checkpoints: weights, provenance and solver state in one HDF5 file (DESIGN.md §6).

Layout (readable with plain h5py)::

    /weights/<layer>/W, /weights/<layer>/b   float32, Caffe shapes; group attr ``frozen`` (bool)
    /mean                                    float32 (H, W, 3): the mean image the first layers saw
    /solver/velocity/<layer>/W, .../b        momentum buffers (resumable checkpoints only: a run folder's
                                             checkpoint.h5; a finished run's weights file holds no /solver,
                                             :func:`minitransfer.final_weights.weights_file_of`)
    /solver attrs: iteration, seed, cursor (JSON: the training loader's position)
    root attrs:
        format "minitransfer-checkpoint", format_version 1
        preset, architecture (JSON [[layer, W shape, b shape], ...])
        classes (JSON [{index, wnid, name}, ...]: fc8's outputs in label order)
        dataset_fingerprint, dataset_classes_sha256 (the whole dataset's class table)
        split_kind, split_seed, split_half ("" for none)
        n_copied, n_frozen, frozen_layers (JSON), random_frozen (bool)
        parent_sha256 ("" for none), source (JSON: the base's checkpoint, its file's sha256 and its
        network's, :mod:`minitransfer.checkpoint_identity`, dataset and split, and whether that dataset
        is another one), mean_source (JSON)
        iteration, config (JSON: the full resolved training configuration)
        precision_changes (JSON [{iteration, from, to}, ...]: where a resumed run continued in
        another precision, --allow-precision-change)
        eval_csv_sums (JSON {before, at}: the sums of eval.csv's rows up to the checkpoint's iteration,
        :func:`minitransfer.result_digests.checkpoint_sums`; none in a file written before them)
    Text attributes are fixed-length UTF-8 (plain h5py reads bytes: ``.decode()``; see
    :func:`minitransfer.hdf5_files.text_attribute` for why); checkpoints written before hold them as
    variable-length strings and load as before.

Arrays another program rewrote as float16 or float64 load as float32
(:data:`minitransfer.checkpoint_check.FLOATS`). Loading trusts nothing it reads: every array must
be finite and every weight at most
:data:`minitransfer.checkpoint_check.MAX_ABS_WEIGHT` in size (a run writes a checkpoint only while
its weights are), the iterations in 0..max_iter and in agreement with each other. Every array
carries a Fletcher-32 checksum and every object header a checksum of its own (the HDF5 1.10
format), so an array damaged on disk or in a copy is refused, not copied on into another network;
checkpoints written before carry none and load as before. The checks of a file's contents are a
module of their own (:mod:`minitransfer.checkpoint_check`), with the limits and the root attributes'
defaults; :class:`CheckpointError`, the error they raise, can be imported from here too. What
``minitransfer info`` says of a checkpoint is :mod:`minitransfer.checkpoint_info`'s.

Writing one (:func:`save`, atomic: a crash leaves the old file or the new one) is
:mod:`minitransfer.checkpoint_write`'s, with the format's marker and version.
"""

import contextlib
import dataclasses
import errno
import os
import pathlib
import stat

import h5py
import numpy as np

from minitransfer import __version__, config_checks, fileio, hdf5_files, models
from minitransfer.checkpoint_check import (HDF5_DAMAGE, CheckpointError, Faults, cut_short, declared_architecture,
                                           file_format, holds, member_of, read_array, read_mean, read_weight,
                                           READ_REFUSED)
from minitransfer.checkpoint_meta import check_iteration, meta_of, missing, typed
from minitransfer.checkpoint_write import FORMAT, FORMAT_VERSION, save
from minitransfer.path_kinds import GIVE_A_NETWORK, folder_hint, what_file

__all__ = ["FORMAT", "FORMAT_VERSION", "Solver", "Checkpoint", "save", "load", "is_checkpoint", "read_meta",
           "check_architecture",
           # defined in checkpoint_check.py; library API here too: train() and evaluate() say they raise it
           "CheckpointError"]
# FORMAT, FORMAT_VERSION and save are defined in checkpoint_write.py (with LIBVER, the HDF5 format it writes): a
# Checkpoint is saved from here as it is loaded


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
    # a base not there, known by what a run's checkpoint (or finished weights) holds of it: that Checkpoint, as read
    recorded_in: "Checkpoint" = None

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


def load(path, solver=True):
    """Read and validate a checkpoint; raises :class:`CheckpointError` naming the file and the fault
    (:class:`minitransfer.fileio.StorageError` for a file this user may not read).

    Nothing is trusted before it is checked: the format, the preset (it must be registered), every
    layer's declared shape against the preset's (before any array is read, so a small file cannot
    make this allocate much), the mean image's shape and every attribute's type. The file is opened
    once, and all of it checked, hashed and read through that handle (:func:`_opened`): a checkpoint
    renamed over it meanwhile (its run training on) is not read in its place. A ``path`` that is
    no path (None, a number) is a ``config_checks.ConfigError`` naming it."""
    config_checks.check_path("path", path, required=True)
    path = pathlib.Path(path)
    try:
        with _opened(path) as (handle, signed):
            if not signed:
                raise CheckpointError(cut_short(path, handle=handle) or
                                      f"checkpoint {path}: not an HDF5 file (corrupt or not a checkpoint)")
            sha256 = _sha256(handle, path)
            with hdf5_files.open_hdf5(handle) as f:
                checkpoint = _read(f, path, solver)
    except (CheckpointError, fileio.StorageError):  # the latter: its open or read refused (_opened, _sha256)
        raise
    except (*HDF5_DAMAGE, ValueError, TypeError) as error:
        if getattr(error, "errno", None) in READ_REFUSED:  # the system's, which h5py passes on as it is
            raise _read_refused(path, error) from error
        raise CheckpointError(cut_short(path, error) or
                              f"checkpoint {path}: corrupt or incomplete ({type(error).__name__}: {error})") from error
    checkpoint.path = path
    checkpoint.sha256 = sha256
    return checkpoint


@contextlib.contextmanager
def _opened(path):
    """(the checkpoint file at ``path`` open for reading, a binary handle; whether it bears HDF5's
    signature, :func:`_signed`), the file opened once: everything a reader checks and reads of it (that
    it is a file, its signature, its sha256, its attributes and arrays) is read through this handle, so a
    file renamed over this one meanwhile (a base's next checkpoint, written as it trains; another run's,
    by train --overwrite) is neither checked, hashed nor read in its place, nor half of one read with half
    of the other. Read so, HDF5 takes no file lock and heeds no "open for write" mark
    (:func:`.hdf5_files.open_hdf5` of a handle, as every reader of a checkpoint or weights file opens
    it: ``locked=False``): the checks of its contents (checksums included) judge what is there.

    A :class:`CheckpointError` where nothing is at ``path`` ("no such file") or something other than
    a file ("not a file": a folder, said what to give instead; a named pipe, opened without waiting for
    a writer, then refused); an I/O error (74) for one this user may not read (the file itself may be
    sound), one whose first read the system refuses, or one removed between the look at it and its
    opening (:func:`_removed`)."""
    if not path.exists():
        raise CheckpointError(f"checkpoint {path}: no such file")
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path}: not a file{folder_hint(path)}")
    try:
        handle = open(path, "rb", opener=_file_alone)
    except FileNotFoundError:
        raise _removed(path) from None
    except IsADirectoryError:  # a folder or a named pipe renamed over it since the look above (_file_alone)
        raise CheckpointError(f"checkpoint {path}: not a file{folder_hint(path)}") from None
    except OSError as error:
        raise _read_refused(path, error) from error
    with handle:
        try:
            signed = _signed(handle)
        except OSError as error:  # the system's read refused (a failing disk, NFS): no judgement of the file
            raise _read_refused(path, error) from error
        yield handle, signed


def _file_alone(path, flags):
    """``os.open`` of ``path``, an opener for ``open``, where it is a file: a named pipe there now is
    opened without waiting for a writer (its opening for reading would wait for ever), then refused as
    a folder is (IsADirectoryError, whatever it is: no exception class of the package's own)."""
    descriptor = os.open(path, flags | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise IsADirectoryError(errno.EISDIR, "not a file", path)
        os.set_blocking(descriptor, True)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _signed(handle):
    """Whether the file just opened as ``handle`` bears HDF5's signature where HDF5 looks for it, as
    ``h5py.is_hdf5`` does of a path: at its start, or after a user block (at 512 bytes, 1024, 2048 ...);
    the handle left at the file's start."""
    start, offset = handle.read(len(hdf5_files.HDF5_SIGNATURE)), 512
    signed = start == hdf5_files.HDF5_SIGNATURE
    while not signed and len(start) == len(hdf5_files.HDF5_SIGNATURE):
        handle.seek(offset)
        start, offset = handle.read(len(hdf5_files.HDF5_SIGNATURE)), offset * 2
        signed = start == hdf5_files.HDF5_SIGNATURE
    handle.seek(0)
    return signed


def _sha256(handle, path):
    """The sha256 of the file open as ``handle`` (``path``), read from its start; the handle left at its
    start again, for HDF5 to read the same bytes."""
    try:
        sha256 = fileio.sha256_stream(handle)
    except OSError as error:  # the system's read refused (a failing disk, NFS): no judgement of the file
        raise _read_refused(path, error) from error
    handle.seek(0)
    return sha256


def _read_refused(path, error):
    """The I/O error (74) of a checkpoint whose read the system refused with ``error`` (permission denied; an
    input/output error of a failing disk or a network file system, which a read of its bytes met): the file
    itself may be sound, and was said "corrupt or incomplete" (65), as if to be given up on. The latter says what a
    dataset's file read so says (:func:`.data.schema.read_error`)."""
    fault = ": a fault of the disk or file system; rerun once it is repaired" if error.errno in READ_REFUSED else ""
    return fileio.StorageError(error.errno, f"checkpoint {path}: cannot be read ({error.strerror or error}){fault}")


def _removed(path):
    """The error of a checkpoint removed between :func:`load`'s looks at it (train --overwrite
    starting its run over removes it): an I/O error (74), not damage: the file is not there to judge."""
    return fileio.StorageError(errno.ENOENT, f"checkpoint {path} was removed while it was read (its run started "
                                             f"over or moved?): give it again once it is there")


def is_checkpoint(path):
    """Whether ``path`` is an HDF5 file with the checkpoint format marker (the root attribute
    ``format``): a cheap look, nothing else is read, before a file is replaced."""
    try:
        if not pathlib.Path(path).is_file() or not h5py.is_hdf5(path):  # a named pipe: opening it waits
            return False
        with hdf5_files.open_hdf5(path, locked=False) as f:
            return hdf5_files.plain_attribute(f.attrs.get("format")) == FORMAT
    except HDF5_DAMAGE:
        return False


def read_meta(path):
    """The root attributes of the checkpoint at ``path``
    (:data:`minitransfer.checkpoint_meta.META_TYPES`: its provenance), checked as :func:`load`
    checks them (its format and format version too), without reading any array, from one open of the
    file, as :func:`load` reads it. A file this user may not read, or removed as it is opened, is an I/O
    error, as for :func:`load`."""
    path = pathlib.Path(path)
    try:
        with _opened(path) as (handle, _), hdf5_files.open_hdf5(handle) as f:  # HDF5 says what it is not
            _check_format(f, path)
            _check_version(f, path)  # a newer format's attributes may mean otherwise
            return _meta(f, Faults(path))
    except fileio.StorageError:  # its open refused, or the file removed as it was opened (_opened)
        raise
    except HDF5_DAMAGE as error:
        if getattr(error, "errno", None) in READ_REFUSED:
            raise _read_refused(path, error) from error
        raise CheckpointError(cut_short(path, error) or f"checkpoint {path}: cannot be read ({error})") from error


def _check_format(f, path):
    """A :class:`CheckpointError` saying what the file ``f`` is (:func:`what_file`) unless it is a
    checkpoint."""
    found = file_format(f)
    if found != FORMAT:
        what, hint = what_file(f, found)
        raise CheckpointError(f"{path} is {what}: {GIVE_A_NETWORK}{hint}")


def _check_version(f, path):
    """A :class:`CheckpointError` unless the checkpoint ``f`` is of :data:`FORMAT_VERSION`: one of a
    newer minitransfer says to upgrade this one."""
    if "format_version" not in f.attrs:  # a version would be a guess: said as typed() says a missing attribute
        raise Faults(path)(missing("attribute format_version"))
    version = hdf5_files.plain_attribute(f.attrs["format_version"])
    if type(version) is not int:  # "1" (text) or 1.0 is no version this minitransfer wrote: said as its type
        stored = {str: "text", float: "a float", bool: "a bool"}.get(type(version), type(version).__name__)
        raise CheckpointError(f"checkpoint {path}: attribute format_version is {version!r:.80}, stored as {stored}: "
                              f"minitransfer writes it as an integer ({FORMAT_VERSION}), so the file was edited or "
                              f"written by another program")
    if version != FORMAT_VERSION:
        newer = (f": it was written by a newer minitransfer; upgrade this one ({__version__}) to read it"
                 if version > FORMAT_VERSION else "")
        raise CheckpointError(f"checkpoint {path}: format version {version!r:.80}, this minitransfer reads "
                              f"{FORMAT_VERSION}{newer}")


def _meta(f, fault):
    """The root attributes of the checkpoint ``f`` (:func:`minitransfer.checkpoint_meta.meta_of`),
    its iteration taken from its solver group where the root lacks it (train writes both, equal; a
    file edited or of another program may hold one): a checkpoint without either is refused, not
    read as iteration 0 (a base so read looks never trained to its end)."""
    meta = meta_of(f, fault)
    if "iteration" not in f.attrs:
        if not holds(f, "solver"):
            raise fault(f"{missing('attribute iteration')}, and it holds no solver state that records it: which "
                        f"iteration its weights are of cannot be told")
        meta["iteration"] = typed(member_of(f, "solver", h5py.Group, fault).attrs, "iteration", int, fault,
                                  where="/solver")
        check_iteration(meta, fault)  # the root's check, of the iteration its solver records
    return meta


def _read(f, path, with_solver):
    fault = Faults(path)
    _check_format(f, path)
    _check_version(f, path)
    preset = hdf5_files.plain_attribute(f.attrs.get("preset"))
    unknown = models.unknown_preset(preset, "run info through the script that registers it")
    if unknown is not None:
        raise fault(unknown)
    architecture, classifier = declared_architecture(f, fault, models.PRESETS[preset])
    weights, frozen = {}, {}
    for name, w_shape, b_shape in architecture:
        group = member_of(f, f"weights/{name}", h5py.Group, fault)
        weights[name] = (read_weight(group, "W", w_shape, fault), read_weight(group, "b", b_shape, fault))
        frozen[name] = "frozen" in group.attrs and typed(group.attrs, "frozen", bool, fault, where=group.name)
    meta = _meta(f, fault)
    for key in ("n_copied", "n_frozen"):  # info says "copied layers 1..n": a count of this network's layers
        if not 0 <= meta[key] <= len(architecture):
            raise fault(f"attribute {key} is {meta[key]}; {preset} has {len(architecture)} weight layers")
    outputs = weights[classifier][0].shape[0] if classifier in weights else len(meta["classes"])
    if outputs < len(meta["classes"]):  # train makes it at least as wide as the classes
        raise fault(f"layer {classifier} has W {weights[classifier][0].shape}: {outputs} outputs for the "
                    f"{len(meta['classes'])} classes the file records (a class would have no output)")
    mean = read_mean(f, fault) if holds(f, "mean") else None
    solver = None
    if with_solver and holds(f, "solver"):
        group = member_of(f, "solver", h5py.Group, fault)
        velocity = {name: tuple(read_array(member_of(group, f"velocity/{name}", h5py.Group, fault), key, shape, fault)
                                for key, shape in (("W", w_shape), ("b", b_shape)))
                    for name, w_shape, b_shape in architecture}
        solver = Solver(iteration=typed(group.attrs, "iteration", int, fault),
                        seed=typed(group.attrs, "seed", int, fault),
                        cursor=typed(group.attrs, "cursor", dict, fault, decode=True), velocity=velocity)
        if solver.iteration != meta["iteration"]:
            raise fault(f"solver attribute iteration {solver.iteration} disagrees with the root attribute iteration "
                        f"{meta['iteration']}")
    return Checkpoint(preset=preset, weights=weights, frozen=frozen, meta=meta, mean=mean, solver=solver)


def check_architecture(checkpoint, net, layers=None, named=None):
    """Raise :class:`CheckpointError` unless the checkpoint's weight layers (or the named subset)
    have the net's names and shapes; the message names the layer and both shapes, and the file as
    ``named`` does, where given (a base's path as the user gave it), else as its ``path``."""
    named = named or checkpoint.path
    where = f"checkpoint {named}" if named else "checkpoint"
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

