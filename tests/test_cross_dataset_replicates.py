"""Replicates of a study across datasets, each in a folder of its own: each SnT is measured against the
baseT of its own folder, whether the grid wrote them (cross/, cross-1/) or they were trained by hand
(the same runs without the grid's treatment.json, read by their files as
minitransfer.run_labels.cross_studies reads a study trained by hand)."""

import csv
import math
import shutil
import statistics

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import synthetic
from minitransfer.rundir import BEST_EVALUATIONS

REPLICATES = ("cross", "cross-1")


@pytest.fixture(scope="module")
def grid(micro_data, tmp_path_factory):
    """Two replicates of a cross-dataset grid (micro_data onto six other classes, n = 1, frozen and
    fine-tuned), trained long enough that their accuracies differ."""
    root = tmp_path_factory.mktemp("replicates")
    target = root / "T"
    synthetic.build_synthetic(target, classes=6, train_per_class=8, val_per_class=6, size=14, seed=2)
    done = CliRunner().invoke(main, ["experiment", "--source-data", micro_data, "--data", str(target), "-o",
                                     str(root / "grid"), "--layers", "1", "--replicates", "2", "--max-iter", "12",
                                     "--eval-every", "2", "--batch-size", "8", "--device", "cpu"])
    assert done.exit_code == 0, done.output
    return root / "grid"


def _mean10(run):
    """The paper's metric of ``run`` (a .h5 path less its suffix), from its eval.csv alone."""
    with open(f"{run}.run/eval.csv", newline="") as f:
        top1 = sorted((float(row["top1"]) for row in csv.DictReader(f)), reverse=True)
    return statistics.mean(top1[:BEST_EVALUATIONS])


def _claims_across(folder, out):
    done = CliRunner().invoke(main, ["report", str(folder), "-o", str(out)])
    assert done.exit_code == 0, done.output
    return [line for line in (out / "findings.md").read_text().splitlines()
            if "across datasets (SnT)" in line or "SnT is" in line or "SnT+ scores" in line]


@pytest.mark.usefixtures("placeholder_figures")
def test_studies_trained_by_hand_in_two_folders_each_measure_their_snt_against_their_own_baset(grid, tmp_path):
    """Read by hand, every run of both folders was replicate 0: each S1T was measured against the mean
    of both baseTs (its standard error not the paired one the grid's reading gives) and the SnT+
    against "1 base" (no standard error), where the grid's reading has 2 (replicates: one network each)."""
    by_hand = tmp_path / "by-hand"
    shutil.copytree(grid, by_hand)
    (by_hand / "experiment.json").unlink()
    for treatment in by_hand.rglob("treatment.json"):
        treatment.unlink()
    claims = _claims_across(grid, tmp_path / "grid-report")
    assert _claims_across(by_hand, tmp_path / "by-hand-report") == claims and len(claims) == 3
    # the first claim's number, paired by folder, from the eval.csv files alone
    paired = [_mean10(by_hand / folder / "S1T") - _mean10(by_hand / folder / "baseT") for folder in REPLICATES]
    assert len({round(value, 6) for value in paired}) == 2, paired  # the pairing matters for these runs
    mean, se = 100 * statistics.mean(paired), 100 * statistics.stdev(paired) / math.sqrt(len(paired))
    assert f"(SnT) score {mean:+.1f} ± {se:.1f} points relative to their own base (2 networks)" in claims[0], claims
    assert " ± " in claims[2] and "(2 networks)" in claims[2], claims  # over 2 replicates: a standard error


def test_transfers_from_bases_of_two_source_datasets_are_not_pooled_as_one_snt(grid, tmp_path):
    """A base of another source dataset trained by hand beside a grid's, and a transfer of its layers
    onto the same target: the report pooled both transfers as the SnT of one study (their spread a
    seed spread), the source bases being left out of its check of datasets; now it refuses the folder
    as it refuses runs of two datasets, naming both source datasets and their bases."""
    other = tmp_path / "other-source"
    synthetic.build_synthetic(other, classes=2, train_per_class=4, val_per_class=2, size=14, seed=4)
    pooled = tmp_path / "pooled" / "cross"
    shutil.copytree(grid / "cross", pooled)
    short = ["--split", "all", "--max-iter", "2", "--eval-every", "2", "--batch-size", "8", "--device", "cpu"]
    for arguments in (["--data", str(other), "-o", str(pooled / "baseO.h5")],
                      ["--data", str(grid.parent / "T"), "--copy-from", str(pooled / "baseO.h5"), "--n", "1",
                       "--frozen", "-o", str(pooled / "O1T.h5")]):
        done = CliRunner().invoke(main, ["train", *arguments, *short])
        assert done.exit_code == 0, done.output
    done = CliRunner().invoke(main, ["report", str(pooled.parent), "-o", str(tmp_path / "report")])
    assert done.exit_code == 65, done.output  # bad data: runs that do not fit together
    assert "are of 2 source datasets: " in done.output and f"{other} (" in done.output, done.output
    # each source named with its base and the transfers of its layers
    assert "(2: cross/baseO, cross/O1T)" in done.output and "(3: cross/baseS, cross/S1T, cross/S1T+)" in done.output, \
        done.output
    assert not (tmp_path / "report").exists()
