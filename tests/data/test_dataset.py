"""The shard format: round trip, reads at the images' offset, and corrupt or incomplete datasets detected."""

import json
import subprocess
import sys

import h5py
import numpy as np
import pytest

from minitransfer.data import dataset, shard_format
from oracles import text_attributes
from shard_bytes import flip_stored_byte


def test_round_trip_against_plain_h5py(tiny_synthetic):
    data = dataset.open_dataset(tiny_synthetic)
    assert data.image_size == (16, 16) and data.num_classes == 6
    assert (data.num_images("train"), data.num_images("val")) == (72, 24)
    shards = data.shards("train")
    assert [shard["count"] for shard in shards] == [30, 30, 12]
    stored = []
    for path in data.shard_paths("train"):
        with h5py.File(path, "r") as handle:
            assert handle["images"].chunks is None and handle["images"].compression is None
            stored.append(handle["images"][()])
    stored = np.concatenate(stored)
    indices = np.array([71, 0, 33, 29, 30, 5, 33])  # unsorted, repeated, across shard edges
    np.testing.assert_array_equal(data.images("train", indices), stored[indices])
    np.testing.assert_allclose(data.mean(), stored.mean(axis=0, dtype=np.float64), rtol=1e-6)
    assert data.mean().dtype == np.float32
    assert data.labels("train").tolist() == np.repeat(np.arange(6), 12).tolist()


def test_no_temporary_files_are_left(tiny_synthetic):
    assert not [path.name for path in tiny_synthetic.iterdir() if ".tmp-" in path.name]


def test_verify_accepts_an_intact_dataset(tiny_synthetic):
    dataset.open_dataset(tiny_synthetic).verify()


def _copy(source, target):
    target.mkdir()
    for path in source.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return target


def test_flipped_byte_in_images_is_a_checksum_mismatch(tiny_synthetic, tmp_path):
    copy = _copy(tiny_synthetic, tmp_path / "copy")
    shard = copy / "train-00001.h5"
    flip_stored_byte(shard, "images", 100)
    data = dataset.open_dataset(copy)  # structure intact: only the checksum can tell
    with pytest.raises(dataset.DatasetError, match=r"train-00001\.h5.*sha256 mismatch"):
        data.verify()


def test_truncated_shard_is_refused_on_open(tiny_synthetic, tmp_path):
    copy = _copy(tiny_synthetic, tmp_path / "copy")
    shard = copy / "val-00000.h5"
    shard.write_bytes(shard.read_bytes()[:-200])
    with pytest.raises(dataset.DatasetError, match=r"val-00000\.h5"):
        dataset.open_dataset(copy)


_READ_WHILE_TRUNCATED = """
import os, sys
from minitransfer.data import dataset, image_reader
reader = image_reader.ImageReader(dataset.open_dataset(sys.argv[1]), "train")
first = reader.read([0])  # the shard is open and checked
shard = reader.paths[0]
os.truncate(shard, os.path.getsize(shard) // 4)  # as a full disk's rsync or another process might
try:
    reader.read([1, 29])
except dataset.DatasetError as error:
    print(error)
"""


def test_a_shard_truncated_while_it_is_read_is_named_not_a_crash(tiny_synthetic, tmp_path):
    """A memory map of it would die of SIGBUS: no message, no checkpoint; a read names the shard."""
    copy = _copy(tiny_synthetic, tmp_path / "copy")
    child = subprocess.run([sys.executable, "-c", _READ_WHILE_TRUNCATED, str(copy)], capture_output=True, text=True,
                           timeout=120)
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == (f"{copy / 'train-00000.h5'}: image 29 of train lies beyond the end of the file "
                                    f"(the shard was truncated after it was checked); rerun the prepare command that "
                                    f"built it")


def test_missing_shard_and_missing_meta_are_named(tiny_synthetic, tmp_path):
    copy = _copy(tiny_synthetic, tmp_path / "copy")
    (copy / "train-00002.h5").unlink()
    with pytest.raises(dataset.DatasetError, match=r"train-00002\.h5: missing"):
        dataset.open_dataset(copy)
    (copy / "meta.json").unlink()
    with pytest.raises(dataset.DatasetError, match=r"meta\.json: missing"):
        dataset.open_dataset(copy)


@pytest.mark.parametrize("text, why", [('{"format": "minitr', "Unterminated string"), ("[" * 100_000, "nested deeper"),
                                       (b'{"format": "\xff"}', "can't decode")],
                         ids=["truncated", "nested-too-deep", "not-utf-8"])
def test_a_meta_json_that_is_not_json_is_named(tiny_synthetic, tmp_path, text, why):
    copy = _copy(tiny_synthetic, tmp_path / "copy")
    (copy / "meta.json").write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(dataset.DatasetError, match=rf"meta\.json: not valid JSON \(.*{why}"):
        dataset.open_dataset(copy)


@pytest.mark.parametrize("edit,message", [
    (lambda meta: meta.update(schema=99), "schema 99"),
    (lambda meta: meta.update(format="other"), "not a minitransfer-dataset"),
    (lambda meta: meta["subsets"]["train"]["shards"][1].update(first_index=31), "starts at 31"),
    (lambda meta: meta["subsets"]["val"].update(count=5), "hold 24 images"),
    (lambda meta: meta["classes"][2].update(index=7), r"classes\[2\]\.index malformed"),
    (lambda meta: meta.pop("mean"), "malformed"),
], ids=["schema", "format", "first-index", "count", "class-table", "no-mean"])
def test_inconsistent_meta_is_refused(tiny_synthetic, tmp_path, edit, message):
    copy = _copy(tiny_synthetic, tmp_path / "copy")
    meta = json.loads((copy / "meta.json").read_text())
    edit(meta)
    (copy / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(dataset.DatasetError, match=message):
        dataset.open_dataset(copy)


def test_write_shard_rejects_bad_shapes(tmp_path):
    with pytest.raises(ValueError, match="write_shard"):
        shard_format.write_shard(tmp_path / "x.h5", np.ones((2, 4, 4, 1), np.uint8), [0, 1], "train", 0, "plan")


def test_shards_and_the_mean_image_keep_no_text_in_the_global_heap(tmp_path):
    """Variable-length text lives in HDF5's global heap, whose damage hangs the reader for good
    (tests/test_checkpoint.py): a shard's and mean.h5's text attributes are fixed-length."""
    rng = np.random.default_rng(0)
    shard_format.write_shard(tmp_path / "train-00000.h5", rng.integers(0, 256, (3, 4, 4, 3), dtype=np.uint8),
                             np.array([0, 1, 0], np.int32), "train", 0, "plan-digest", skipped=["a.jpg"])
    shard_format.write_mean(tmp_path / "mean.h5", np.zeros((4, 4, 3), np.float32),
                            [{"index": 0, "wnid": "n0", "name": "zero"}, {"index": 1, "wnid": "n1", "name": "one"}])
    for name, expected in (("train-00000.h5", {"subset", "plan", "skipped", "content_sha256"}),
                           ("mean.h5", {"classes_sha256"})):
        text = text_attributes(tmp_path / name)
        assert {attribute for _, attribute, _ in text} == expected and not any(variable for *_, variable in text)
        assert b"GCOL" not in (tmp_path / name).read_bytes()


def test_a_shard_deleted_before_its_labels_are_read_is_said_missing(tiny_synthetic, tmp_path):
    """h5py's words were shown: "unreadable file ([Errno 2] Unable to synchronously open file ...)"."""
    copy = _copy(tiny_synthetic, tmp_path / "copy")
    data = dataset.open_dataset(copy)
    (copy / "train-00001.h5").unlink()
    with pytest.raises(dataset.DatasetError) as raised:
        data.labels("train")
    assert str(raised.value).startswith(f"{copy / 'train-00001.h5'}: missing shard"), str(raised.value)


REMEDY = "rerun the prepare command that built it"  # what every refusal of a damaged dataset says to do


@pytest.mark.parametrize("damage", ["shard-a-folder", "shard-a-dead-link", "shard-missing", "meta-not-json",
                                    "meta-another-file"])
def test_every_damaged_dataset_says_the_one_remedy(tiny_synthetic, tmp_path, damage):
    """A shard replaced by a folder said "rerun prepare" (so did a dead link), and a meta.json of
    another file's JSON said nothing to do, where every other refusal said to rerun the prepare
    command that built it: which command, and with which options, matters."""
    copy = _copy(tiny_synthetic, tmp_path / "copy")
    shard, meta = copy / "val-00000.h5", copy / "meta.json"
    if damage.startswith("shard"):
        shard.unlink()
        if damage == "shard-a-folder":
            shard.mkdir()
        elif damage == "shard-a-dead-link":
            shard.symlink_to(tmp_path / "elsewhere.h5")
    else:
        meta.write_text("not json" if damage == "meta-not-json" else '{"format": "another tool"}')
    with pytest.raises(dataset.DatasetError) as refused:
        dataset.open_dataset(copy)
    said = str(refused.value)
    assert said.startswith(f"{meta if damage.startswith('meta') else shard}: ") and said.endswith(REMEDY), said
    assert "rerun prepare" not in said
