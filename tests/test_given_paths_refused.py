"""More of train's refusals name a relative `copy_from` and `data` as the user gave them, as those
of tests/test_given_paths_named.py do: a base whose class table this dataset lacks, a run resumed
on its dataset's folder prepared again or with another base or dataset, and a base gone with the
checkpoint that recorded it named the absolute paths resolve records."""

import json
import shutil

import h5py
import pytest
from interrupting import interrupted_after

from minitransfer import config, resume
from minitransfer import train as training
from minitransfer.data import synthetic

FAST = {"batch_size": 8, "max_iter": 2, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True}


@pytest.fixture
def home(micro_data, tmp_path, monkeypatch):
    """The working folder, holding ``data``, a copy of the micro dataset (4 classes of 14 px images)."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(micro_data, tmp_path / "data")
    return tmp_path


def test_a_base_with_classes_the_dataset_lacks_is_named_as_given(home):
    """A base whose class table was changed by hand (one wnid), its dataset's table hash kept."""
    training.train(config.TrainConfig(out="base.h5", data="data", **FAST))
    with h5py.File("base.h5", "a") as f:
        classes = json.loads(f.attrs["classes"])
        classes[0]["wnid"] = "n99999999"
        f.attrs["classes"] = json.dumps(classes)
    with pytest.raises(config.DataMismatch) as refused:
        training.train(config.TrainConfig(out="net.h5", copy_from="base.h5", n=1, data="data", **FAST))
    message = str(refused.value)
    assert message.startswith("base checkpoint base.h5 was trained on classes this dataset (data) does not have: "
                              "class 0 is 'n99999999' "), message
    assert str(home) not in message


def test_a_run_resumed_on_its_folder_prepared_again_names_it_as_given(home):
    interrupted_after(config.TrainConfig(out="net.h5", data="data", **{**FAST, "max_iter": 4}), 2)
    synthetic.build_synthetic(home / "data", classes=4, train_per_class=8, val_per_class=4, size=14, seed=2,
                              overwrite=True)  # the same classes, other images
    with pytest.raises(config.DataMismatch) as refused:
        training.train(config.TrainConfig(out="net.h5", data="data", resume="auto", **{**FAST, "max_iter": 4}))
    message = str(refused.value)
    assert message.startswith("cannot resume net.run/checkpoint.h5: it was trained on data before that folder was "
                              "prepared again (sha256 of its meta.json "), message
    assert str(home) not in message


@pytest.mark.parametrize("fields, change", [
    ({"data": "six"}, "`data` '{home}/data' -> 'six' (another dataset: sha256 of its meta.json "),
    ({"copy_from": "other.h5"}, "`copy_from` '{home}/base.h5' -> 'other.h5' (another network: sha256 "),
], ids=["data", "copy-from"])
def test_a_run_resumed_with_another_base_or_dataset_names_the_one_given_so(home, fields, change):
    """The recorded path is absolute (the run's record); the one given now is named as given."""
    synthetic.build_synthetic(home / "six", classes=6, train_per_class=8, val_per_class=4, size=14, seed=2)
    training.train(config.TrainConfig(out="base.h5", data="data", **FAST))
    training.train(config.TrainConfig(out="other.h5", data="data", **{**FAST, "seed": 1}))
    transfer = {"out": "net.h5", "data": "data", "copy_from": "base.h5", "n": 1, **FAST, "max_iter": 4}
    interrupted_after(config.TrainConfig(**transfer), 2)
    with pytest.raises(config.ConfigError) as refused:
        training.train(config.TrainConfig(**{**transfer, **fields, "resume": "auto"}))
    message = str(refused.value)
    assert message.startswith("cannot resume net.run/checkpoint.h5 with a different configuration: "
                              + change.format(home=home)), message


def test_a_base_gone_with_the_checkpoint_that_recorded_it_is_named_as_given(home):
    """The base is not there and the run's checkpoint, which the base's record was read from, went
    before the run took its lock (:func:`minitransfer.resume.resume_point`)."""
    training.train(config.TrainConfig(out="base.h5", data="data", **FAST))
    transfer = {"out": "net.h5", "data": "data", "copy_from": "base.h5", "n": 1, **FAST, "max_iter": 4}
    interrupted_after(config.TrainConfig(**transfer), 2)
    (home / "base.h5").unlink()
    plan = config.resolve(config.TrainConfig(**transfer, resume="auto"), read_base=resume.read_base)
    (home / "net.run" / "checkpoint.h5").unlink()
    with pytest.raises(config.ConfigError) as refused:
        resume.resume_point(plan)
    message = str(refused.value)
    assert message.startswith("`copy_from` 'base.h5' does not exist and there is no checkpoint "), message
