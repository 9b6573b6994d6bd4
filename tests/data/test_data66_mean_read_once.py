"""A train start opened the dataset's mean.h5 as HDF5 four times (train's check of every file, the mean image
subtracted, then the train and val loaders' check of meta.json's digest, each opening it anew): now once, its image
and digests read in one open, the image given again as a copy. What each check finds is unchanged (meta.json edited
is refused as before)."""

import json
import os
import pathlib

import h5py
import numpy as np
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset, shard_format


def _mean_opens(monkeypatch, data):
    """The list that each opening of ``data``'s mean.h5 as HDF5 (an h5py.File made of it) appends to."""
    mean, opens, made = os.path.realpath(data / shard_format.MEAN_FILE), [], h5py.File.__init__

    def counting(self, name, *args, **kwargs):
        if isinstance(name, (str, os.PathLike)) and os.path.realpath(name) == mean:
            opens.append(name)
        made(self, name, *args, **kwargs)

    monkeypatch.setattr(h5py.File, "__init__", counting)
    return opens


def test_a_train_with_three_evaluations_opens_mean_h5_once(micro_data, tmp_path, monkeypatch):
    opens = _mean_opens(monkeypatch, pathlib.Path(micro_data))
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "--out", str(tmp_path / "net.h5"), "--preset",
                                       "micro", "--max-iter", "3", "--eval-every", "1", "--split", "all"])
    assert result.exit_code == 0, result.output
    assert "mean of all 3 evaluations" in result.output
    assert len(opens) == 1, opens


def test_the_mean_given_again_is_the_file_s_whatever_a_caller_did_to_the_last(micro_data):
    """A copy each time: a caller subtracting in place (or a poisoned one) changes no later caller's mean."""
    opened = dataset.open_dataset(micro_data)
    with h5py.File(os.path.join(micro_data, shard_format.MEAN_FILE), "r") as handle:
        expected = handle["mean"][()]
    first = opened.mean()
    first[...] = np.nan
    again = opened.mean()
    assert again.dtype == np.float32 and np.array_equal(again, expected) and again.any()


def test_meta_json_edited_is_still_refused_by_train(micro_data, tmp_path, copy_dataset):
    copy_dataset(pathlib.Path(micro_data), tmp_path / "data")
    data = tmp_path / "data"
    meta = json.loads((data / shard_format.META_FILE).read_text())
    meta["classes"][0]["name"] = "renamed"
    (data / shard_format.META_FILE).write_text(shard_format.meta_text(meta))
    result = CliRunner().invoke(main, ["train", "--data", str(data), "--out", str(tmp_path / "net.h5"), "--preset",
                                       "micro", "--max-iter", "1", "--split", "all"])
    assert result.exit_code == 65, result.output
    assert "meta.json" in result.output
