"""The warnings train prints before a run (:func:`minitransfer.preflight.warnings_for`) name a
relative `copy_from` and `data` as the user gave them, as train's refusals do
(tests/test_given_paths_named.py): they named the paths resolve made absolute, "the layers copied
from /home/me/x/base.h5 were trained in precision tf32" for ``copy_from="base.h5"``."""

import shutil

from test_given_paths_refused import FAST, home  # noqa: F401

from minitransfer import config, preflight
from minitransfer import train as training
from minitransfer.data import synthetic



def _warnings(**fields):
    return preflight.warnings_for(config.resolve(config.TrainConfig(**{**FAST, **fields})))


def _warning(found, words):
    """The one warning of ``found`` that holds ``words``."""
    [warning] = [warning for warning in found if words in warning] or [f"no warning holds {words!r}: {found}"]
    return warning


def test_a_reduced_data_run_that_keeps_every_image_names_the_dataset_as_given(home):
    warning = _warning(_warnings(out="net.h5", data="data", per_class=8), "keeps every training image")
    assert warning.startswith("`per_class=8` keeps every training image of data (16 images of 2 classes)"), warning
    assert str(home) not in warning


def test_a_base_of_other_images_of_its_classes_is_named_as_given(home):
    """A base trained on ``data`` copied onto ``other``: its classes, prepared from other images."""
    synthetic.build_synthetic(home / "other", classes=4, train_per_class=8, val_per_class=4, size=14, seed=2)
    training.train(config.TrainConfig(out="base.h5", data="data", **FAST))
    warning = _warning(_warnings(out="net.h5", copy_from="base.h5", n=1, data="other"), "other images")
    assert warning.startswith(f"`copy_from=base.h5` was trained on {home / 'data'} (sha256 of its meta.json "), warning
    assert "the classes of other (" in warning and "report counts this run as one on other (" in warning, warning
    assert "train the base on other for a transfer within one dataset" in warning, warning


def test_a_base_of_another_precision_and_classes_the_run_shares_is_named_as_given(home):
    """A base of half A in precision tf32, copied to every class (half A's among them) in ieee."""
    training.train(config.TrainConfig(out="base.h5", data="data", precision="tf32", **FAST))
    found = _warnings(out="net.h5", copy_from="base.h5", n=1, data="data", split="all")
    precision = _warning(found, "precision")
    assert precision.startswith("the layers copied from base.h5 were trained in precision tf32; this run computes in "
                                "ieee:"), precision
    shared = _warning(found, "classes this run trains on")
    assert shared.startswith("2 of the 4 classes this run trains on (every class) are among the 2 that base.h5 was "
                             "trained on (half A of the random split, seed 0)"), shared
    assert str(home) not in precision + shared


def test_a_random_weights_control_copied_is_named_as_given(home):
    training.train(config.TrainConfig(out="random.h5", data="data", random_frozen=2, **FAST))
    warning = _warning(_warnings(out="net.h5", copy_from="random.h5", n=2, data="data"), "none of the paper's")
    assert warning.startswith("report will leave this run out: its layers come from random.h5, a random-weights "
                              "control"), warning
    assert str(home) not in warning


def test_a_base_of_smaller_images_is_named_as_given(home, synthetic_8):
    """A micro base (14 px images) copied onto 36 px images of another dataset (synthetic_8's, whose
    classes include the base's by wnid): its mean image resized, its crops a small part of them."""
    shutil.copytree(synthetic_8, home / "large")
    training.train(config.TrainConfig(out="base.h5", data="data", **FAST))
    found = _warnings(out="net.h5", copy_from="base.h5", n=1, data="large")
    crop = _warning(found, "crops of the")
    assert crop.startswith("preset micro (the preset of base.h5, whose layers are copied) takes 12x12 crops of the "
                           "36x36 images of large: "), crop
    assert crop.endswith("prepare large at 14 px (prepare's --size) to keep the paper's proportion"), crop
    mean = _warning(found, "the mean image of")
    assert mean == (f"the mean image of base.h5 is 14x14; it is resized to the 36x36 images of large, whose 12x12 "
                    f"crops span {12 / 36:.0%} of a side where those of the 14x14 images the copied layers were "
                    f"trained on spanned {12 / 14:.0%}; prepare large at 14 px (prepare's --size) to give them images "
                    f"of the size they were trained on: `minitransfer prepare synthetic large-14px --classes 8 "
                    f"--train-per-class 40 --val-per-class 10 --seed 1 --size 14`"), mean
    seen = _warning(found, "(by wnid)")
    assert " that base.h5 was trained on (" in seen, seen
    assert str(home) not in crop + mean


def test_a_base_whose_crops_see_little_of_its_own_images_is_named_as_given(home, synthetic_8):
    """A micro base of 36 px images, copied within them: what fixes it names both as given."""
    shutil.copytree(synthetic_8, home / "large")
    training.train(config.TrainConfig(out="base.h5", data="large", preset="micro", **FAST))
    warning = _warning(_warnings(out="net.h5", copy_from="base.h5", n=1, data="large"), "crops of the")
    assert warning.endswith("prepare large at 14 px (prepare's --size) and train base.h5 again on it, to keep the "
                            "paper's proportion"), warning
    assert str(home) not in warning
