"""Checkpoints (minitransfer/checkpoint.py, checkpoint_check.py): DESIGN.md §6 layout, plain-h5py
readability, atomic writes, clear errors for missing / corrupt / foreign / mismatched files."""

import errno
import fcntl
import json
import os
import pathlib
import struct
import subprocess
import sys

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import checkpoint_write, fileio, lock_holder
from minitransfer import models
from minitransfer.checkpoint_check import DEFAULT_META
from minitransfer.checkpoint_info import describe
from minitransfer.cli import main
from oracles import text_attributes


def _checkpoint(seed=0, outputs=5, solver=True):
    net = models.mini(outputs)
    net.initialize(seed)
    net.freeze(3)
    rng = np.random.default_rng(seed)
    velocity = {name: (rng.standard_normal(w.shape).astype(np.float32), rng.standard_normal(b.shape).astype(np.float32))
                for name, (w, b) in net.weights().items()}
    meta = {"classes": [{"index": 3, "wnid": "n0003", "name": "three"}], "split_kind": "random", "split_seed": 4,
            "split_half": "B", "n_copied": 3, "n_frozen": 3, "frozen_layers": ["conv1", "conv2", "conv3"],
            "parent_sha256": "ab" * 32, "mean_source": {"kind": "dataset"}, "iteration": 17,
            "config": {"base_lr": 0.01, "max_iter": 40},
            "precision_changes": [{"iteration": 9, "from": "tf32", "to": "ieee"}]}
    return checkpoints.Checkpoint(
        preset="mini", weights=net.weights(), frozen={layer.name: layer.frozen for layer in net.weight_layers},
        meta=meta, mean=rng.uniform(0, 255, (36, 36, 3)).astype(np.float32),
        solver=checkpoints.Solver(iteration=17, seed=seed, cursor={"batch": 17, "seed": seed}, velocity=velocity)
        if solver else None)


def test_round_trip_keeps_everything(tmp_path):
    saved = _checkpoint(seed=1)
    digest = checkpoints.save(tmp_path / "net.h5", saved)

    loaded = checkpoints.load(tmp_path / "net.h5")

    assert loaded.sha256 == digest == fileio.sha256_file(tmp_path / "net.h5")
    assert loaded.preset == "mini" and loaded.layer_names == tuple(saved.weights)
    for name, (w, b) in saved.weights.items():
        assert np.array_equal(loaded.weights[name][0], w) and np.array_equal(loaded.weights[name][1], b)
        assert np.array_equal(loaded.solver.velocity[name][0], saved.solver.velocity[name][0])
        assert loaded.frozen[name] == saved.frozen[name]
    for key, value in saved.meta.items():
        assert loaded.meta[key] == value, key
    assert np.array_equal(loaded.mean, saved.mean)
    assert (loaded.solver.iteration, loaded.solver.seed, loaded.solver.cursor) == (17, 1, {"batch": 17, "seed": 1})


def test_layout_is_readable_with_plain_h5py(tmp_path):
    saved = _checkpoint(seed=2)
    checkpoints.save(tmp_path / "net.h5", saved)
    with h5py.File(tmp_path / "net.h5", "r") as f:
        assert f.attrs["format"].decode() == "minitransfer-checkpoint" and f.attrs["format_version"] == 1
        assert f.attrs["preset"].decode() == "mini"  # text: fixed-length UTF-8, read as bytes
        assert list(f["weights"]) == sorted(saved.weights)
        assert f["weights/conv2/W"].shape == (32, 8, 5, 5) and f["weights/conv2/W"].dtype == np.float32
        assert np.array_equal(f["weights/fc8/b"][...], saved.weights["fc8"][1])
        assert bool(f["weights/conv3"].attrs["frozen"]) and not bool(f["weights/conv4"].attrs["frozen"])
        assert json.loads(f.attrs["architecture"])[0] == ["conv1", [16, 3, 5, 5], [16]]
        assert json.loads(f.attrs["config"])["max_iter"] == 40
        assert f.attrs["split_half"].decode() == "B" and f.attrs["iteration"] == 17
        assert f["solver/velocity/fc6/W"].shape == (128, 128) and f["solver"].attrs["iteration"] == 17
        assert f["mean"].shape == (36, 36, 3)


def test_the_sha256_is_of_the_file_whose_weights_were_read(tmp_path, monkeypatch):
    """A base's checkpoint.h5 is replaced (renamed over) every few iterations while the base trains:
    the sha256 a transfer records of it must be that of the version it copied, not of the next."""
    first, second = _checkpoint(seed=4), _checkpoint(seed=5)
    digest = checkpoints.save(tmp_path / "net.h5", first)
    checkpoints.save(tmp_path / "next.h5", second)
    read = checkpoints._read

    def read_then_replace(*args):
        checkpoint = read(*args)
        os.replace(tmp_path / "next.h5", tmp_path / "net.h5")  # the training writes its next checkpoint
        return checkpoint

    monkeypatch.setattr(checkpoints, "_read", read_then_replace)
    loaded = checkpoints.load(tmp_path / "net.h5")
    assert np.array_equal(loaded.weights["conv1"][0], first.weights["conv1"][0])
    assert loaded.sha256 == digest


def test_weights_only_checkpoint_has_no_solver(tmp_path):
    checkpoints.save(tmp_path / "net.h5", _checkpoint(solver=False))
    assert checkpoints.load(tmp_path / "net.h5").solver is None
    with h5py.File(tmp_path / "net.h5", "r") as f:
        assert "solver" not in f


def test_save_replaces_atomically_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "net.h5"
    checkpoints.save(path, _checkpoint(seed=3))
    before = path.read_bytes()

    def fail(f, checkpoint):
        f.create_group("weights")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint_write, "_write", fail)
    with pytest.raises(OSError, match="disk full"):
        checkpoints.save(path, _checkpoint(seed=4))
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["net.h5"]


def test_missing_file(tmp_path):
    with pytest.raises(checkpoints.CheckpointError, match="no such file"):
        checkpoints.load(tmp_path / "absent.h5")


def test_not_hdf5(tmp_path):
    (tmp_path / "junk.h5").write_bytes(b"this is not an HDF5 file" * 10)
    with pytest.raises(checkpoints.CheckpointError, match="not an HDF5 file"):
        checkpoints.load(tmp_path / "junk.h5")


def test_truncated_file(tmp_path):
    checkpoints.save(tmp_path / "net.h5", _checkpoint())
    data = (tmp_path / "net.h5").read_bytes()
    (tmp_path / "cut.h5").write_bytes(data[: len(data) // 2])
    with pytest.raises(checkpoints.CheckpointError, match="cut.h5"):
        checkpoints.load(tmp_path / "cut.h5")


def test_garbled_metadata_is_a_checkpoint_error(tmp_path, monkeypatch):
    """A byte flipped in an HDF5 object header can make h5py raise RuntimeError, not OSError (here in
    a checkpoint of the HDF5 format without checksums, as written before they were added)."""
    monkeypatch.setattr(checkpoint_write, "LIBVER", None)
    checkpoints.save(tmp_path / "net.h5", _checkpoint())
    damaged = bytearray((tmp_path / "net.h5").read_bytes())
    damaged[damaged.index(b"split_half\0") + 16] ^= 0xFF  # the version of the attribute's datatype message
    (tmp_path / "flipped.h5").write_bytes(damaged)
    with pytest.raises(RuntimeError), h5py.File(tmp_path / "flipped.h5", "r") as f:
        "split_half" in f.attrs  # not dict(f.attrs): iterating them, h5py 3.8 (HDF5 1.12.2) dies of a bus error
    with pytest.raises(checkpoints.CheckpointError, match="flipped.h5: corrupt"):
        checkpoints.load(tmp_path / "flipped.h5")
    with pytest.raises(checkpoints.CheckpointError, match="flipped.h5: cannot be read"):
        checkpoints.read_meta(tmp_path / "flipped.h5")


@pytest.mark.parametrize("array", ["weights/conv2/W", "weights/fc8/W", "mean", "solver/velocity/fc6/W"])
def test_a_byte_flipped_in_an_array_is_refused_by_name(tmp_path, array):
    """A flipped bit in the middle of a weight array keeps it finite and of its shape: only a
    checksum tells it from the weights trained (a base copied from would pass it on in silence)."""
    saved = _checkpoint(seed=3)
    checkpoints.save(tmp_path / "net.h5", saved)
    values = {"mean": saved.mean, "weights/fc8/W": saved.weights["fc8"][0],
              "weights/conv2/W": saved.weights["conv2"][0],
              "solver/velocity/fc6/W": saved.solver.velocity["fc6"][0]}[array]
    damaged = bytearray((tmp_path / "net.h5").read_bytes())
    damaged[damaged.index(values.tobytes()) + values.nbytes // 2 + 1] ^= 0x01  # a mantissa bit of one value
    (tmp_path / "flipped.h5").write_bytes(damaged)
    with pytest.raises(checkpoints.CheckpointError, match=f"flipped.h5: /{array} .*damaged"):
        checkpoints.load(tmp_path / "flipped.h5")


def test_the_chunk_index_is_checksummed(tmp_path):
    """An array's chunk index (its size, address and the mask of the filters applied) lies in a
    checksummed object header, not in an HDF5 1.8 B-tree node without one: a bit flipped in the
    mask there turns the Fletcher-32 check off and the checksum's 4 bytes are read as weights."""
    checkpoints.save(tmp_path / "net.h5", _checkpoint())
    data = bytearray((tmp_path / "net.h5").read_bytes())
    with h5py.File(tmp_path / "net.h5", "r") as f:
        chunk = f["weights/conv3/W"].id.get_chunk_info(0)
        key = struct.pack("<II", chunk.size, chunk.filter_mask) + bytes(8 * 5) + struct.pack("<Q", chunk.byte_offset)
    where = data.find(key)  # the B-tree node's key, as HDF5 1.8 writes it
    if where >= 0:
        data[where + 4] ^= 0x01
        (tmp_path / "flipped.h5").write_bytes(data)
        with pytest.raises(checkpoints.CheckpointError, match="flipped.h5"):
            checkpoints.load(tmp_path / "flipped.h5")


def test_a_byte_flipped_in_the_attributes_is_refused(tmp_path):
    """Without a checksum, an attribute whose name a flipped byte changed would be missing: its
    default taken in silence (split_half "" for "B")."""
    checkpoints.save(tmp_path / "net.h5", _checkpoint())
    damaged = bytearray((tmp_path / "net.h5").read_bytes())
    damaged[damaged.index(b"split_half")] ^= 0x01
    (tmp_path / "flipped.h5").write_bytes(damaged)
    with pytest.raises(checkpoints.CheckpointError, match="flipped.h5: corrupt"):
        checkpoints.load(tmp_path / "flipped.h5")
    with pytest.raises(checkpoints.CheckpointError, match="flipped.h5: cannot be read"):
        checkpoints.read_meta(tmp_path / "flipped.h5")


def test_no_text_attribute_is_kept_in_the_global_heap(tmp_path):
    """Variable-length text lives in HDF5's global heap, whose damage hangs the reader for good:
    every text attribute is fixed-length, and the file has no global heap collection at all."""
    checkpoints.save(tmp_path / "net.h5", _checkpoint())
    text = text_attributes(tmp_path / "net.h5")
    assert {attribute for _, attribute, _ in text} >= {"format", "preset", "architecture", "config", "split_half",
                                                       "cursor", "dataset_fingerprint", "source"}
    assert [entry for entry in text if entry[2]] == []
    assert b"GCOL" not in (tmp_path / "net.h5").read_bytes()


def test_a_checkpoint_with_variable_length_text_as_written_before_loads_the_same(tmp_path):
    checkpoints.save(tmp_path / "net.h5", _checkpoint())
    with h5py.File(tmp_path / "net.h5", "a") as f:
        for name, attribute, _ in text_attributes(tmp_path / "net.h5"):
            f[name].attrs[attribute] = f[name].attrs[attribute].decode()  # a str: variable-length
    assert all(variable for *_, variable in text_attributes(tmp_path / "net.h5"))
    old, new = checkpoints.load(tmp_path / "net.h5"), _checkpoint()
    assert (old.preset, old.meta, old.solver.cursor) == (new.preset, {**DEFAULT_META, **new.meta},
                                                         new.solver.cursor)


# Loads a checkpoint once per position with that byte flipped; prints each position whose damaged
# file loaded as something other than the original (a CheckpointError is what damage must give).
_FLIP_AND_LOAD = """
import sys
import numpy as np
from minitransfer import checkpoint as checkpoints

path, damaged = sys.argv[1], sys.argv[2]
original, data = checkpoints.load(path), open(path, "rb").read()

def arrays(c):
    pairs = list(c.weights.values()) + list(c.solver.velocity.values()) + [(c.mean, c.mean)]
    return [array for pair in pairs for array in pair]

for position in map(int, sys.argv[3:]):
    flipped = bytearray(data)
    flipped[position] ^= 0xFF
    open(damaged, "wb").write(flipped)
    try:
        loaded = checkpoints.load(damaged)
    except checkpoints.CheckpointError:
        continue
    same = ((loaded.preset, loaded.meta, loaded.frozen, loaded.solver.iteration, loaded.solver.cursor)
            == (original.preset, original.meta, original.frozen, original.solver.iteration, original.solver.cursor)
            and all(np.array_equal(a, b) for a, b in zip(arrays(loaded), arrays(original))))
    if not same:
        print(position, flush=True)
"""


def test_a_byte_flipped_anywhere_outside_the_arrays_is_refused_or_harmless_and_never_hangs(tmp_path):
    """A sample of the bytes outside the arrays' data (which their Fletcher-32 checksums cover),
    and every byte of any global heap's first 256, each flipped in turn: the load refuses the file
    or reads the original; it never hangs (as a flipped byte in a variable-length text attribute's
    heap entry made it, for good) nor reads other metadata."""
    path = tmp_path / "net.h5"
    checkpoints.save(path, _checkpoint())
    data = path.read_bytes()
    in_arrays = np.zeros(len(data), bool)
    with h5py.File(path, "r") as f:
        def mark(name, obj):
            if isinstance(obj, h5py.Dataset):
                chunk = obj.id.get_chunk_info(0)
                in_arrays[chunk.byte_offset:chunk.byte_offset + chunk.size] = True
        f.visititems(mark)
    metadata = [position for position in range(len(data)) if data[position] and not in_arrays[position]]
    heaps = [start + offset for start in range(len(data)) if data.startswith(b"GCOL", start) for offset in range(256)]
    positions = sorted(set(metadata[::16] + heaps))
    try:
        done = subprocess.run([sys.executable, "-c", _FLIP_AND_LOAD, str(path), str(tmp_path / "flipped.h5"),
                               *map(str, positions)], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        done = None
    assert done is not None, f"loading a checkpoint with one of {len(positions)} bytes flipped did not end in 120 s"
    assert done.returncode == 0, done.stderr
    assert len(positions) > 200 and done.stdout == ""


def test_foreign_hdf5_file(tmp_path):
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.create_dataset("data", data=np.arange(3))
    with pytest.raises(checkpoints.CheckpointError, match=r"other.h5 is an HDF5 file of other software \(top level: "
                                                          r"data\), not a minitransfer network: give a weights file"):
        checkpoints.load(tmp_path / "other.h5")
    checkpoints.save(tmp_path / "net.h5", _checkpoint())
    with h5py.File(tmp_path / "net.h5", "a") as f:
        f.attrs["format"] = np.array([1, 2])
    with pytest.raises(checkpoints.CheckpointError, match=r"net.h5 is an HDF5 file of format 'array\(\[1, 2\]\)', "
                                                          r"not a minitransfer network"):
        checkpoints.load(tmp_path / "net.h5")


def test_other_format_version(tmp_path):
    checkpoints.save(tmp_path / "net.h5", _checkpoint())
    with h5py.File(tmp_path / "net.h5", "a") as f:
        f.attrs["format_version"] = 99
    with pytest.raises(checkpoints.CheckpointError, match=r"net.h5: format version 99, this minitransfer reads 1: it "
                                                          r"was written by a newer minitransfer; upgrade this one"):
        checkpoints.load(tmp_path / "net.h5")


def test_a_missing_format_version_is_said_missing(tmp_path):
    """Before: "format version -1, this minitransfer reads 1", a version the file never held."""
    checkpoints.save(tmp_path / "net.h5", _checkpoint())
    with h5py.File(tmp_path / "net.h5", "a") as f:
        del f.attrs["format_version"]
    with pytest.raises(checkpoints.CheckpointError) as error:
        checkpoints.load(tmp_path / "net.h5")
    assert str(error.value) == (f"checkpoint {tmp_path / 'net.h5'}: attribute format_version is missing (the file is "
                                f"incomplete, or was written by another program)")


def test_missing_layer_is_corrupt(tmp_path):
    checkpoints.save(tmp_path / "net.h5", _checkpoint())
    with h5py.File(tmp_path / "net.h5", "a") as f:
        del f["weights/conv3/W"]
    with pytest.raises(checkpoints.CheckpointError, match="net.h5: /weights/conv3/W is missing .*corrupt"):
        checkpoints.load(tmp_path / "net.h5")


def _replace(group, key, value):
    del group[key]
    group[key] = value


@pytest.mark.parametrize("change, message", [
    (lambda f: f["solver/velocity"].__delitem__("fc8"), r"/solver/velocity/fc8 is missing \(the file is corrupt"),
    (lambda f: _replace(f["weights/conv2"], "W", h5py.SoftLink("/nowhere")),
     r"/weights/conv2/W is a soft link \(to /nowhere\)"),
    (lambda f: _replace(f["weights"], "fc8", h5py.SoftLink("/weights/fc8")),
     r"/weights/fc8 is a soft link \(to /weights/fc8\)"),
    (lambda f: _replace(f["weights"], "conv2", np.ones(3, np.float32)),
     "/weights/conv2 must be an HDF5 group, the file has a Dataset"),
], ids=["velocity-missing", "weight-dangling-link", "layer-a-link-to-itself", "layer-a-dataset"])
def test_a_missing_or_misplaced_object_is_named(tmp_path, change, message):
    """Was h5py's KeyError ("Unable to synchronously open object (component not found)") or a
    ValueError about compound types, naming neither the object nor where it should be."""
    path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        change(f)
    with pytest.raises(checkpoints.CheckpointError, match=f"net.h5: {message}"):
        checkpoints.load(path)


def _elsewhere(tmp_path, f, how):
    """Make /weights/conv3/W of the open checkpoint ``f`` take its values from another file (a copy
    of the same checkpoint, or its raw bytes): ``how`` says by what."""
    source = tmp_path / "source.h5"
    checkpoints.save(source, _checkpoint())
    array = f["weights/conv3/W"][...]
    group = f["weights/conv3"]
    del group["W"]
    if how == "external-link":
        group["W"] = h5py.ExternalLink(str(source), "/weights/conv3/W")
    elif how == "external-storage":
        (tmp_path / "raw").write_bytes(array.tobytes())
        group.create_dataset("W", shape=array.shape, dtype=np.float32,
                             external=[(str(tmp_path / "raw"), 0, array.nbytes)])
    elif how == "virtual":
        layout = h5py.VirtualLayout(shape=array.shape, dtype=np.float32)
        layout[...] = h5py.VirtualSource(str(source), "weights/conv3/W", shape=array.shape)
        group.create_virtual_dataset("W", layout)
    else:  # declared but never written: HDF5 reads it as zeros
        group.create_dataset("W", shape=array.shape, dtype=np.float32, chunks=array.shape, fletcher32=True)


@pytest.mark.parametrize("how, message", [
    ("external-link", r"/weights/conv3/W is a link to .*source.h5: a checkpoint holds its arrays itself"),
    ("external-storage", r"/weights/conv3/W keeps its values in other files \(external storage\)"),
    ("virtual", r"/weights/conv3/W keeps its values in other files \(virtual storage\)"),
    ("never-written", r"/weights/conv3/W was never written"),
], ids=["external-link", "external-storage", "virtual", "never-written"])
def test_an_array_kept_in_another_file_or_never_written_is_refused(tmp_path, how, message):
    """Each loaded before: another file's weights (an external link or external storage naming a
    named pipe hung the reader; a virtual dataset hung it whatever it named, read through the file
    handle load hashes), or zeros for an array never written."""
    path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        _elsewhere(tmp_path, f, how)
    with pytest.raises(checkpoints.CheckpointError, match=f"net.h5: {message}"):
        checkpoints.load(path)


@pytest.mark.parametrize("value", ["no", np.array([1, 0])], ids=["text", "array"])
def test_a_frozen_flag_of_another_type_is_refused(tmp_path, value):
    """A text "no" was read as frozen (bool("no")), shown so by info; an array raised NumPy's
    "truth value of an array is ambiguous"."""
    path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        f["weights/conv4"].attrs["frozen"] = value
    with pytest.raises(checkpoints.CheckpointError, match="net.h5: attribute frozen of /weights/conv4 must be a bool"):
        checkpoints.load(path)


def test_a_layer_that_does_not_fit_its_preset_is_refused_at_load(tmp_path):
    saved = _checkpoint()
    w, b = saved.weights["conv2"]
    saved.weights["conv2"] = (np.zeros((32, 16, 5, 5), np.float32), b)
    checkpoints.save(tmp_path / "net.h5", saved)
    with pytest.raises(checkpoints.CheckpointError, match=r"net.h5: layer conv2 is declared W \(32, 16, 5, 5\) and "
                                                          r"b \(32,\); preset mini has W \(32, 8, 5, 5\)"):
        checkpoints.load(tmp_path / "net.h5")


def test_architecture_mismatch_names_layer_and_shapes(tmp_path):
    checkpoints.save(tmp_path / "net.h5", _checkpoint())
    loaded = checkpoints.load(tmp_path / "net.h5")
    with pytest.raises(checkpoints.CheckpointError,
                       match=r"layer conv1 has W \(16, 3, 5, 5\) and b \(16,\), the network needs W \(96, 3, 11, 11\)"):
        checkpoints.check_architecture(loaded, models.caffenet(5), layers=["conv1"])
    checkpoints.check_architecture(loaded, models.mini(5), layers=["conv1"])


def test_other_preset_is_reported(tmp_path):
    checkpoints.save(tmp_path / "net.h5", _checkpoint())
    loaded = checkpoints.load(tmp_path / "net.h5")
    with pytest.raises(checkpoints.CheckpointError, match="'mini' network, this run builds 'caffenet'"):
        checkpoints.check_architecture(loaded, models.caffenet(5))


# ---- malformed files: every fault is a CheckpointError naming the file, the attribute or layer ------

def _saved(tmp_path):
    path = tmp_path / "net.h5"
    checkpoints.save(path, _checkpoint())
    return path


@pytest.mark.parametrize("key, value, message", [
    ("classes", json.dumps({"index": 1}), "attribute classes must be a JSON list"),
    ("classes", json.dumps([{"index": "one", "wnid": "n1", "name": "x"}]), "attribute classes entry 0 must be"),
    ("config", json.dumps([1, 2]), "attribute config must be a JSON dict"),
    ("config", "{not json", "attribute config must be JSON"),
    ("mean_source", json.dumps("dataset"), "attribute mean_source must be a JSON dict"),
    ("frozen_layers", json.dumps([1]), "attribute frozen_layers must be a list of layer names"),
    ("iteration", "seventeen", "attribute iteration must be an int"),
    ("precision_changes", json.dumps([{"iteration": "9", "from": "tf32", "to": "ieee"}]),
     "attribute precision_changes entry 0 must be"),
    ("architecture", json.dumps([["conv1", [16, 3, 5, 5]]]), "architecture entry"),
    ("preset", "resnet", "preset 'resnet' is not a known network"),
    ("mean_source", json.dumps({"kind": "checkpoint", "resized_from": 5}),
     r"attribute mean_source field resized_from must be list, got 5"),
    ("mean_source", json.dumps({"kind": "checkpoint", "from": {"resized_from": [36]}}),
     r"attribute mean_source field from field resized_from must be \[height, width\], got \[36\]"),
    ("source", json.dumps({"cross_dataset": "yes"}), "attribute source field cross_dataset must be bool, got 'yes'"),
    ("format_version", "1", "attribute format_version is '1', stored as text: minitransfer writes it as an integer "
     r"\(1\), so the file was edited or written by another program"),
    ("format_version", 1.0, "attribute format_version is 1.0, stored as a float: minitransfer writes it as an "
     "integer"),
    ("preset", np.array([1, 2]), r"preset array\(\[1, 2\]\) is not a known network"),
    ("architecture", json.dumps([[name, list(w), list(b)] for name, w, b in reversed(_checkpoint().architecture)]),
     "attribute architecture lists layers fc8, fc7, fc6, conv5, conv4, conv3, conv2, conv1; preset mini has conv1, "
     "conv2, conv3, conv4, conv5, fc6, fc7, fc8, in that order, each once"),
    ("architecture", json.dumps([[name, list(w), list(b)] for name, w, b in _checkpoint().architecture * 2]),
     "attribute architecture lists layers conv1, .*, fc8, conv1, .*; preset mini has"),
    ("n_copied", -3, "attribute n_copied is -3; mini has 8 weight layers"),
    ("n_frozen", 9, "attribute n_frozen is 9; mini has 8 weight layers"),
    ("classes", json.dumps([{"index": 3, "wnid": "n0003", "name": "three"}] * 2),
     "attribute classes lists class 3 more than once"),
    ("config", json.dumps({"max_iter": 40, "eval_batch_size": "abc"}),
     "attribute config field eval_batch_size must be int 1..2147483647, got 'abc'"),
    ("config", json.dumps({"max_iter": 40, "eval_batch_size": 0}), "attribute config field eval_batch_size must be"),
    ("config", json.dumps({"max_iter": 40, "data": 5}), "attribute config field data must be str, got 5"),
    ("config", json.dumps({"max_iter": 40, "precision": "fp16"}),
     "attribute config field precision must be one of ieee, tf32x3, tf32, got 'fp16'"),
    ("config", json.dumps({"max_iter": 40, "per_class": 2.5}), "attribute config field per_class must be int"),
    ("config", json.dumps({"max_iter": 40, "precision": None}), "attribute config field precision must be one of "
     "ieee, tf32x3, tf32, got None"),
    ("precision_changes", json.dumps([{"iteration": 9, "from": "x\ny", "to": "ieee"}]),
     "attribute precision_changes entry 0 must be {iteration: int, from: precision, to: precision}"),
], ids=["classes-type", "classes-entry", "config-type", "config-json", "mean-source", "frozen-layers", "iteration",
        "precision-changes", "architecture", "preset", "mean-source-resized", "mean-source-from", "source-field",
        "format-version-text", "format-version-float", "preset-array", "architecture-reversed", "architecture-twice",
        "n-copied-negative", "n-frozen-too-many", "classes-twice", "config-eval-batch-text", "config-eval-batch-0",
        "config-data-number", "config-precision-unknown", "config-per-class-float", "config-precision-none",
        "precision-changes-unknown"])
def test_malformed_attributes_are_named(tmp_path, key, value, message):
    path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        f.attrs[key] = value
    with pytest.raises(checkpoints.CheckpointError, match=f"net.h5: {message}"):
        checkpoints.load(path)


def test_malformed_cursor_is_named(tmp_path):
    path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        f["solver"].attrs["cursor"] = json.dumps([3])
    with pytest.raises(checkpoints.CheckpointError, match="net.h5: attribute cursor must be a JSON dict"):
        checkpoints.load(path)
    assert checkpoints.load(path, solver=False).solver is None  # weights alone stay readable


@pytest.mark.parametrize("dataset, value", [("weights/conv1/W", np.nan), ("weights/fc8/b", -np.inf),
                                            ("solver/velocity/conv3/W", np.inf), ("solver/velocity/fc8/b", np.nan),
                                            ("mean", np.nan)],
                         ids=["weight-nan", "bias-inf", "velocity-inf", "velocity-nan", "mean-nan"])
def test_non_finite_arrays_are_refused_by_name(tmp_path, dataset, value):
    """A run writes a checkpoint only while its weights are finite: a NaN or inf is damage, whatever reads it."""
    path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        array = f[dataset][...]
        array.flat[array.size // 2] = value
        f[dataset][...] = array
    with pytest.raises(checkpoints.CheckpointError, match=f"net.h5: /{dataset} holds NaN or infinite values"):
        checkpoints.load(path)


@pytest.mark.parametrize("root, solver, message", [
    (-5, -5, "attribute iteration is -5; an iteration count is never negative"),
    (41, 41, r"attribute iteration is 41, past the end of its run \(config max_iter 40\)"),
    (10**6, 10**6, "attribute iteration is 1000000, past the end"),
    (17, 30, "solver attribute iteration 30 disagrees with the root attribute iteration 17"),
    (30, 17, "solver attribute iteration 17 disagrees with the root attribute iteration 30"),
], ids=["negative", "one-past-the-end", "far-past-the-end", "solver-ahead", "root-ahead"])
def test_iterations_outside_the_run_or_in_disagreement_are_refused(tmp_path, root, solver, message):
    path = _saved(tmp_path)  # iteration 17 of a 40-iteration run
    with h5py.File(path, "a") as f:
        f.attrs["iteration"] = root
        f["solver"].attrs["iteration"] = solver
    with pytest.raises(checkpoints.CheckpointError, match=f"net.h5: {message}"):
        checkpoints.load(path)


def test_a_checkpoint_without_its_iteration_attribute_reads_its_solvers(tmp_path):
    """A checkpoint whose root lacks ``iteration`` (edited, another program's) read as iteration 0:
    eval said "(iteration 0 of 40)" and a transfer from it recorded its base as not trained to its
    end. Its solver group records the iteration too (17 here): that is read, by load and read_meta,
    and checked as the root's is; a file with neither is refused, naming the attribute."""
    path = _saved(tmp_path)  # iteration 17 of a 40-iteration run
    with h5py.File(path, "a") as f:
        del f.attrs["iteration"]
    assert checkpoints.load(path).iteration == 17 and checkpoints.read_meta(path)["iteration"] == 17
    with h5py.File(path, "a") as f:
        f["solver"].attrs["iteration"] = 41
    with pytest.raises(checkpoints.CheckpointError, match=r"net.h5: attribute iteration is 41, past the end"):
        checkpoints.load(path)
    weights = tmp_path / "weights.h5"  # no solver state: a finished network's weights file
    checkpoints.save(weights, _checkpoint(solver=False))
    with h5py.File(weights, "a") as f:
        del f.attrs["iteration"]
    for read in (checkpoints.load, checkpoints.read_meta):
        with pytest.raises(checkpoints.CheckpointError, match=r"weights.h5: attribute iteration is missing \(the file "
                                                              r"is incomplete, or was written by another program\)"):
            read(weights)


def test_the_last_iteration_of_a_run_is_accepted(tmp_path):
    path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        f.attrs["iteration"] = f["solver"].attrs["iteration"] = 40
    assert checkpoints.load(path).iteration == 40


def test_declared_sizes_are_checked_before_reading(tmp_path, monkeypatch):
    """A small file declaring a huge, compressed fc6 (or mean image) is refused before any array is read."""
    path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        del f["weights/fc6/W"]
        f["weights/fc6"].create_dataset("W", shape=(2**22, 128), dtype=np.float32, chunks=(4096, 128),
                                        compression="gzip")
        architecture = json.loads(f.attrs["architecture"])
        architecture[5][1] = [2**22, 128]
        f.attrs["architecture"] = json.dumps(architecture)
    assert path.stat().st_size < 1_000_000
    reads = []
    monkeypatch.setattr(h5py.Dataset, "__getitem__", lambda self, key: reads.append(self.name))
    with pytest.raises(checkpoints.CheckpointError, match=r"layer fc6 is declared W \(4194304, 128\)"):
        checkpoints.load(path)
    assert reads == []


def test_a_weight_whose_data_disagrees_with_the_architecture_is_refused(tmp_path):
    path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        del f["weights/fc6/W"]
        f["weights/fc6"].create_dataset("W", shape=(2**20, 128), dtype=np.float32, compression="gzip")
    with pytest.raises(checkpoints.CheckpointError, match=r"/weights/fc6/W must be float32 \(128, 128\)"):
        checkpoints.load(path)


@pytest.mark.parametrize("shape", [(50_000, 50_000, 3), (0, 5, 3)], ids=["oversized", "empty"])
def test_a_mean_image_too_large_or_empty_is_refused(tmp_path, shape):
    """An empty one was resampled to the images' size by eval, which then scored the network on
    images from which no mean, or garbage, had been subtracted."""
    path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        del f["mean"]
        f.create_dataset("mean", shape=shape, dtype=np.float32, compression="gzip" if shape[0] else None,
                         chunks=(64, 64, 3) if shape[0] else None)
    with pytest.raises(checkpoints.CheckpointError, match=r"/mean must be an \(H, W, 3\) image of 1 to 4096 pixels"):
        checkpoints.load(path)


def test_disk_full_leaves_the_previous_checkpoint_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "net.h5"
    checkpoints.save(path, _checkpoint(seed=3))
    before = path.read_bytes()
    real_write_bytes = pathlib.Path.write_bytes

    def full(self, data):
        real_write_bytes(self, bytes(data)[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pathlib.Path, "write_bytes", full)
    with pytest.raises(fileio.StorageError,
                       match=r"cannot write .*net.h5: No space left on device \([0-9.]+ MB needed"):
        checkpoints.save(path, _checkpoint(seed=4))
    assert path.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["net.h5"]


def _slurm_record(first, line):
    """A lock record as a SLURM task writes it (:func:`minitransfer.lock_holder.this_process_record`): "PID HOST"
    padded with blanks to RECORD_BYTES - 1 bytes, then its SLURM variables."""
    return first.ljust(lock_holder.RECORD_BYTES - 1).encode() + b"\n" + line.encode() + b"\n"


HOLDERS = {  # the lock's record: (training, training_host, training_job, training_node), what info's text names
    "older": (b"4242 node7\n", (4242, "node7", None, None), "PID 4242 on host node7"),
    "array-task": (_slurm_record("4242 node7.cluster", "SLURM_JOB_ID=1240 SLURM_ARRAY_JOB_ID=1234 "
                                 "SLURM_ARRAY_TASK_ID=5 SLURMD_NODENAME=node7"),
                   (4242, "node7.cluster", "1234_5", "node7"), "SLURM job 1234_5 on node node7"),
    "job": (_slurm_record("4242 node7.cluster", "SLURM_JOB_ID=1240 SLURMD_NODENAME=node7"),
            (4242, "node7.cluster", "1240", "node7"), "SLURM job 1240 on node node7"),
}


@pytest.mark.parametrize("record, holder, named", HOLDERS.values(), ids=HOLDERS.keys())
def test_a_run_trained_on_another_host_is_described_with_its_host(tmp_path, record, holder, named):
    """info --json showed a run's holder as a bare PID, a PID of another machine (a SLURM task on
    another node of a shared disk) read as one here; "training_host" names that machine, "training"
    staying the PID, and the text says "PID 4242 on host node7". A SLURM task's job and node, which
    the text names, were not in the JSON: "training_job" and "training_node" give them."""
    run = tmp_path / "net.run"
    run.mkdir()
    checkpoints.save(run / "checkpoint.h5", _checkpoint())
    fields = ("training", "training_host", "training_job", "training_node")
    nobody = describe(run / "checkpoint.h5")["run"]
    assert {key: nobody[key] for key in fields} == dict.fromkeys(fields)  # nobody trains it
    descriptor = os.open(run / "lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # as RunLock holds it, with its record of another machine's
        os.write(descriptor, record)
        summary = json.loads(CliRunner().invoke(main, ["info", str(run), "--json"]).output)
        text = CliRunner().invoke(main, ["info", str(run)]).output
    finally:
        os.close(descriptor)
    assert tuple(summary["run"][key] for key in fields) == holder, summary["run"]
    assert f"its training runs now ({named})" in text, text


def test_a_run_folder_given_to_the_library_names_the_files_to_give(tmp_path):
    """The command line takes a run folder for its network; the library takes files, and said only
    "not a file" of `copy_from="baseA.run"`."""
    run = tmp_path / "baseA.run"
    run.mkdir()
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.load(run)
    assert str(refused.value) == (f"checkpoint {run}: not a file: {run} is a run folder; give its weights file, "
                                  f"{tmp_path / 'baseA.h5'} (once its run finished), or its latest checkpoint, "
                                  f"{run / 'checkpoint.h5'}")
    (tmp_path / "other").mkdir()
    with pytest.raises(checkpoints.CheckpointError, match=r": not a file: a folder; give a weights file"):
        checkpoints.load(tmp_path / "other")
