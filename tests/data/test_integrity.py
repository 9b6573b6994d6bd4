"""Corrupt data is refused before training (issue 13, items 4, 5 and 10): flipped image or label
bytes, an edited meta.json, a class table shorter than the labels, HDF5 datasets declaring sizes
they do not hold, an empty mean image. Each case names the file and changes nothing on disk."""

import hashlib
import json
import re

import h5py
import numpy as np
import pytest
from click.testing import CliRunner
from shard_bytes import flip_stored_byte

from minitransfer import fileio
from minitransfer.cli import main
from minitransfer.data import dataset, loader, splits, synthetic


def _edit_meta(folder, edit):
    meta = json.loads((folder / "meta.json").read_text())
    edit(meta)
    (folder / "meta.json").write_text(json.dumps(meta))


def _train_loader(data):
    half = splits.make_half(data, "all")
    return loader.BatchLoader(data, "train", half.train_indices, half.train_labels, 8, 12, train=True)


def test_flipped_image_bytes_stop_the_loader_before_its_first_batch(copy, tree_state):
    flip_stored_byte(copy / "train-00001.h5", "images", 100)
    data = dataset.open_dataset(copy)  # the structure is intact: only the checksum can tell
    before = tree_state(copy)
    with pytest.raises(dataset.DatasetError, match=r"train-00001\.h5: sha256 mismatch .*corrupt shard"):
        _train_loader(data)
    assert tree_state(copy) == before


def test_a_wrong_sha256_in_meta_json_stops_the_loader(copy):
    _edit_meta(copy, lambda meta: meta["subsets"]["val"]["shards"][0].update(sha256="0" * 64))
    data = dataset.open_dataset(copy)
    half = splits.make_half(data, "all")
    with pytest.raises(dataset.DatasetError,
                       match=r"val-00000\.h5: sha256 mismatch \(file [0-9a-f]{16}…, meta.json 0{16}…\)"):
        loader.BatchLoader(data, "val", half.val_indices, half.val_labels, 8, 12, train=False)


def test_flipped_label_bytes_are_named_with_the_label_they_made(copy):
    shard = copy / "train-00000.h5"
    flip_stored_byte(shard, "labels", 4 * 13 + 3, mask=0x80)  # image 13's label (1) becomes 1 - 2**31
    data = dataset.open_dataset(copy)
    with pytest.raises(dataset.DatasetError, match=r"train-00000\.h5: image 13 has label -2147483647, outside the "
                                                   r"class table of .*meta\.json \(0\.\.5"):
        splits.make_half(data, "random", seed=0, half="A")


def test_a_flipped_label_still_in_range_is_caught_by_the_checksum(copy):
    shard = copy / "train-00000.h5"
    flip_stored_byte(shard, "labels", 4 * 13, mask=0x01)  # label 1 becomes 0: a valid class
    data = dataset.open_dataset(copy)
    assert data.labels("train")[13] == 0
    with pytest.raises(dataset.DatasetError, match=r"train-00000\.h5: sha256 mismatch"):
        _train_loader(data)


def test_a_class_table_shorter_than_the_labels_is_bad_data(copy):
    _edit_meta(copy, lambda meta: meta.update(classes=meta["classes"][:4]))
    data = dataset.open_dataset(copy)
    with pytest.raises(dataset.DatasetError,
                       match=r"train-00001\.h5: image 48 has label 4, outside the class table .*0\.\.3"):
        splits.make_half(data, "all")
    result = CliRunner().invoke(main, ["splits", str(copy), "random"])
    assert result.exit_code == 65, result.output
    assert "outside the class table" in result.output and "Traceback" not in result.output


def _replace_labels(shard, shape, dtype=np.int32):
    """Rewrite ``shard`` with a /labels dataset declaring ``shape`` (never written: HDF5 allocates it late)."""
    with h5py.File(shard, "r") as handle:
        arrays = {name: handle[name][()] for name in ("images", "sum")}
        attributes = dict(handle.attrs)
    with h5py.File(shard, "w") as handle:
        for name, values in arrays.items():
            handle.create_dataset(name, data=values)
        handle.create_dataset("labels", shape=shape, dtype=dtype)
        handle.attrs.update(attributes)


@pytest.mark.parametrize("shape,dtype", [((1 << 34,), np.int32), ((4,), np.int64), ((4, 1 << 30), np.int32)],
                         ids=["2^34-entries", "int64", "2-d"])
def test_labels_declaring_another_layout_are_refused_before_reading(copy, shape, dtype):
    shard = copy / "val-00000.h5"
    _replace_labels(shard, shape, dtype)
    _edit_meta(copy, lambda meta: meta["subsets"]["val"]["shards"][0].update(sha256=fileio.sha256_file(shard)))
    data = dataset.open_dataset(copy)
    with pytest.raises(dataset.DatasetError, match=r"val-00000\.h5: /labels is .*expected int32 \(24,\)"):
        data.labels("val")


def test_an_empty_mean_image_is_named_as_such_by_verify(copy, tree_state):
    (copy / "mean.h5").write_bytes(b"")
    before = tree_state(copy)
    result = CliRunner().invoke(main, ["prepare", "verify", str(copy)])
    assert result.exit_code == 65, result.output
    assert "mean.h5: empty file (0 bytes) where meta.json expects the mean image" in result.output
    assert "shard" not in result.output
    assert tree_state(copy) == before


def test_a_mean_image_of_another_shape_is_refused_before_reading(copy):
    with h5py.File(copy / "mean.h5", "w") as handle:
        handle.create_dataset("mean", shape=(1 << 20, 1 << 20, 3), dtype=np.float32)  # 12 TiB declared, none stored
    _edit_meta(copy, lambda meta: meta["mean"].update(sha256=fileio.sha256_file(copy / "mean.h5")))
    with pytest.raises(dataset.DatasetError,
                       match=r"mean\.h5: /mean is float32 \(1048576, 1048576, 3\), expected float32 \(16, 16, 3\)"):
        dataset.open_dataset(copy).mean()


def test_a_corrupt_mean_image_is_named_by_the_checksum(copy):
    flip_stored_byte(copy / "mean.h5", "mean", 7)
    with pytest.raises(dataset.DatasetError, match=r"mean\.h5: sha256 mismatch .*corrupt mean image"):
        dataset.open_dataset(copy).mean()


def test_intact_files_are_hashed_once_per_process_until_they_change(copy, monkeypatch):
    data = dataset.open_dataset(copy)
    hashed = []
    real = fileio.sha256_file
    monkeypatch.setattr(fileio, "sha256_file", lambda path: hashed.append(path.name) or real(path))
    data.check_checksums("train")
    assert sorted(hashed) == ["train-00000.h5", "train-00001.h5", "train-00002.h5"]
    data.check_checksums("train")
    assert len(hashed) == 3
    flip_stored_byte(copy / "train-00002.h5", "images")
    with pytest.raises(dataset.DatasetError, match=r"train-00002\.h5: sha256 mismatch"):
        data.check_checksums("train")
    assert hashed[3:] == ["train-00002.h5"]


@pytest.fixture(scope="module")
def trainable(tmp_path_factory):
    """A synthetic set the mini preset can train on (36 x 36), in 3 train shards."""
    out = tmp_path_factory.mktemp("data") / "synthetic-36"
    synthetic.build_synthetic(out, classes=4, train_per_class=9, val_per_class=2, size=36, seed=1, shard_length=12)
    return out


@pytest.mark.parametrize("corruption,message", [
    ("image-bytes", r"train-00001\.h5: sha256 mismatch"),
    ("meta-sha256", r"train-00002\.h5: sha256 mismatch"),
    ("label-bytes", r"train-00000\.h5: sha256 mismatch"),  # their range: test_flipped_label_bytes_are_named...
    ("meta-family", r"meta\.json: the class table \(names, wnids, families\) is not the one"),
], ids=["image-bytes", "meta-sha256", "label-bytes", "meta-family"])
def test_train_refuses_corrupt_data_with_exit_65_before_the_first_iteration(trainable, tmp_path, copy_dataset,
                                                                           corruption, message):
    copy = copy_dataset(trainable, tmp_path / "copy")
    if corruption == "image-bytes":
        flip_stored_byte(copy / "train-00001.h5", "images", 100)
    elif corruption == "meta-sha256":
        _edit_meta(copy, lambda meta: meta["subsets"]["train"]["shards"][2].update(sha256="f" * 64))
    elif corruption == "meta-family":  # the natural split's halves would change, the shards not
        _edit_meta(copy, lambda meta: meta["classes"][0].update(family=meta["classes"][-1]["family"]))
    else:
        flip_stored_byte(copy / "train-00000.h5", "labels", 4 * 10 + 3, mask=0x80)
    result = CliRunner().invoke(main, ["train", "--data", str(copy), "--split", "all", "-o", str(tmp_path / "net.h5"),
                                       "--max-iter", "2", "--batch-size", "8", "--quiet", "--device", "cpu"])
    assert result.exit_code == 65, result.output
    assert re.search(message, result.output) and "Traceback" not in result.output, result.output
    assert not (tmp_path / "net.h5").exists()


@pytest.mark.parametrize("edit,field", [
    (lambda meta: meta["subsets"]["train"]["shards"][0].pop("sha256"),
     r"subsets\.train\.shards\[0\]\.sha256 \(missing\)"),
    (lambda meta: meta["subsets"]["train"]["shards"][0].update(sha256=12345), r"subsets\.train\.shards\[0\]\.sha256"),
    (lambda meta: meta["subsets"]["train"]["shards"][0].update(file="/etc/passwd"),
     r"subsets\.train\.shards\[0\]\.file"),
    (lambda meta: meta["subsets"]["train"].update(count="48"), r"subsets\.train\.count"),
    (lambda meta: meta["mean"].update(file=5), r"mean\.file"),
    (lambda meta: meta.update(skipped={"a": 1}), r"skipped"),
    (lambda meta: meta.update(skipped=["x.jpg"]), r"skipped\[0\]"),
    (lambda meta: meta.update(excluded_classes="abc"), r"excluded_classes"),
    (lambda meta: meta.update(returned_to_training=[7]), r"returned_to_training\[0\]"),
    (lambda meta: meta.update(image_size=[16, 16, 3]), r"image_size"),
    (lambda meta: meta.update(classes=None), r"classes"),
], ids=["no-sha", "sha-int", "absolute-file", "count-str", "mean-file-int", "skipped-dict", "skipped-strs",
        "excluded-str", "returned-int", "image-size-3", "classes-none"])
def test_a_malformed_meta_json_field_is_named_by_every_command(copy, edit, field):
    _edit_meta(copy, edit)
    with pytest.raises(dataset.DatasetError, match=rf"meta\.json: {field} malformed"):
        dataset.open_dataset(copy)
    result = CliRunner().invoke(main, ["prepare", "verify", str(copy)])
    assert result.exit_code == 65, result.output
    assert "Traceback" not in result.output and re.search(rf"meta\.json: {field} malformed", result.output)


def test_a_wnid_given_twice_in_the_class_table_is_refused(copy):
    _edit_meta(copy, lambda meta: meta["classes"][1].update(wnid=meta["classes"][0]["wnid"]))
    with pytest.raises(dataset.DatasetError, match="classes 0 and 1 have the same wnid 'synthetic-000'"):
        dataset.open_dataset(copy)


def test_verify_sees_a_class_table_edited_after_the_import(copy):
    _edit_meta(copy, lambda meta: meta["classes"][0].update(name="HACKED", family="HACKED"))
    data = dataset.open_dataset(copy)
    with pytest.raises(dataset.DatasetError, match="the class table .* is not the one the dataset was prepared with"):
        data.verify()


def test_a_dataset_prepared_before_the_class_digest_still_verifies(copy):
    with h5py.File(copy / "mean.h5", "r+") as handle:
        del handle.attrs["classes_sha256"], handle.attrs["meta_sha256"]  # nor meta.json's, recorded since
    _edit_meta(copy, lambda meta: meta["mean"].update(
        sha256=hashlib.sha256((copy / "mean.h5").read_bytes()).hexdigest()))
    dataset.open_dataset(copy).verify()
