"""A notebook's relative `copy_from` and `data` are named in messages as it gave them: train
resolves them (the run records them absolute, and reads them wherever the working folder is
later), and its refusals named the absolute paths, "`copy_from` '/home/me/x/nope.h5' does not
exist" for ``copy_from="nope.h5"``."""

import os

import pytest

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.data import dataset as datasets

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
