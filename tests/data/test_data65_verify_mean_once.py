"""``prepare verify`` opened mean.h5 as HDF5 three times (its image, then the class table's digest, then meta.json's
digest, each check opening it anew) besides hashing it: now once, the digests read in the open that read the image.
What each check finds is unchanged (an edited class table or meta.json is refused as before)."""

import json
import os

from click.testing import CliRunner

from counting import calls_of, opens_of
from minitransfer import hdf5_files
from minitransfer.cli import main
from minitransfer.data import dataset, shard_format, synthetic

TINY = {"classes": 4, "train_per_class": 8, "val_per_class": 2, "size": 14, "seed": 1}


def test_prepare_verify_opens_mean_h5_once(tmp_path, monkeypatch):
    data = synthetic.build_synthetic(tmp_path / "data", **TINY).path
    mean = os.path.realpath(data / shard_format.MEAN_FILE)
    hashed, opened = opens_of(monkeypatch, mean), calls_of(monkeypatch, hdf5_files, "open_hdf5")
    result = CliRunner().invoke(main, ["prepare", "verify", str(data)])
    assert result.exit_code == 0 and "(verified)" in result.output, result.output
    assert len(hashed) == 1, hashed
    assert [call[0] for call in opened if os.path.realpath(call[0]) == mean] == [data / shard_format.MEAN_FILE]


def test_an_edited_class_table_is_still_found_by_verify(tmp_path):
    data = synthetic.build_synthetic(tmp_path / "data", **TINY).path
    meta = json.loads((data / shard_format.META_FILE).read_text())
    meta["classes"][0]["name"] = "renamed"
    (data / shard_format.META_FILE).write_text(shard_format.meta_text(meta))
    result = CliRunner().invoke(main, ["prepare", "verify", str(data)])
    assert result.exit_code == 65, result.output
    assert "the class table (names, wnids, families) is not the one the dataset was prepared with" in result.output


def test_check_checksums_of_every_file_opens_mean_h5_once(tmp_path, monkeypatch):
    """train's check of every file read the class table's digest and meta.json's digest, each opening mean.h5."""
    data = synthetic.build_synthetic(tmp_path / "data", **TINY).path
    mean = os.path.realpath(data / shard_format.MEAN_FILE)
    opened = calls_of(monkeypatch, hdf5_files, "open_hdf5")
    dataset.open_dataset(data).check_checksums()
    assert [call[0] for call in opened if os.path.realpath(call[0]) == mean] == [data / shard_format.MEAN_FILE]
