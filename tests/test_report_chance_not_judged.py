"""Bases not judged against chance: their result.json, written before train recorded the validation images
they were scored on, does not say them, and their dataset no longer tells. The runs' caveat named them, but
findings.md and Table 1 still judged the claims measured against them as if they had learned something; the
caveat told a grid's base to be trained again alone (--overwrite), which gives a base its transfers did not
copy from; and it repeated "its dataset /long/path why" for every base."""

import dataclasses
import shutil

import pytest

from minitransfer import findings, run_caveats
from minitransfer.data import synthetic
from minitransfer.data.dataset import open_dataset
from test_findings import random_grid
from test_report_table1_chance import table1_of

NOT_JUDGED = "bases not judged against chance"
PREPARED_AGAIN = "0" * 64  # a fingerprint no dataset has: the one train recorded, its dataset prepared again since


@pytest.fixture(scope="module")
def val_200(tmp_path_factory):
    """8 classes of 50 validation images: a random half holds 200, chance 25% (a band of 9.2 points)."""
    path = tmp_path_factory.mktemp("data") / "synthetic-8-val50"
    synthetic.build_synthetic(path, classes=8, train_per_class=1, val_per_class=50, size=14, seed=1)
    return open_dataset(str(path))


def _learned(dataset, fingerprint=PREPARED_AGAIN, planned=False, seeds=(0, 1, 2)):
    """random_grid's networks (bases at 60%, far above chance on ``dataset``), trained on ``dataset`` with
    train's record of it ``fingerprint``, none recording its validation images."""
    return [dataclasses.replace(r, dataset=str(dataset.path), fingerprint=fingerprint, planned=planned)
            for r in random_grid(transfer=(0.50, 0.51, 0.49), selffer=(0.60, 0.61, 0.59))
            if r.run.split_seed in seeds]


@pytest.mark.parametrize("planned", [True, False], ids=["grid", "by-hand"])
def test_a_grid_base_not_judged_is_told_to_train_the_grid_again_not_itself(val_200, planned):
    [caveat] = run_caveats.at_chance(_learned(val_200, planned=planned))
    assert caveat.startswith(f"{NOT_JUDGED} (3): "), caveat
    if planned:
        assert caveat.endswith(": put the datasets back as the bases trained on them, or train the grid again into "
                               "a new folder (-o), as a grid's base trained again alone is not the one its transfers "
                               "copied from"), caveat
        assert "--overwrite" not in caveat
    else:
        assert caveat.endswith(": put the datasets back as the bases trained on them, or train them again "
                               "(--overwrite)"), caveat


def test_bases_not_judged_are_said_once_for_each_dataset_and_why(val_200, tmp_path):
    moved = tmp_path / "moved"
    results = _learned(val_200, seeds=(0, 1)) + [dataclasses.replace(r, dataset=str(moved))
                                                  for r in _learned(val_200, seeds=(2,))]
    [caveat] = run_caveats.at_chance(results)
    assert caveat.startswith(f"{NOT_JUDGED} (3): random0/baseB (60.0%), random1/baseB (60.0%): their dataset "
                             f"{val_200.path} was prepared again since train recorded it; random2/baseB (60.0%): its "
                             f"dataset {moved} cannot be read here (moved, deleted, or another machine's); their "
                             f"result.json"), caveat
    assert caveat.count(str(val_200.path)) == 1


def test_claims_measured_against_bases_not_judged_are_not_judged(val_200):
    judged = {f.claim: f for f in findings.findings(_learned(val_200, fingerprint=val_200.fingerprint))}
    assert all(judged[claim].holds for claim in ("general", "specific", "fine-tuning"))
    found = {f.claim: f for f in findings.findings(_learned(val_200))}
    for claim in ("general", "specific", "fine-tuning"):
        assert not found[claim].holds, found[claim].text
        assert found[claim].text == (
            f"{judged[claim].measured}: not judged: these networks copy their layers from, or are measured against, "
            f"bases not judged against chance (random0/baseB (60.0%), random1/baseB (60.0%), random2/baseB (60.0%): "
            f"their dataset {val_200.path} was prepared again since train recorded it; see the runs to read with "
            f"care), whose validation images cannot be known now, so they may have learned nothing: put the datasets "
            f"back as the bases trained on them, or train them again (--overwrite).")


def test_table1_and_findings_of_a_grid_whose_dataset_is_moved_do_not_judge_its_bases(tmp_path):
    """A grid's bases at 60% on 200 validation images learned something; their result.json, written before
    train recorded its validation images, leaves them to the dataset, which is then moved."""
    data = tmp_path / "S"
    synthetic.build_synthetic(data, classes=8, train_per_class=1, val_per_class=50, size=14, seed=1)
    assert "chance" not in table1_of(tmp_path / "before", str(data), 0.60)
    shutil.move(data, tmp_path / "elsewhere")
    text = table1_of(tmp_path / "after", str(data), 0.60)
    assert (f"Careful: these boosts are of networks that copy their layers from, or are measured against, bases not "
            f"judged against chance (random0/baseA (60.0%), random0/baseB (60.0%), random1/baseA (60.0%) and 1 more: "
            f"their dataset {data} cannot be read here (moved, deleted, or another machine's)), whose validation "
            f"images cannot be known now: they may have learned nothing (findings.md does not judge them; its runs "
            f"to read with care list every base)." in text), text
    findings_md = (tmp_path / "after" / "report-0.6" / "findings.md").read_text()
    assert "not judged: these networks copy their layers from, or are measured against, bases not judged against " \
           "chance" in findings_md, findings_md
