"""The library's refusals in the command line's words, whatever a script passed: a `copy_from` given as a
``pathlib.Path`` said "`copy_from` PosixPath('nothere.h5') does not exist" (its repr) where a str said
"'nothere.h5'"; ``evaluate_checkpoint(data="mcro")`` said "mcro/meta.json: missing (not a prepared
dataset...)" where train said "`data` mcro: no such folder; give the folder `minitransfer prepare` wrote";
``build_synthetic(classes=1)`` raised a plain ValueError, which ``except MinitransferError`` let through."""

import pathlib

import pytest

from minitransfer import train as training
from minitransfer.config_checks import ConfigError
from minitransfer.data import synthetic
from minitransfer.data.dataset import DatasetError
from minitransfer.errors import MinitransferError
from minitransfer.evaluate import evaluate_checkpoint

FAST = {"batch_size": 8, "max_iter": 1, "eval_every": 1, "checkpoint_every": 1, "device": "cpu", "quiet": True,
        "preset": "micro"}


def _refusal(config):
    with pytest.raises(MinitransferError) as caught:
        training.train(config)
    return caught.value


@pytest.mark.parametrize("resume", [None, "auto"], ids=["fresh", "resume-auto"])
def test_a_missing_copy_from_given_as_a_path_is_named_as_its_str_is(micro_data, tmp_path, monkeypatch, resume):
    monkeypatch.chdir(tmp_path)
    given = {"n": 2, "data": micro_data, "resume": resume, "out": "x.h5", **FAST}
    as_str = _refusal(training.TrainConfig(copy_from="nothere.h5", **given))
    as_path = _refusal(training.TrainConfig(copy_from=pathlib.Path("nothere.h5"), **given))
    assert "`copy_from` 'nothere.h5' does not exist" in str(as_str)
    assert str(as_path) == str(as_str)
    assert type(as_path) is type(as_str)


def test_evaluate_checkpoint_names_a_missing_data_folder_in_trains_words(micro_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    training.train(training.TrainConfig(out="A.h5", data=micro_data, **FAST))
    trains = _refusal(training.TrainConfig(out="B.h5", data="mcro", **FAST))
    assert isinstance(trains, DatasetError) and str(trains).startswith("`data` mcro: no such folder; ")
    for data in ("mcro", pathlib.Path("mcro")):
        with pytest.raises(DatasetError) as caught:
            evaluate_checkpoint("A.h5", data=data)
        assert str(caught.value) == str(trains)


@pytest.mark.parametrize("arguments", [{"classes": 1}, {"classes": 3}, {"classes": 99}, {"size": 14.5},
                                       {"seed": -1}, {"train_per_class": 0}])
def test_build_synthetics_argument_checks_are_minitransfer_errors(tmp_path, arguments):
    with pytest.raises(MinitransferError) as caught:
        synthetic.build_synthetic(tmp_path / "s", **arguments)
    assert isinstance(caught.value, ConfigError) and isinstance(caught.value, ValueError)  # caught as before too
    assert str(caught.value).startswith(f"synthetic: {next(iter(arguments))} must be ")
    assert not (tmp_path / "s").exists()


def test_generates_subset_check_is_a_minitransfer_error():
    with pytest.raises(ConfigError, match="subset must be train or val, got 'test'"):
        synthetic.generate(classes=2, per_class=1, subset="test")
