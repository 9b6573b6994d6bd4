"""A notebook's relative `copy_from` and `data` are named in messages as it gave them: train
resolves them (the run records them absolute, and reads them wherever the working folder is
later), and its refusals named the absolute paths, "`copy_from` '/home/me/x/nope.h5' does not
exist" for ``copy_from="nope.h5"``."""

import os
import shutil

import h5py
import pytest

from minitransfer import checkpoint as checkpoints
from minitransfer import config
from minitransfer import train as training
from minitransfer.data import dataset as datasets
from minitransfer.data import synthetic

FAST = {"batch_size": 8, "max_iter": 2, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True}


@pytest.fixture
def home(tmp_path, monkeypatch):
    """The working folder, holding a copy of nothing but a note (a file that is no checkpoint)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("not a network\n")
    return tmp_path


@pytest.mark.parametrize("fields, error, message", [
    ({"copy_from": "nope.h5", "n": 1}, training.ConfigError, "`copy_from` 'nope.h5' does not exist"),
    ({"copy_from": "notes.txt", "n": 1}, checkpoints.CheckpointError,
     "checkpoint notes.txt: not an HDF5 file (corrupt or not a checkpoint)"),
    ({"data": "nodata"}, datasets.DatasetError,
     "`data` nodata: no such folder; give the folder `minitransfer prepare` wrote (it holds meta.json)"),
    ({"data": "notes.txt"}, datasets.DatasetError, "notes.txt: a file, not a dataset folder"),
], ids=["copy-from-missing", "copy-from-no-checkpoint", "data-missing", "data-a-file"])
def test_a_relative_path_at_fault_is_named_as_given(micro_data, home, fields, error, message):
    config = training.TrainConfig(out="net.h5", **{"data": micro_data, **fields}, **FAST)
    with pytest.raises(error) as refused:
        training.train(config)
    assert str(refused.value).startswith(message), refused.value
    assert str(home) not in str(refused.value)
    assert sorted(path.name for path in home.iterdir()) == ["notes.txt"]


def test_a_relative_base_and_dataset_are_recorded_and_read_absolute(micro_data, home):
    """Read as given, they are still recorded absolute, and read so after a chdir mid-run."""
    training.train(training.TrainConfig(out="base.h5", data=micro_data, **FAST))
    (home / "elsewhere").mkdir()
    data = os.path.relpath(micro_data, home)

    def wander(done):
        os.chdir(home / "elsewhere")

    training.train(training.TrainConfig(out="net.h5", copy_from="base.h5", n=1, data=data, **{**FAST, "max_iter": 3}),
                   on_iteration=wander)
    os.chdir(home)
    saved = checkpoints.load("net.h5", solver=False)
    assert saved.meta["config"]["copy_from"] == str(home / "base.h5")
    assert saved.meta["config"]["data"] == os.path.realpath(micro_data)
    assert saved.meta["source"]["checkpoint"] == str(home / "base.h5")
    assert saved.meta["mean_source"]["checkpoint"] == str(home / "base.h5")
    assert list((home / "elsewhere").iterdir()) == []


@pytest.fixture
def base(micro_data, home):
    """``base.h5`` in the working folder, trained on ``data``, a copy of the micro dataset there."""
    shutil.copytree(micro_data, home / "data")
    training.train(training.TrainConfig(out="base.h5", data="data", **FAST))
    return "base.h5"


def _refusal(error, **fields):
    with pytest.raises(error) as refused:
        training.train(training.TrainConfig(**{**FAST, **fields}))
    return str(refused.value)


def test_a_base_without_its_mean_is_named_as_given(base, home):
    with h5py.File(base, "a") as f:
        del f["mean"]
    message = _refusal(checkpoints.CheckpointError, out="net.h5", copy_from=base, n=1, data="data")
    assert message.startswith("checkpoint base.h5 holds no /mean image"), message
    assert str(home / base) not in message


def test_a_base_whose_dataset_moved_is_named_as_given(base, home):
    (home / "data").rename(home / "moved")
    message = _refusal(training.ConfigError, out="net.h5", copy_from=base, n=1)
    assert message.startswith(f"`copy_from` base.h5 was trained on {home / 'data'}, not a prepared dataset now"), \
        message


def test_a_base_of_a_dataset_prepared_again_is_named_as_given(base, home):
    synthetic.build_synthetic(home / "data", classes=4, train_per_class=8, val_per_class=4, size=14, seed=2,
                              overwrite=True)  # the same classes, other images
    message = _refusal(config.DataMismatch, out="net.h5", copy_from=base, n=1, data="data")
    assert message.startswith("`copy_from` base.h5 was trained on data before that folder was prepared again"), message
    assert str(home) not in message


@pytest.mark.parametrize("fields, message", [
    ({"out": "data/net.h5"}, "`out` data/net.h5 lies inside the dataset data;"),
    ({"out": "base.h5"}, "`out` base.h5 is the `copy_from` checkpoint base.h5:"),
    ({"out": "base.h5", "copy_from": "base.run/checkpoint.h5"},
     "`copy_from` base.run/checkpoint.h5 is a file of base.run, the run directory of `out` base.h5:"),
], ids=["out-in-data", "out-is-copy-from", "copy-from-in-run-folder"])
def test_a_destination_refused_names_the_paths_as_given(base, home, fields, message):
    refused = _refusal(training.ConfigError, **{"copy_from": base, "n": 1, "data": "data", **fields})
    assert refused.startswith(message), refused
    assert str(home) not in refused


def test_the_opening_line_names_the_base_and_dataset_as_given(base, home, capsys):
    training.train(training.TrainConfig(out="net.h5", copy_from=base, n=1, data="data", **{**FAST, "quiet": False,
                                                                                            "progress": False}))
    opening = next(line for line in capsys.readouterr().err.splitlines() if " copied from " in line)
    assert "first layer copied from base.h5, a base on half A" in opening, opening
    assert " half B of data (2 classes)" in opening, opening


def test_a_base_of_another_architecture_is_named_as_given(base, home):
    """--copy-from a micro base with `preset='mini'` (a 32 px crop: the micro dataset's 14 px images
    cannot take it) fails on the base's first layer, named as given, before the images."""
    message = _refusal(training.ConfigError, out="net.h5", copy_from=base, n=2, data="data", preset="mini")
    assert message.startswith("checkpoint base.h5: layer conv1 has W "), message
    assert "it holds a 'micro' network, this run builds 'mini'" in message and str(home) not in message


def test_a_dataset_too_small_for_the_base_is_named_as_given(micro_data, home):
    """A mini base (36 px images) copied onto the 14 px micro images names both as given."""
    synthetic.build_synthetic(home / "big", classes=4, train_per_class=8, val_per_class=4, size=36, seed=1)
    training.train(training.TrainConfig(out="mini.h5", data="big", **FAST))
    shutil.copytree(micro_data, home / "data")
    message = _refusal(config.DataMismatch, out="net.h5", copy_from="mini.h5", n=2, data="data")
    assert message.startswith("preset mini (the preset of mini.h5, whose layers are copied) takes 32x32 crops but "
                              "the images of data are 14x14"), message
