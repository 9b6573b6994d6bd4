"""Shards whose arrays are not stored in them: /images or /labels an HDF5 link to another file (to a named pipe:
verify, eval and train waited forever; to a copy: verify said "verified" of a file eval then refused) or a soft
link, and /images kept in other files (external raw storage, a virtual dataset), which was refused as "must be
contiguous". Each is bad data naming the shard and where its values are (exit 65)."""

import hashlib
import json
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset, shard_format

SHAPE = (3, 4, 4, 3)


def _shard(path):
    images = np.arange(np.prod(SHAPE), dtype=np.uint8).reshape(SHAPE)
    shard_format.write_shard(path, images, [0, 1, 2], "train", 0, "plan")
    return path


def _relink(path, name, link):
    with h5py.File(path, "r+") as handle:
        del handle[name]
        handle[name] = link


_OFFSET = """
import sys
from minitransfer.data import dataset, shard_format
try:
    shard_format.image_offset(sys.argv[1], (3, 4, 4, 3))
except dataset.DatasetError as error:
    print(error)
"""


def test_images_linked_to_a_named_pipe_are_refused_not_waited_on(tmp_path):
    """Run apart: opening the pipe waits for a writer that never comes."""
    os.mkfifo(tmp_path / "pipe")
    shard = _shard(tmp_path / "train-00000.h5")
    _relink(shard, "images", h5py.ExternalLink(str(tmp_path / "pipe"), "/images"))
    try:
        done = subprocess.run([sys.executable, "-c", _OFFSET, str(shard)], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("reading a shard waited on the named pipe its /images links to")
    assert done.returncode == 0, done.stderr
    pipe = tmp_path / "pipe"
    assert done.stdout == f"{shard}: /images is a link to {pipe}:/images: a shard holds its arrays itself\n"


@pytest.mark.parametrize("kind", ["external", "soft"])
@pytest.mark.parametrize("name", ["images", "labels"])
def test_an_array_under_a_link_is_refused_naming_the_shard_and_the_link(tmp_path, kind, name):
    other = _shard(tmp_path / "other.h5")
    shard = _shard(tmp_path / "train-00000.h5")
    with h5py.File(shard, "r+") as handle:
        handle.create_dataset("kept", data=handle[name][()])
    link = h5py.ExternalLink(str(other), f"/{name}") if kind == "external" else h5py.SoftLink("/kept")
    _relink(shard, name, link)
    says = (f"/{name} is a link to {other}:/{name}: a shard holds its arrays itself" if kind == "external" else
            f"/{name} is a soft link (to /kept): a shard holds its arrays under their own names")
    with pytest.raises(dataset.DatasetError) as refused:
        if name == "images":
            shard_format.image_offset(shard, SHAPE)
        else:
            shard_format.read_checked(shard, "labels", (3,), np.int32, "shard")
    assert str(refused.value) == f"{shard}: {says}"


def test_verify_refuses_a_shard_whose_images_link_to_a_copy(copy, tmp_path):
    """A link to an ordinary copy: verify said "verified" (the sha256 in meta.json being the linked file's) while
    eval refused the very shard."""
    shard = copy / "train-00000.h5"
    copied = tmp_path / "elsewhere.h5"
    copied.write_bytes(shard.read_bytes())
    _relink(shard, "images", h5py.ExternalLink(str(copied), "/images"))
    meta = json.loads((copy / "meta.json").read_text())
    for entry in meta["subsets"]["train"]["shards"]:
        if entry["file"] == shard.name:
            entry["sha256"] = hashlib.sha256(shard.read_bytes()).hexdigest()
    (copy / "meta.json").write_text(json.dumps(meta))
    result = CliRunner().invoke(main, ["prepare", "verify", str(copy)])
    assert result.exit_code == 65, result.output
    assert f"{shard}: /images is a link to {copied}:/images" in result.output


def _external_raw(shard, tmp_path):
    raw = tmp_path / "images.raw"
    with h5py.File(shard, "r+") as handle:
        raw.write_bytes(handle["images"][()].tobytes())
        del handle["images"]
        handle.create_dataset("images", SHAPE, np.uint8, external=[(str(raw), 0, raw.stat().st_size)])


def _virtual(shard, tmp_path):
    other = _shard(tmp_path / "other.h5")
    layout = h5py.VirtualLayout(SHAPE, np.uint8)
    layout[...] = h5py.VirtualSource(str(other), "images", SHAPE, np.uint8)
    with h5py.File(shard, "r+") as handle:
        del handle["images"]
        handle.create_virtual_dataset("images", layout)


@pytest.mark.parametrize("store", [_external_raw, _virtual], ids=["external-raw", "virtual"])
def test_images_kept_in_other_files_are_named_as_such(tmp_path, store):
    shard = _shard(tmp_path / "train-00000.h5")
    store(shard, tmp_path)
    with h5py.File(shard, "r") as handle:
        assert handle["images"].shape == SHAPE  # an array h5py reads, but not from the shard
    with pytest.raises(dataset.DatasetError) as refused:
        shard_format.image_offset(shard, SHAPE)
    assert str(refused.value) == (f"{shard}: /images keeps its values in other files (external storage / virtual "
                                  f"dataset): a shard holds its arrays itself")


# argv[1]: a shard; argv[2]: "read" (its /labels, as a reader does) or "judged" (a rerun of prepare, over a shard
# left there, judging whether to keep it)
_KEPT_ELSEWHERE = """
import pathlib, sys
import numpy as np
from minitransfer.data import dataset, shard_builder, shard_format
shard = pathlib.Path(sys.argv[1])
if sys.argv[2] == "judged":
    print(shard_builder._judged_shard(shard, "plan", 0, 4, 10, ())[1])
else:
    try:
        shard_format.read_checked(shard, "labels", (3,), np.int32, "shard")
    except dataset.DatasetError as error:
        print(error)
"""


def _labels_external_raw(shard, pipe):
    with h5py.File(shard, "r+") as handle:
        del handle["labels"]
        handle.create_dataset("labels", (3,), np.int32, external=[(str(pipe), 0, 12)])


def _labels_linked(shard, pipe):
    _relink(shard, "labels", h5py.ExternalLink(str(pipe), "/labels"))


@pytest.mark.parametrize("how", ["read", "judged"])
@pytest.mark.parametrize("store", [_labels_external_raw, _labels_linked], ids=["external-raw", "link"])
def test_labels_kept_in_a_named_pipe_are_refused_not_waited_on(tmp_path, store, how):
    """Run apart, as a pipe waits for a writer that never comes: /labels (any array but /images: /sum, an extra)
    read from external raw storage, or a rerun of prepare following its external link before checking it."""
    os.mkfifo(tmp_path / "pipe")
    shard = _shard(tmp_path / "train-00000.h5")
    store(shard, tmp_path / "pipe")
    try:
        done = subprocess.run([sys.executable, "-c", _KEPT_ELSEWHERE, str(shard), how], capture_output=True,
                              text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{how}: a shard's /labels waited on the named pipe it is kept in")
    assert done.returncode == 0, done.stderr
    where = (f"/labels is a link to {tmp_path / 'pipe'}:/labels: a shard holds its arrays itself"
             if store is _labels_linked else
             "/labels keeps its values in other files (external storage / virtual dataset): a shard holds its "
             "arrays itself")
    assert done.stdout == (f"unreadable ({where})\n" if how == "judged" else f"{shard}: {where}\n")
