"""Chance is the largest class's share of the validation images a run was scored on; train records that
class's count in result.json beside the images and classes, a fact of the run. The report read it from the
dataset as it is now, so a dataset moved or prepared again silently put chance back to 1/classes (a base
answering its largest class alone, 96.8% of 62 images, judged against 50% as learned). A result.json
written before train recorded it still reads, and is judged by its dataset. Reduced-data runs no better than
their chance (1 image a class at 92% where the largest class holds 90%) are said in the runs to read with
care and under Figure S1, which drew them as measurements."""

import json
import shutil

import numpy as np
import pytest

from minitransfer import experiment as grid
from minitransfer import figures_reduced, report, run_caveats
from minitransfer import train as training
from minitransfer.data import splits
from minitransfer.experiment import Run
from minitransfer.results import Result, collect, read_run
from minitransfer.run_file_readers import UnreadableRun
from test_report import write_run
from unbalanced_data import at_share, build_unbalanced

TRAIN_COUNTS = (5, 1, 2, 3)
VAL_COUNTS = (60, 2, 40, 3)  # no pairing of these classes into halves is balanced


def _halves(data):
    """{half: (validation images, classes, the largest class's images)} of the random split 0 of ``data``
    (built of :data:`VAL_COUNTS`), counted here."""
    val = np.asarray(VAL_COUNTS)
    return {half: (int(val[list(classes)].sum()), len(classes), int(val[list(classes)].max()))
            for half, classes in zip("AB", splits.class_halves(data, "random", 0))}


def test_train_records_the_largest_class_of_its_half(tmp_path):
    data = build_unbalanced(tmp_path / "S", TRAIN_COUNTS, VAL_COUNTS)
    out = tmp_path / "baseA.h5"
    training.train(training.TrainConfig(out=str(out), data=str(data.path), half="A", seed=0, max_iter=2,
                                        eval_every=2, batch_size=4, preset="micro", quiet=True, device="cpu"))
    images, classes, largest = _halves(data)["A"]
    recorded = json.loads((tmp_path / "baseA.run" / "result.json").read_text())
    assert recorded["validation"] == {"images": images, "classes": classes, "largest_class": largest}
    assert read_run(tmp_path / "baseA.run").scored_on == (images, classes, largest)


def _grid(tmp_path, largest_recorded):
    """The runs of a grid at layer 1 on an unbalanced dataset, each base at its half's largest class's share
    (learned nothing), its result.json recording the validation images as train writes them now
    (``largest_recorded``) or before it recorded the largest class; (dataset, grid folder, shares)."""
    data = build_unbalanced(tmp_path / "S", TRAIN_COUNTS, VAL_COUNTS)
    halves = _halves(data)
    shares = {half: largest / images for half, (images, _, largest) in halves.items()}
    runs_dir = tmp_path / "grid"
    for run in grid.plan_grid(layers=(1,)):
        write_run(runs_dir, run, shares[run.target] if run.kind == "base" else 0.5, config={"data": str(data.path)})
        images, classes, largest = halves[run.target]
        scored = {"images": images, "classes": classes, **({"largest_class": largest} if largest_recorded else {})}
        path = grid.run_dir(runs_dir, run) / "result.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), "validation": scored}))
    return data, runs_dir, shares


def test_a_moved_dataset_keeps_the_recorded_largest_class_share(tmp_path):
    data, runs_dir, shares = _grid(tmp_path, largest_recorded=True)
    shutil.move(data.path, tmp_path / "elsewhere")
    careful = " ".join(report.measure(runs_dir).warnings)
    for half, share in shares.items():
        assert at_share(f"random0/base{half}", share, share) in careful, careful


def test_a_dataset_prepared_again_keeps_the_recorded_largest_class_share(tmp_path):
    data = build_unbalanced(tmp_path / "S", TRAIN_COUNTS, VAL_COUNTS)
    images, classes, largest = sum(VAL_COUNTS), len(VAL_COUNTS), max(VAL_COUNTS)
    base = Result(Run("all/base", "base", "all", 0), largest / images, largest / images, largest / images, 20,
                  dataset=str(data.path), fingerprint="0" * 64, scored_on=(images, classes, largest))
    [said] = run_caveats.at_chance([base])
    assert at_share("all/base", largest / images, largest / images) in said, said


def test_a_result_written_before_train_recorded_the_largest_class_still_reads(tmp_path):
    """Judged by its dataset, which tells its halves' largest classes (as tests/test_report_chance_unbalanced.py)."""
    data, runs_dir, shares = _grid(tmp_path, largest_recorded=False)
    halves = _halves(data)
    assert read_run(grid.run_dir(runs_dir, grid.plan_grid(layers=(1,))[0])).scored_on == halves["A"][:2]
    careful = " ".join(report.measure(runs_dir).warnings)
    assert all(at_share(f"random0/base{half}", share, share) in careful for half, share in shares.items()), careful


@pytest.mark.parametrize("largest", [True, "60", 60.0, None, -1, "below", "above"])
def test_a_largest_class_train_would_not_write_is_refused(tmp_path, largest):
    """The largest class holds its share of the images at least (images/classes), all of them at most."""
    _, runs_dir, _ = _grid(tmp_path, largest_recorded=True)
    run = grid.plan_grid(layers=(1,))[0]
    path = grid.run_dir(runs_dir, run) / "result.json"
    record = json.loads(path.read_text())
    images, classes = record["validation"]["images"], record["validation"]["classes"]
    value = {"below": -(-images // classes) - 1, "above": images + 1}.get(largest, largest)
    path.write_text(json.dumps({**record, "validation": {**record["validation"], "largest_class": value}}))
    with pytest.raises(UnreadableRun, match=f"^{path}: validation is .*, expected .*largest_class"):
        read_run(grid.run_dir(runs_dir, run))


def test_the_share_the_largest_class_may_hold_is_read_at_both_ends(tmp_path):
    _, runs_dir, _ = _grid(tmp_path, largest_recorded=True)
    run = grid.plan_grid(layers=(1,))[0]
    path = grid.run_dir(runs_dir, run) / "result.json"
    record = json.loads(path.read_text())
    images, classes = record["validation"]["images"], record["validation"]["classes"]
    for largest in (-(-images // classes), images):
        path.write_text(json.dumps({**record, "validation": {**record["validation"], "largest_class": largest}}))
        assert read_run(grid.run_dir(runs_dir, run)).scored_on == (images, classes, largest)


REDUCED_VAL = (270, 9, 9, 12)  # 300 images, the largest class 90% of them: a band of 5.2 points


@pytest.mark.parametrize("largest_recorded", [True, False], ids=["recorded", "older-result"])
def test_a_reduced_data_run_at_its_chance_is_said_and_noted_under_figure_s1(tmp_path, largest_recorded):
    data = build_unbalanced(tmp_path / "S", (3, 1, 1, 1), REDUCED_VAL)
    share = max(REDUCED_VAL) / sum(REDUCED_VAL)
    accuracies = {"all/base": 0.99, "all/reduced-0001": 0.92, "all/reduced-0010": 0.98}
    runs_dir = tmp_path / "grid"
    for run in grid.plan_grid(random_seeds=(), per_class=(1, 10)):
        write_run(runs_dir, run, accuracies[run.name],
                  config={"split": "all", "data": str(data.path), "per_class": run.per_class})
        scored = {"images": sum(REDUCED_VAL), "classes": len(REDUCED_VAL),
                  **({"largest_class": max(REDUCED_VAL)} if largest_recorded else {})}
        path = grid.run_dir(runs_dir, run) / "result.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), "validation": scored}))
    results = collect(runs_dir)[0]
    named = (at_share("all/reduced-0001", 0.92, share)
             + ", counted as chance up to 5.2 points above it on 300 validation images)")
    careful = run_caveats.warnings(results)
    assert f"reduced-data runs no better than chance (1): {named}; " in " ".join(careful), careful
    assert not any("reduced-0010" in line for line in careful), careful
    Figure = pytest.importorskip("matplotlib.figure").Figure
    texts = [text.get_text() for text in figures_reduced.figure_s1(Figure, results).texts]
    [note] = [text for text in texts if "no better than chance" in text]
    assert f"--per-class 1: {named}" in " ".join(note.split()) and "--per-class 10" not in note, note  # wrapped


def test_figure_s1_of_reduced_data_runs_above_chance_has_no_note(tmp_path):
    """A balanced set (chance 25%, band 7.5 points on 300 images): 40% is above it."""
    data = build_unbalanced(tmp_path / "S", (3, 1, 1, 1), (75, 75, 75, 75))
    runs_dir = tmp_path / "grid"
    for run in grid.plan_grid(random_seeds=(), per_class=(1,)):
        write_run(runs_dir, run, 0.4, config={"split": "all", "data": str(data.path), "per_class": run.per_class})
    results = collect(runs_dir)[0]
    assert not any("reduced-data" in line for line in run_caveats.warnings(results))
    Figure = pytest.importorskip("matplotlib.figure").Figure
    assert not any("chance" in text.get_text() for text in figures_reduced.figure_s1(Figure, results).texts)
