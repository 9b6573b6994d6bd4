"""Fixtures for the data tests: a tiny synthetic dataset, the reference data beside the project, and
helpers (fixtures returning functions, so test modules need no import path): tiny image files,
copying a dataset, seeing that nothing else changed on disk, a reader process holding a dataset's lock, and a
small (or read-only) tmpfs."""

import collections
import contextlib
import hashlib
import io
import os
import pathlib
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest
import waiting
from PIL import EpsImagePlugin, Image

from minitransfer.data import build, integrity, lock, shard_format, synthetic

SHARED_DATA = pathlib.Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture
def shared_data():
    """``<repo>/../shared/data`` (the reference files of its README), or a skip saying it is absent."""
    if not (SHARED_DATA / "ilsvrc12" / "synsets.txt").is_file():
        pytest.skip(f"reference data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def tiny_synthetic(tmp_path_factory):
    """A 6-class synthetic dataset (12 train + 4 val images per class, 16 x 16), in 3 train shards."""
    out = tmp_path_factory.mktemp("data") / "synthetic-6"
    synthetic.build_synthetic(out, classes=6, train_per_class=12, val_per_class=4, size=16, seed=5, shard_length=30)
    return out


def _copy_dataset(source, target):
    """A copy of the dataset directory ``source`` at ``target`` (to corrupt without touching the original)."""
    target.mkdir(parents=True)
    for path in source.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return target


def _tree_state(folder):
    """{relative path: (sha256, mtime_ns)} of every file below ``folder``: equal before and after
    means nothing was written, renamed or removed there. A dataset's lock file aside, which stays in its
    folder and each prepare and reader takes (its holder's record written and emptied): no write of the data."""
    folder = pathlib.Path(folder)
    return {str(path.relative_to(folder)): (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
            for path in sorted(folder.rglob("*")) if path.is_file() and path.name != lock.LOCK_FILE}


def _image_bytes(colour, size=(40, 30), kind="JPEG", mode="RGB"):
    """A small solid-colour image file's bytes."""
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, kind, **({"quality": 95} if kind == "JPEG" else {}))
    return buffer.getvalue()


def _write_files(root, files):
    """Write {relative name: bytes} below ``root``; returns ``root``."""
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


@pytest.fixture
def copy_dataset():
    return _copy_dataset


def _as_prepared_before_meta_digest(folder, meta):
    """The dataset ``folder`` with meta.json ``meta`` (a test's edit of it) as an older minitransfer wrote it: its
    mean.h5 without the digest of meta.json (shard_format.META_SHA256), written as those versions did, and
    meta.json recording that file's sha256, in prepare's layout."""
    with h5py.File(folder / "mean.h5", "r") as handle:
        mean = np.asarray(handle["mean"])
    meta["mean"]["sha256"] = shard_format.write_mean(folder / "mean.h5", mean, meta["classes"])
    shard_format.write_meta(folder, meta)


@pytest.fixture
def as_prepared_before_meta_digest():
    """``as_prepared_before_meta_digest(folder, meta)``: a dataset a test made older by editing its meta.json
    (keys an older version did not record) written as that version wrote it, without meta.json's digest in
    mean.h5, which the edit would otherwise contradict."""
    return _as_prepared_before_meta_digest


# another process reading a dataset as a training does: the lock file's shared flock, held until its stdin closes
_HOLDING = ("import fcntl, os, sys; descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644); "
            "fcntl.flock(descriptor, fcntl.LOCK_SH); print('held', flush=True); sys.stdin.read()")


@contextlib.contextmanager
def _held_shared(folder):
    """Another process holding the lock of the dataset ``folder`` shared (a training reading it) in the block; the
    block may let it go earlier by closing its stdin."""
    process = subprocess.Popen([sys.executable, "-c", _HOLDING, str(folder / lock.LOCK_FILE)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline() == "held\n"
        yield process
    finally:
        process.stdin.close()
        process.wait(timeout=waiting.DEADLINE_SECONDS)
        process.stdout.close()


@pytest.fixture
def held_shared():
    """``with held_shared(folder) as process``: another process reading the dataset ``folder`` in the block."""
    return _held_shared


@pytest.fixture
def copy(tiny_synthetic, tmp_path, copy_dataset):
    """A copy of the tiny synthetic dataset, to damage."""
    return copy_dataset(tiny_synthetic, tmp_path / "copy")


@pytest.fixture
def settled(monkeypatch, copy):
    """A fresh copy of the tiny dataset (files no earlier test opened), its files counted as settled."""
    monkeypatch.setattr(integrity, "UNSETTLED_NS", 0)
    return copy


@pytest.fixture
def calls_by_file(monkeypatch):
    """``calls_by_file(owner, name)``: {file name: times ``owner.name(path, ...)`` was called on it} from here
    on, the function itself still called."""
    def count(owner, name):
        counts, real = collections.Counter(), getattr(owner, name)

        def counted(path, *args, **kwargs):
            counts[os.path.basename(os.fspath(path))] += 1
            return real(path, *args, **kwargs)

        monkeypatch.setattr(owner, name, counted)
        return counts
    return count


@pytest.fixture
def tree_state():
    return _tree_state


@pytest.fixture
def image_bytes():
    return _image_bytes


@pytest.fixture
def write_files():
    return _write_files


@pytest.fixture
def change_before_decoding(monkeypatch):
    """``change_before_decoding(change)``: run ``change()`` once the source is listed, as the first image is decoded
    (--workers 0: in this process); ``monkeypatch.undo()`` ends it."""
    def patch(change):
        load_item, pending = build.load_item, [change]

        def load(item, size):
            while pending:
                pending.pop()()
            return load_item(item, size)

        monkeypatch.setattr(build, "load_item", load)

    return patch


@pytest.fixture
def ghostscript(monkeypatch, tmp_path_factory):
    """A function ``set_found(found)`` that makes Pillow find Ghostscript or not the way its own search does on every
    Pillow from 9.1: a ``gs`` on the PATH (a stand-in that answers ``--version``) or none. Pillow 9.1 runs
    ``gs --version`` at each ``has_ghostscript()`` and has no ``EpsImagePlugin.gs_binary``; newer ones search once
    and keep the answer there, set back to None here so that they search afresh."""
    folder = tmp_path_factory.mktemp("ghostscript")
    (folder / "gs").write_text("#!/bin/sh\necho 10.0\n")
    (folder / "gs").chmod(0o755)
    without = [entry for entry in os.environ.get("PATH", "").split(os.pathsep)
               if entry and shutil.which("gs", path=entry) is None]

    def set_found(found):
        monkeypatch.setenv("PATH", os.pathsep.join([str(folder)] * bool(found) + without))
        monkeypatch.setattr(EpsImagePlugin, "gs_binary", None, raising=False)
        if not found:
            monkeypatch.setattr(EpsImagePlugin, "gs_windows_binary", False)
    return set_found


@pytest.fixture
def small_tmpfs(tmp_path):
    """A mounting function: ``mount(folder, size, read_only, inodes)`` mounts a tmpfs there (root only; ``inodes``:
    the file entries it holds, its root folder included), all unmounted afterwards; skips where mounting is not
    allowed."""
    mounted = []

    def mount(folder, size="192k", read_only=False, inodes=None):
        folder.mkdir()
        options = f"size={size}" + (",ro" if read_only else "") + (f",nr_inodes={inodes}" if inodes else "")
        if os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("mounting a tmpfs needs root")
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)


SYNSET_FIELDS = ("ILSVRC2012_ID", "WNID", "words", "gloss", "num_children", "children", "wordnet_height",
                 "num_train_images")


def _make_devkit(folder, classes, ground_truth, inner=(("n00001740", "entity"),)):
    """A fake ILSVRC2012 devkit at ``folder``: ``data/meta.mat`` (the synsets struct array, as the real
    one: (N, 1), the classes first with ILSVRC2012_ID 1.., then ``inner`` nodes with children) and
    ``data/ILSVRC2012_validation_ground_truth.txt`` (one ILSVRC2012_ID per line)."""
    scipy_io = pytest.importorskip("scipy.io",
                                   reason="the devkit tests need SciPy (pip install 'minitransfer[devkit]')")
    import numpy as np

    rows = [(number, wnid, words, f"gloss of {words}", 0, np.zeros((1, 0)), 0, 1300)
            for number, (wnid, words) in enumerate(classes, start=1)]
    rows += [(len(classes) + number, wnid, words, "inner node", len(classes), np.arange(1, len(classes) + 1), 3, 0)
             for number, (wnid, words) in enumerate(inner, start=1)]
    records = np.empty((len(rows), 1), dtype=[(field, object) for field in SYNSET_FIELDS])
    for position, row in enumerate(rows):
        records[position, 0] = row
    (folder / "data").mkdir(parents=True)
    scipy_io.savemat(folder / "data" / "meta.mat", {"synsets": records})
    (folder / "data" / "ILSVRC2012_validation_ground_truth.txt").write_text("".join(f"{i}\n" for i in ground_truth))
    return folder


@pytest.fixture
def make_devkit():
    return _make_devkit
