"""A base is judged against chance by the validation images it was scored on, a fact of the run that
train records in result.json: the report read the count from the dataset as it is now, and where
that was prepared again or moved it dropped the base from its caveats without a word. Where a run
written before does not record it and the dataset no longer tells, the report says so, once for the
bases of a dataset. Bases scored on different counts are each said with their own (the fewest was said
for all). A record train would not write is refused, not read as one written before it recorded it."""

import json
import shutil

import numpy as np
import pytest

from minitransfer import experiment as grid
from minitransfer import report, run_caveats
from minitransfer import train as training
from minitransfer.data import splits, synthetic
from minitransfer.data.dataset import open_dataset
from minitransfer.experiment import Run
from minitransfer.results import Result, read_run
from minitransfer.run_file_readers import UnreadableRun
from test_report import write_run

CANNOT_BE_TOLD = "bases that cannot be told from chance on "


def test_train_records_the_validation_images_its_half_was_scored_on(micro_data, tmp_path):
    out = tmp_path / "baseA.h5"
    training.train(training.TrainConfig(out=str(out), data=micro_data, half="A", seed=0, max_iter=2, eval_every=2,
                                        batch_size=4, preset="micro", quiet=True, device="cpu"))
    dataset = open_dataset(micro_data)
    half_a, _ = splits.class_halves(dataset, "random", 0)
    labels = dataset.labels("val")
    images = int(np.isin(labels, half_a).sum())  # the oracle: the half's labels counted
    largest = max(int((labels == label).sum()) for label in half_a)
    recorded = json.loads((tmp_path / "baseA.run" / "result.json").read_text())
    assert recorded["validation"] == {"images": images, "classes": len(half_a), "largest_class": largest}
    assert read_run(tmp_path / "baseA.run").scored_on == (images, len(half_a), largest)


def _grid_near_chance(tmp_path, recorded):
    """A grid's runs at layer 1 trained on a dataset of 8 classes of 10 validation images (a half: 40
    images of 4 classes, chance 25%, band 20.5 points), its bases at 30%: cannot be told from chance.
    ``recorded``: whether their result.json records the validation images (as train writes it now)."""
    data = tmp_path / "S"
    synthetic.build_synthetic(data, classes=8, train_per_class=1, val_per_class=10, size=14, seed=1)
    runs_dir = tmp_path / "grid"
    for run in grid.plan_grid(layers=(1,)):
        write_run(runs_dir, run, 0.30 if run.kind == "base" else 0.50, config={"data": str(data)})
        if recorded:
            path = grid.run_dir(runs_dir, run) / "result.json"
            path.write_text(json.dumps({**json.loads(path.read_text()), "validation": {"images": 40, "classes": 4}}))
    return data, runs_dir


@pytest.mark.parametrize("recorded", [True, False], ids=["recorded", "older-result"])
def test_bases_at_chance_stay_said_once_their_dataset_is_moved(tmp_path, recorded):
    data, runs_dir = _grid_near_chance(tmp_path, recorded)
    measured = report.measure(runs_dir)
    [before] = [w for w in measured.warnings if w.startswith(CANNOT_BE_TOLD)]
    assert not any("more even" in finding.text for finding in measured.findings)  # balanced: 1/classes, said so
    assert before.startswith(f"{CANNOT_BE_TOLD}40 validation images (2): random0/baseA (30.0%, chance 25.0%, "
                             f"counted as chance up to 20.5 points above it on 40 validation images), random0/baseB "
                             f"(30.0%, chance 25.0%, counted as chance up to 20.5 points above it on 40 validation "
                             f"images); "), before
    shutil.move(data, tmp_path / "elsewhere")
    warnings = report.measure(runs_dir).warnings
    if recorded:  # the run's own count: the same caveat, the dataset not needed (but to name its prepare option)
        judged, advice = before.split(": score on more validation images ")
        assert advice == "(prepare synthetic --val-per-class)", before
        assert f"{judged}: score on more validation images (prepare the dataset again with more validation images " \
            f"per class)" in warnings, warnings
    else:
        [unjudged] = [w for w in warnings if w.startswith("bases not judged against chance")]
        assert unjudged.startswith(f"bases not judged against chance (2): random0/baseA (30.0%), random0/baseB "
                                   f"(30.0%): their dataset {data} cannot be read here (moved, deleted, or another "
                                   f"machine's); their result.json"), unjudged


def _base(name, accuracy, dataset, fingerprint=None, scored_on=()):
    return Result(Run(name, "base", "all", 0), accuracy, accuracy, accuracy, 20, dataset=str(dataset.path),
                  fingerprint=dataset.fingerprint if fingerprint is None else fingerprint, scored_on=scored_on)


def test_a_base_on_a_dataset_prepared_again_is_judged_by_its_recorded_count(tmp_path):
    synthetic.build_synthetic(tmp_path / "S", classes=6, train_per_class=1, val_per_class=3, size=14, seed=1)
    dataset = open_dataset(str(tmp_path / "S"))
    [said] = run_caveats.at_chance([_base("all0/base0", 0.2, dataset, fingerprint="0" * 64, scored_on=(18, 6))])
    assert said.startswith(f"{CANNOT_BE_TOLD}18 validation images (1): all0/base0 (20.0%, chance 16.7%, "
                           f"counted as chance up to 26.3 points above it on 18 validation images); "), said
    [said] = run_caveats.at_chance([_base("all0/base0", 0.2, dataset, fingerprint="0" * 64)])
    assert said.startswith(f"bases not judged against chance (1): all0/base0 (20.0%): its dataset {dataset.path} "
                           f"was prepared again since train recorded it; "), said


def test_bases_scored_on_different_counts_are_each_said_with_their_own(tmp_path):
    """S: 6 classes of 3 validation images (18), T: 6 of 8 (48), chance 16.7%: bands of 26.4 and 16.1
    points, both wider than 10. Both were said to be "on 18 validation images", T's 48 hidden."""
    synthetic.build_synthetic(tmp_path / "S", classes=6, train_per_class=1, val_per_class=3, size=14, seed=1)
    synthetic.build_synthetic(tmp_path / "T", classes=6, train_per_class=1, val_per_class=8, size=14, seed=2)
    bases = [_base("cross/baseS", 1 / 6, open_dataset(str(tmp_path / "S"))),
             _base("cross/baseT", 0.2, open_dataset(str(tmp_path / "T")))]
    [said] = run_caveats.at_chance(bases)
    assert said.startswith(f"{CANNOT_BE_TOLD}their validation images (2): cross/baseS (16.7%, chance 16.7%, "
                           f"counted as chance up to 26.3 points above it on 18 validation images), cross/baseT "
                           f"(20.0%, chance 16.7%, counted as chance up to 16.1 points above it on 48 validation "
                           f"images); "), said
    [said] = run_caveats.at_chance(bases[:1])  # one count: said once, as before
    assert said.startswith(f"{CANNOT_BE_TOLD}18 validation images (1): cross/baseS (16.7%, chance 16.7%, "
                           f"counted as chance up to 26.3 points above it on 18 validation images); "), said


@pytest.mark.parametrize("validation", ["40", [40, 4], {"images": 40}, {"images": True, "classes": 4},
                                        {"images": -40, "classes": 4}, {"images": 40.0, "classes": 4}, None,
                                        {"images": 0, "classes": 4}, {"images": 40, "classes": 1}],
                         ids=["text", "list", "no-classes", "true", "negative", "float", "null", "no-images",
                              "one-class"])
def test_a_validation_record_train_would_not_write_is_refused(tmp_path, validation):
    """result.json is read trusting nothing: an edited record was read as none, as in a result.json written
    before train recorded it, and the report said the run's was one. train refuses a half without a validation
    image or of one class, so it writes 1 image or more of 2 classes or more."""
    data, runs_dir = _grid_near_chance(tmp_path, recorded=False)
    run = grid.plan_grid(layers=(1,))[0]
    path = grid.run_dir(runs_dir, run) / "result.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "validation": validation}))
    with pytest.raises(UnreadableRun, match=f"^{path}: validation is .*, expected .*images.*classes"):
        read_run(grid.run_dir(runs_dir, run))
    measured = report.measure(runs_dir)
    assert any(run.name in str(left) and "validation is" in str(left) for left in measured.left_out), measured.left_out


def test_a_result_without_a_validation_record_is_judged_by_its_dataset(tmp_path):
    data, runs_dir = _grid_near_chance(tmp_path, recorded=False)
    assert read_run(grid.run_dir(runs_dir, grid.plan_grid(layers=(1,))[0])).scored_on == ()
    assert any(w.startswith(f"{CANNOT_BE_TOLD}40 validation images") for w in report.measure(runs_dir).warnings)
