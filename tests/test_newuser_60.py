"""A researcher's first afternoon with their own data: what a new user met preparing two small image
folders, training a base on half of one and transferring it onto the other, and reading the report."""

import shutil

import pytest
from interrupting import interrupted_after

from minitransfer import config, run_caveats
from minitransfer import train as training
from minitransfer.data import synthetic
from minitransfer.experiment import Run
from minitransfer.results import Result

FAST = {"batch_size": 8, "max_iter": 2, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True}


def _runs_scored_on(images, accuracy=0.5):
    """One set of ``images`` validation images (the target dataset of a study across datasets) and the
    base and transfer scored on it, as :func:`minitransfer.run_facts.validation_sets` gives them."""
    runs = [Result(Run(name, kind, "cross", None, target="T", n=n), accuracy, accuracy, accuracy, 3)
            for name, kind, n in (("baseT", "base", 0), ("S1T", "transfer", 1))]
    return [("the target dataset", images, runs)]


@pytest.mark.parametrize("images, weight, words", [
    (11, "9.1", "alone more than the 2 the findings call about as good"),
    (40, "2.5", "alone more than the 2 the findings call about as good"),
    (50, "2.0", "alone the 2 the findings call about as good"),
    (100, "1.0", "two already the 2 the findings call about as good"),
], ids=["11-images", "40-images", "50-images", "100-images"])
def test_the_small_validation_caveat_weighs_one_image_against_the_2_points_as_it_is(images, weight, words):
    """11 validation images (a folder of 11 classes, one held out each): one image is 9.1 points, 4.5 times
    the 2 points the findings call "about as good"; the report said "two already the 2", as though two
    images were needed to reach them. Two are, only from 51 to 100 images."""
    [caveat] = run_caveats.small_validation(None, sets=_runs_scored_on(images))
    assert f"holds {images} images: one image is {weight} points, {words}, and an accuracy" in caveat, caveat
    assert "two already" not in caveat or images > 50, caveat


@pytest.fixture
def home(micro_data, tmp_path, monkeypatch):
    """The working folder, holding ``data``, a copy of the micro dataset (4 classes of 14 px images)."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(micro_data, tmp_path / "data")
    return tmp_path


@pytest.mark.parametrize("resume", ["net.run", "auto"])
def test_a_run_resumed_by_its_folder_on_its_dataset_prepared_again_with_more_classes_names_the_dataset(home, resume):
    """A new user's day: a run interrupted, a class folder added to the photos, `prepare folder` run again into
    the same folder, then `train --resume net.run` as the interrupted run's own message offers. The run's fc8
    width (2, half A's) was taken from its record and refused as "`fc8_outputs` 2 is fewer than the 3 classes": usage
    (exit 2), naming an option the user never gave, where `--resume auto` named the dataset prepared again."""
    options = {**FAST, "max_iter": 4}
    interrupted_after(config.TrainConfig(out="net.h5", data="data", **options), 2)
    synthetic.build_synthetic(home / "data", classes=6, train_per_class=8, val_per_class=4, size=14, seed=2,
                              overwrite=True)  # two classes more: every class table's width changes
    given = {"resume": resume} if resume != "auto" else {"resume": "auto", "out": "net.h5", "data": "data", **options}
    with pytest.raises(config.DataMismatch) as refused:
        training.train(config.TrainConfig(**{"quiet": True, **given}))
    message = str(refused.value)
    assert message.startswith("cannot resume net.run/checkpoint.h5: it was trained on "), message
    assert "before that folder was prepared again (sha256 of its meta.json " in message, message


@pytest.mark.parametrize("resume", ["net.run", "auto"])
def test_a_run_resumed_by_its_folder_on_its_dataset_prepared_again_smaller_names_the_dataset(home, resume):
    """The same with the photos prepared again at a smaller --size (36 px, then 14): the run's preset, mini,
    taken from its record, was refused as "preset mini takes 32x32 crops but the images of data are 14x14"."""
    synthetic.build_synthetic(home / "data", classes=4, train_per_class=8, val_per_class=4, size=36, seed=2,
                              overwrite=True)
    options = {**FAST, "max_iter": 4, "preset": "mini"}
    interrupted_after(config.TrainConfig(out="net.h5", data="data", **options), 2)
    synthetic.build_synthetic(home / "data", classes=4, train_per_class=8, val_per_class=4, size=14, seed=2,
                              overwrite=True)
    given = {"resume": resume} if resume != "auto" else {"resume": "auto", "out": "net.h5", "data": "data", **options}
    if resume == "auto":
        del given["preset"]  # as the user gives it: the preset left to fit the images
    with pytest.raises(config.DataMismatch) as refused:
        training.train(config.TrainConfig(**{"quiet": True, **given}))
    message = str(refused.value)
    assert message.startswith("cannot resume net.run/checkpoint.h5: it was trained on "), message
    assert "before that folder was prepared again (sha256 of its meta.json " in message, message
