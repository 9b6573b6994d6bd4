"""On few validation images chance and its band (3 binomial standard errors) pass 100%: a grid of 4 classes of 4
validation images each, its natural halves 8 images of 2 classes, read "natural/baseA (50.0%, chance 50.0%, counted
as chance up to 53.0 points above it on 8 validation images)", a threshold of 103%. Where no accuracy can clear the
band it is said so, and the base is one that cannot be told from chance wherever the report names it."""

import json
import math
import re

import pytest

from minitransfer import experiment as grid
from minitransfer import report, run_caveats
from minitransfer.experiment import Run
from minitransfer.report_table1_notes import table1_at_chance
from minitransfer.results import Result
from minitransfer.run_facts import at_chance_kinds, judged_against
from test_report import write_run

# "chance 50.0%, counted as chance up to 53.0 points": chance (the largest class's share, where said) and the band
THRESHOLD = re.compile(r"chance (?:\(the largest class's share\) )?(\d+\.\d+)%, counted as chance up to (\d+\.\d+) "
                       r"points above it")


def _threshold(chance, images):
    """The oracle: chance plus 3 binomial standard errors, as a fraction."""
    return chance + 3 * math.sqrt(chance * (1 - chance) / images)


def _thresholds_said(text):
    return [float(chance) + float(points) for chance, points in THRESHOLD.findall(text)]


def test_a_band_reaching_100_percent_is_said_as_no_accuracy_told():
    assert _threshold(0.5, 8) > 1  # the oracle: 50% + 53.0 points
    said = judged_against(0.5, 8)
    assert "counted as chance up to" not in said, said
    assert said == ("chance 50.0%, from which no accuracy on 8 validation images can be told: 3 standard errors above "
                    "it reach 100%"), said
    # unbalanced: 100 of 101 images in one class, 99.0%, band 3.0 points
    assert _threshold(100 / 101, 101) > 1
    assert judged_against(100 / 101, 101, unbalanced=True).startswith(
        "chance (the largest class's share) 99.0%, from which no accuracy on 101 validation images can be told")
    assert judged_against(0.25, 40) == "chance 25.0%, counted as chance up to 20.5 points above it on 40 validation " \
        "images"  # below 100%: as before


@pytest.mark.parametrize("classes", [2, 3, 4, 5, 10])
def test_no_threshold_said_passes_100_percent(classes):
    """Every count of images from 1 to 300 of ``classes`` balanced classes, and shares of the largest class up to
    all but one image: a threshold said is at most 100%, and is said exactly where the oracle's is below it."""
    for images in range(1, 301):
        for chance in {1 / classes, (images - 1) / images} - {0.0}:
            said = judged_against(chance, images, unbalanced=chance != 1 / classes)
            reached = _threshold(chance, images) >= 1
            assert bool(THRESHOLD.search(said)) is not reached, (chance, images, said)
            assert all(threshold <= 100.0 for threshold in _thresholds_said(said)), (chance, images, said)


def _base(name, accuracy, images, classes, largest=None):
    scored = (images, classes) if largest is None else (images, classes, largest)
    return Result(Run(name, "base", "all", 0), accuracy, accuracy, accuracy, 20, dataset="/nowhere",
                  scored_on=scored)


def test_a_base_whose_band_reaches_100_percent_cannot_be_told():
    """100 of 101 validation images in one class: a base at 100% is within 3.0 points of chance (99.0%), so no
    accuracy can tell it from one that learned nothing; it was said to have "learned nothing ... train longer"
    (its band, 3.0 points, is narrower than the 10 points that say so otherwise)."""
    base = _base("all/base", 1.0, 101, 2, 100)
    nothing, untold, counts = at_chance_kinds([(base, 100 / 101, 101, True)])
    assert nothing == [] and counts == [101], (nothing, untold)
    [said] = run_caveats.at_chance([base])
    assert said.startswith("bases that cannot be told from chance on 101 validation images (1): all/base (100.0%, "
                           "chance (the largest class's share) 99.0%, from which no accuracy"), said
    assert "train longer" not in said, said


def test_the_report_says_no_threshold_above_100_percent(tmp_path):
    """The grid of the repro (natural split, halves of 2 classes of 4 validation images each, bases at 50%), as
    report reads it: its runs to read with care, its findings and the line under Table 1 say no threshold above
    100%, and each says the base cannot be told from chance on its 8 images."""
    runs_dir = tmp_path / "grid"
    for run in grid.plan_grid(layers=(1, 2)):
        write_run(runs_dir, run, 0.5 if run.kind == "base" else 0.6)
        path = grid.run_dir(runs_dir, run) / "result.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), "validation": {"images": 8, "classes": 2}}))
    measured = report.measure(runs_dir)
    texts = {"warnings": " ".join(measured.warnings), "findings": " ".join(f.text for f in measured.findings),
             "table 1": table1_at_chance(measured.results)}
    no_threshold = "chance 50.0%, from which no accuracy on 8 validation images can be told"
    for where, text in texts.items():
        assert no_threshold in text, (where, text)
        assert "53.0 points" not in text and not _thresholds_said(text), (where, text)
    assert "bases that cannot be told from chance on 8 validation images (2)" in texts["warnings"], texts["warnings"]
