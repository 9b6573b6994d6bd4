"""Transfers across datasets trained by hand (train --data T --copy-from a base of S) as the report reads
them. One trained on a half of T (--half, --split-seed) was read as an SnT on every class of T and
measured against the base on every class (a 2-way accuracy minus a 4-way one), with no warning: now it
is left out, named with why. And the schedule warning named the runs across datasets (every class of
T) "runs on a half", pooled with the runs of a random split. Fake run folders (tests/test_report.py's
write_run) with train's record of the base they copied from."""

import json

import h5py

from minitransfer import experiment as grid
from minitransfer import report
from test_report import write_run

TARGET, SOURCE = "/data/target", "/data/source"


def write_cross(out, name, accuracy, half=None, split_seed=0, max_iter=300):
    """S1T trained by hand onto TARGET from a base on every class of SOURCE: on every class of TARGET,
    or where ``half`` is given on that half of its random split ``split_seed`` (as train resolves
    --half: config.py)."""
    run = grid.Run(name, "?", "all", 0)
    on = {"split": "random", "split_seed": split_seed, "half": half} if half else {"split": "all", "half": None}
    write_run(out, run, accuracy, treatment=False,
              config={**on, "data": TARGET, "copy_from": f"{SOURCE}/base.h5", "n": 1, "frozen": True,
                      "max_iter": max_iter})
    source = {"checkpoint": f"{SOURCE}/base.h5", "cross_dataset": True, "split_kind": "all", "split_half": "",
              "dataset": SOURCE}
    with h5py.File(grid.run_dir(out, run) / "checkpoint.h5", "w") as f:
        f.attrs["source"] = json.dumps(source)


def write_base(out, name, accuracy, half=None, split_seed=0, max_iter=300):
    """A base trained by hand on TARGET: every class, or ``half`` of its random split ``split_seed``;
    its result.json records the validation images it was scored on, as train writes it (TARGET is not
    here to tell them: without, the report says it cannot judge the base against chance)."""
    on = {"split": "random", "split_seed": split_seed, "half": half} if half else {"split": "all", "half": None}
    run = grid.Run(name, "base", "all", 0)
    write_run(out, run, accuracy, treatment=False, config={**on, "data": TARGET, "max_iter": max_iter})
    result = grid.run_dir(out, run) / "result.json"
    result.write_text(json.dumps({**json.loads(result.read_text()), "validation": {"images": 1000, "classes": 10}}))


def test_a_transfer_across_datasets_on_a_half_is_left_out_not_measured_against_the_base_on_every_class(tmp_path):
    """half1 (S1T onto half A of random split 0 of T, 2 classes) was listed as S1T, cross, target T,
    and found +20 points relative to baseT (on every class, 4 classes). A base on half A of that
    split beside it does not make it measurable either: report's study across datasets is on every
    class."""
    runs = tmp_path / "runs"
    write_base(runs, "baseT", 0.40)
    write_base(runs, "baseA", 0.70, half="A")
    write_cross(runs, "whole", 0.45)
    write_cross(runs, "half1", 0.60, half="A")
    written = report.write_report(runs, tmp_path / "report", figures=False)
    names = {r.run.name: r.run for r in written.results}
    assert "half1" not in names and names["whole"].split == grid.CROSS  # the other transfer still read as SnT
    [left] = [text for text in written.left_out if "half1" in text]
    assert "half A of the random split 0" in left and "without --half and --split-seed" in left
    for name in ("results.md", "findings.md"):
        assert "half1" in written.files[name].read_text()
    general = {f.claim: f for f in written.findings}["general-across-datasets"]
    assert [r.run.name for r in general.used if r.run.kind == "transfer"] == ["whole"]


def test_runs_across_datasets_are_a_schedule_group_of_their_own(tmp_path):
    """baseT and S1T across datasets trained for 300 iterations, a random split's runs of T for 3000:
    each group agrees within itself, so no warning; the warning named the runs across datasets
    "runs on a half" and pooled them with the random split's. Where the runs across datasets
    disagree, the warning names them as what they are."""
    runs = tmp_path / "runs"
    write_base(runs / "cross", "baseT", 0.40)
    write_cross(runs / "cross", "S1T", 0.45)
    write_base(runs / "random0", "baseA", 0.70, half="A", max_iter=3000)
    write_base(runs / "random0", "baseB", 0.70, half="B", max_iter=3000)
    assert report.write_report(runs, tmp_path / "report", figures=False).warnings == []
    write_cross(runs / "cross", "S1T", 0.45, max_iter=30)
    [warning] = report.write_report(runs, tmp_path / "report", figures=False).warnings
    assert warning.startswith("runs across datasets trained with 2 schedules: --max-iter 30 (1: cross/S1T); "
                              "--max-iter 300 (1: cross/baseT)"), warning
