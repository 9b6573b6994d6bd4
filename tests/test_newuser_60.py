"""A researcher's first afternoon with their own data: what a new user met preparing two small image
folders, training a base on half of one and transferring it onto the other, and reading the report."""

import pytest

from minitransfer import run_caveats
from minitransfer.experiment import Run
from minitransfer.results import Result


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
