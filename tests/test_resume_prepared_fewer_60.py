"""A run resumed on its dataset folder prepared again with fewer classes: its classes are chosen (config.resolve)
before its record is compared with the folder (resume.resume_point), so a half left with one class was refused
as too few classes, "prepare synthetic again with --classes 4 or more, or use `split='all'`" (exit 2), advice
that cannot continue the run, where every other resumption on a folder prepared again names the dataset
prepared again (exit 65; :func:`minitransfer.recorded_config.resumed_on_prepared_again`). `train --resume
auto` with every setting given read no record before resolve, so it must be read there. A fresh run on too
few classes keeps its advice."""

import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic

# every setting given, the run's own (KEPT_SETTINGS) too: train reads no record before resolve
FAST = {"batch_size": 8, "eval_batch_size": 8, "eval_every": 2, "checkpoint_every": 2, "log_every": 2,
        "device": "cpu", "quiet": True, "max_iter": 4}
PREPARED_AGAIN = "before that folder was prepared again (sha256 of its meta.json "


def _prepare(folder, classes):
    synthetic.build_synthetic(folder, classes=classes, train_per_class=8, val_per_class=4, size=14, seed=2,
                              overwrite=True)


@pytest.fixture
def interrupted(tmp_path, monkeypatch, request):
    """The working folder, holding ``data`` (4 classes of 14 px) and the run net.h5 on ``split`` (the
    parameter), interrupted after 2 of its 4 iterations."""
    monkeypatch.chdir(tmp_path)
    _prepare(tmp_path / "data", 4)
    interrupted_after(config.TrainConfig(out="net.h5", data="data", split=request.param, **FAST), 2)
    return request.param


def _resumption(resume, split):
    if resume == "net.run":
        return {"resume": "net.run"}
    named = {"auto": "auto", "checkpoint": "net.run/checkpoint.h5"}[resume]
    return {"resume": named, "out": "net.h5", "data": "data", "split": split, **FAST}


@pytest.mark.parametrize("classes", [2, 6], ids=["fewer", "more"])
@pytest.mark.parametrize("resume", ["net.run", "auto", "checkpoint"])
@pytest.mark.parametrize("interrupted", ["random", "natural"], indirect=True)
def test_a_run_resumed_on_its_dataset_prepared_again_names_the_dataset_whatever_its_classes(
        tmp_path, interrupted, resume, classes):
    _prepare(tmp_path / "data", classes)
    with pytest.raises(config.DataMismatch) as refused:
        training.train(config.TrainConfig(**{"quiet": True, **_resumption(resume, interrupted)}))
    message = str(refused.value)
    assert message.startswith("cannot resume net.run/checkpoint.h5: it was trained on "), message
    assert PREPARED_AGAIN in message, message
    assert "prepare synthetic again" not in message and "give the dataset more classes" not in message, message


def test_a_run_of_the_default_out_resumed_auto_on_fewer_classes_names_the_dataset(tmp_path, monkeypatch):
    """`resume` 'auto' without `out`: the run's weights file is the default's (natural-baseA.h5), named once
    its split is resolved."""
    monkeypatch.chdir(tmp_path)
    _prepare(tmp_path / "data", 4)
    options = {key: value for key, value in FAST.items() if key != "quiet"}
    interrupted_after(config.TrainConfig(data="data", split="natural", quiet=True, **options), 2)
    _prepare(tmp_path / "data", 2)
    with pytest.raises(config.DataMismatch) as refused:
        training.train(config.TrainConfig(resume="auto", data="data", split="natural", quiet=True, **options))
    assert str(refused.value).startswith("cannot resume natural-baseA.run/checkpoint.h5: "), str(refused.value)
    assert PREPARED_AGAIN in str(refused.value), str(refused.value)


@pytest.mark.parametrize("interrupted", ["natural"], indirect=True)
def test_the_command_line_says_bad_data_of_the_folder_prepared_again_with_fewer_classes(tmp_path, interrupted):
    _prepare(tmp_path / "data", 2)
    for command in (["--resume", "net.run"],
                    ["--resume", "auto", "-o", "net.h5", "--data", "data", "--split", "natural", "--batch-size", "8",
                     "--eval-batch-size", "8", "--eval-every", "2", "--checkpoint-every", "2", "--log-every", "2",
                     "--max-iter", "4"]):
        resumed = CliRunner().invoke(main, ["train", *command, "--device", "cpu", "--quiet"])
        assert resumed.exit_code == 65, resumed.output
        assert resumed.output.startswith("error: bad data: cannot resume net.run/checkpoint.h5"), resumed.output
        assert PREPARED_AGAIN in resumed.output and "Traceback" not in resumed.output, resumed.output


@pytest.mark.parametrize("split", ["random", "natural"])
@pytest.mark.parametrize("resume", [None, "auto"], ids=["fresh", "auto-with-nothing-to-resume"])
def test_a_fresh_run_on_too_few_classes_keeps_its_advice(tmp_path, monkeypatch, split, resume):
    monkeypatch.chdir(tmp_path)
    _prepare(tmp_path / "data", 2)
    with pytest.raises(config.TooFewClasses) as refused:
        training.train(config.TrainConfig(out="net.h5", data="data", split=split, resume=resume, **FAST))
    assert f"half A of the {split} split of data holds 1 class" in str(refused.value), str(refused.value)
    assert "use `split='all'`" in str(refused.value), str(refused.value)


@pytest.mark.parametrize("interrupted", ["random"], indirect=True)
def test_a_run_resumed_on_another_folder_of_too_few_classes_keeps_the_advice(tmp_path, interrupted):
    """Not its own folder prepared again: another dataset given, whose class choice is refused as it is."""
    _prepare(tmp_path / "other", 2)
    with pytest.raises(config.TooFewClasses):
        training.train(config.TrainConfig(**{**_resumption("auto", interrupted), "data": "other"}))
