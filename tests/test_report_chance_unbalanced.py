"""Chance is what always answering the largest class scores: its share of the validation images a run was
scored on. The report judged every base against 1/classes, so on a half of 100 images of one class and 1 of
another a base answering that class alone (99.0%) counted as learned, against "chance 50%", and its
networks were judged. Balanced halves keep 1/classes, said as before (tests/test_report_chance_recorded.py)."""

import json

import numpy as np
import pytest

from minitransfer import experiment as grid
from minitransfer import report, run_caveats
from minitransfer.data import splits
from minitransfer.experiment import Run
from minitransfer.results import Result
from test_report import write_run
from unbalanced_data import SHARE, at_share, build_unbalanced

# No pairing of these four classes into halves of two is balanced: each half's chance is not 1/2
VAL_COUNTS = (60, 2, 40, 3)


@pytest.mark.parametrize("recorded", [True, False], ids=["recorded", "older-result"])
def test_a_base_answering_its_largest_class_alone_is_at_chance(tmp_path, recorded):
    data = build_unbalanced(tmp_path / "S", (5, 1, 2, 3), VAL_COUNTS)
    val = np.asarray(VAL_COUNTS)
    halves = dict(zip("AB", splits.class_halves(data, "random", 0)))
    shares = {half: val[list(classes)].max() / val[list(classes)].sum() for half, classes in halves.items()}
    runs_dir = tmp_path / "grid"
    for run in grid.plan_grid(layers=(1,)):
        write_run(runs_dir, run, shares[run.target] if run.kind == "base" else 0.5, config={"data": str(data.path)})
        if recorded:  # the count train writes: the half's images and classes
            path = grid.run_dir(runs_dir, run) / "result.json"
            scored = {"images": int(val[list(halves[run.target])].sum()), "classes": len(halves[run.target])}
            path.write_text(json.dumps({**json.loads(path.read_text()), "validation": scored}))
    measured = report.measure(runs_dir)
    careful = " ".join(measured.warnings)
    for half, share in shares.items():
        assert at_share(f"random0/base{half}", share, share) in careful, careful
    assert "give the classes more even numbers of images" in careful, careful
    transfers = [finding for finding in measured.findings if "AnB" in finding.measured]
    assert transfers and not any(finding.holds for finding in transfers), measured.findings
    assert all("or give the classes more even numbers of images" in finding.text for finding in transfers
               if finding.networks), transfers


def _base(name, accuracy, dataset, val_counts):
    return Result(Run(name, "base", "all", 0), accuracy, accuracy, accuracy, 20, dataset=str(dataset.path),
                  fingerprint=dataset.fingerprint, scored_on=(sum(val_counts), len(val_counts)))


def test_a_base_on_every_class_is_judged_against_the_largest_share(tmp_path):
    """90 validation images of one class in 100 (band 9.0 points): a base at 90% learned nothing, said so
    (against 1/4 it was far above chance, in no caveat)."""
    val_counts = (90, 3, 3, 4)
    data = build_unbalanced(tmp_path / "S", (2, 1, 1, 1), val_counts)
    share = max(val_counts) / sum(val_counts)
    [said] = run_caveats.at_chance([_base("all/base", share, data, val_counts)])
    assert said.startswith(f"bases no better than chance (1): {at_share('all/base', share, share)}, "
                           f"counted as chance up to 9.0 points above it on 100 validation images); "), said


def test_a_balanced_set_keeps_one_in_classes_said_as_before(tmp_path):
    val_counts = (5, 5, 5, 5)
    data = build_unbalanced(tmp_path / "S", (2, 1, 1, 1), val_counts)
    [said] = run_caveats.at_chance([_base("all/base", 0.3, data, val_counts)])
    assert ("all/base (30.0%, chance 25.0%, counted as chance up to 29.0 points above it on 20 validation images)"
            in said), said
    assert SHARE not in said and "more even" not in said, said


@pytest.mark.parametrize("val_counts", [(50, 50, 51), (50, 51, 50, 50), (200, 200, 200, 201)],
                         ids=["151-of-3", "201-of-4", "801-of-4"])
def test_a_class_of_one_image_more_is_not_told_as_unbalanced(val_counts):
    """50, 50 and 51 validation images: chance 33.8% was said as the largest class's share and the classes
    were to be given "more even numbers of images", which cannot help. Chance stays that share; the
    imbalance is told only beyond what guessing among even classes varies (3 standard errors)."""
    images, classes = sum(val_counts), len(val_counts)
    share = max(val_counts) / images
    base = Result(Run("all/base", "base", "all", 0), share, share, share, 20, dataset="/nowhere",
                  scored_on=(images, classes, max(val_counts)))
    [said] = run_caveats.at_chance([base])
    assert f"all/base ({share:.1%}, chance {share:.1%}, counted as chance up to " in said, said
    assert SHARE not in said and "more even" not in said, said


@pytest.mark.parametrize("val_counts", [(30, 10, 10), (100, 1), (70, 10, 10, 10)], ids=["3-to-1", "100-to-1", "7-to-1"])
def test_a_class_well_above_its_share_of_even_classes_is_still_told(val_counts):
    images, classes = sum(val_counts), len(val_counts)
    share = max(val_counts) / images
    assert share - 1 / classes > 3 * (1 / classes * (1 - 1 / classes) / images) ** 0.5  # beyond guessing: the oracle
    base = Result(Run("all/base", "base", "all", 0), share, share, share, 20, dataset="/nowhere",
                  scored_on=(images, classes, max(val_counts)))
    [said] = run_caveats.at_chance([base])
    assert at_share("all/base", share, share) in said and "more even numbers of images" in said, said
