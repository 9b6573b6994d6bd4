"""Replicates trained by hand, each in a folder of its own, reported from the folder above them: train
records no replicate, so every run of the natural split or on every class reads as replicate 0, and
each network was measured against the mean of every folder's base of its target. Now against the
base of its own folder, as a study across datasets already was (tests/test_cross_dataset_replicates.py);
where its folder holds none, against the one folder's that does, and where several do, none.
Fake run folders (tests/test_report.py's write_run) with known answers."""

import json
import math

import h5py
import pytest

from minitransfer import experiment as grid
from minitransfer.report_tables import table1
from minitransfer.results import collect, interchangeable_halves, relative_by_base, relative_by_n, without_base
from test_report import write_run

# per folder: (baseA, baseB, A3B, A3B+, base on every class, random7); the bases of r2 10 points above r1's
REPLICATES = {"r1": (0.61, 0.60, 0.50, 0.63, 0.58, 0.20), "r2": (0.71, 0.70, 0.66, 0.69, 0.68, 0.40)}


def write_copy(folder, name, config, source):
    """A copy trained by hand in ``folder``: its result, config.json, and the record of its base that
    train writes into its checkpoint (``source``: the base's split and half)."""
    run = grid.Run(name, "?", config["split"], 0)
    write_run(folder, run, config.pop("accuracy"), treatment=False, config=config)
    with h5py.File(grid.run_dir(folder, run) / "checkpoint.h5", "w") as f:
        f.attrs["source"] = json.dumps({"checkpoint": "base.h5", "cross_dataset": False, **source})


def write_replicate(folder, accuracies, seed, bases=True, copies=True):
    """One replicate of the natural split (baseA, baseB, A3B, A3B+) and of the random-weights control
    (base on every class, random7), trained by hand into ``folder`` with training seed ``seed``."""
    base_a, base_b, a3b, a3b_tuned, base_all, random7 = accuracies
    if bases:
        for half, accuracy in (("A", base_a), ("B", base_b)):
            write_run(folder, grid.Run(f"base{half}", "base", "natural", 0, target=half), accuracy, treatment=False,
                      config={"split": "natural", "half": half, "seed": seed})
        write_run(folder, grid.Run("base", "base", "all", 0), base_all, treatment=False,
                  config={"split": "all", "seed": seed})
    if copies:
        for name, accuracy, frozen in (("A3B", a3b, True), ("A3B+", a3b_tuned, False)):
            write_copy(folder, name, {"split": "natural", "half": "B", "copy_from": str(folder / "baseA.h5"), "n": 3,
                                      "frozen": frozen, "seed": seed, "accuracy": accuracy},
                       {"split_kind": "natural", "split_half": "A"})
        write_run(folder, grid.Run("random7", "random-frozen", "all", 0, n=7), random7, treatment=False,
                  config={"split": "all", "random_frozen": 7, "seed": seed})


@pytest.fixture
def replicates(tmp_path):
    for seed, (folder, accuracies) in enumerate(REPLICATES.items()):
        write_replicate(tmp_path / "runs" / folder, accuracies, seed)
    return tmp_path / "runs"


def _paired(column, minus):
    """Each replicate's network ``column`` of REPLICATES relative to the base ``minus`` of its own folder."""
    return sorted(accuracies[column] - accuracies[minus] for accuracies in REPLICATES.values())


def test_each_replicate_is_measured_against_the_bases_of_its_own_folder(replicates):
    results = collect(replicates)[0]
    assert len(results) == 12 and not without_base(results)
    assert sorted(relative_by_n(results, "natural", "AnB")[3]) == pytest.approx(_paired(2, 1))
    assert sorted(relative_by_n(results, "all", "random")[7]) == pytest.approx(_paired(5, 4))
    # AnB+ grouped by the base each is measured against: two bases, not "1 base" shared by both
    groups = relative_by_base(results, "natural", "AnB+")
    assert sorted(value for values in groups.values() for value in values) == pytest.approx(_paired(3, 1))
    assert len(groups) == 2


def test_copies_in_a_folder_without_bases_take_the_one_folder_that_holds_them(tmp_path):
    """Bases trained by hand into bases/, the copies into copies/: the copies are measured against them."""
    accuracies = REPLICATES["r1"]
    write_replicate(tmp_path / "runs" / "bases", accuracies, 0, copies=False)
    write_replicate(tmp_path / "runs" / "copies", accuracies, 0, bases=False)
    results = collect(tmp_path / "runs")[0]
    assert not without_base(results)
    assert relative_by_n(results, "natural", "AnB")[3] == pytest.approx([accuracies[2] - accuracies[1]])


def test_copies_whose_folder_holds_no_base_while_several_others_do_have_none(replicates):
    """r3 holds copies alone, r1 and r2 a base each of their target: which is r3's own cannot be told;
    it was measured against the mean of both."""
    write_replicate(replicates / "r3", (0.5, 0.5, 0.45, 0.52, 0.5, 0.3), 2, bases=False)
    results = collect(replicates)[0]
    missing = without_base(results)
    assert [text.partition(":")[0] for text in missing] == ["r3/A3B", "r3/A3B+", "r3/random7"], missing
    assert "r3/A3B: its base r3/baseB (natural split, half B) is not in its folder, and 2 others hold one (r1/, " \
           "r2/): which is its own cannot be told; keep each replicate's runs in a folder of their own, with its " \
           "bases" == missing[0]
    assert len(relative_by_n(results, "natural", "AnB")[3]) == 2


def test_random_splits_of_two_grids_gathered_in_one_folder_are_two_pairs_of_halves(tmp_path):
    """Two grids' random split 0 under one folder: each grid's halves 1 point apart, the grids 10 apart.
    Keyed by split seed alone, the second grid's baseA and baseB replaced the first's: "interchangeable"
    was judged on one pair; now on both, and a pair 3 points apart in either grid is not interchangeable."""
    for folder, base_a, base_b in (("g1", 0.60, 0.61), ("g2", 0.70, 0.71)):
        for half, accuracy in (("A", base_a), ("B", base_b)):
            write_run(tmp_path / folder, grid.Run(f"random0/base{half}", "base", "random", 0, target=half), accuracy)
    assert interchangeable_halves(collect(tmp_path)[0])
    write_run(tmp_path / "g1", grid.Run("random0/baseA", "base", "random", 0, target="A"), 0.64)
    assert not interchangeable_halves(collect(tmp_path)[0])


def test_a_base_without_an_accuracy_in_the_one_folder_holding_it_is_named_in_that_folder(tmp_path):
    """copies/A3B's base is bases/baseB, which made no evaluation: named as copies/baseB, which is none."""
    write_replicate(tmp_path / "runs" / "bases", REPLICATES["r1"], 0, copies=False)
    write_replicate(tmp_path / "runs" / "copies", REPLICATES["r1"], 0, bases=False)
    (tmp_path / "runs" / "bases" / "baseB.run" / "result.json").write_text(
        '{"final": {}, "best_top1": NaN, "mean10_top1": NaN, "evaluations": 0}')
    missing = without_base(collect(tmp_path / "runs")[0])
    assert "copies/A3B: its base bases/baseB (natural split, half B) has no accuracy (it made no evaluation)" in missing


def write_random_by_hand(runs, base_a, base_b, copy=0.62):
    """Random split 0 trained by hand, each run in a folder of its own (baseA/net, baseB/net, A3B/net,
    A3B+/net): its bases at ``base_a`` and ``base_b``, A3B and A3B+ at ``copy``."""
    for half, accuracy in (("A", base_a), ("B", base_b)):
        write_run(runs / f"base{half}", grid.Run("net", "base", "random", 0, target=half), accuracy,
                  treatment=False, config={"split": "random", "split_seed": 0, "half": half, "seed": 0})
    for tuned in (False, True):
        write_copy(runs / f"A3B{'+' if tuned else ''}", "net",
                   {"split": "random", "split_seed": 0, "half": "B", "copy_from": str(runs / "baseA/net.h5"),
                    "n": 3, "frozen": not tuned, "seed": 1, "accuracy": copy},
                   {"split_kind": "random", "split_seed": 0, "split_half": "A"})
    return runs


@pytest.mark.parametrize("base_b, pooled", [(0.61, True), (0.64, False)], ids=["1-point-apart", "4-points-apart"])
def test_bases_trained_by_hand_into_folders_of_their_own_are_paired_as_halves(tmp_path, base_b, pooled):
    """baseA/net and baseB/net each in a folder of its own, the copies in theirs: the copies are
    measured against baseB/net, but the halves were keyed by folder, never paired, and table1.md said
    they did not agree within 2 points (its pooled column blank) where they were 1 point apart."""
    results = collect(write_random_by_hand(tmp_path / "runs", 0.60, base_b))[0]
    assert interchangeable_halves(results) is pooled
    row = table1(results)[0]
    assert row["boost_over_own_base"] == pytest.approx(0.62 - base_b)
    if pooled:
        assert row["boost_over_pooled_base"] == pytest.approx(0.62 - (0.60 + base_b) / 2)
    else:
        assert math.isnan(row["boost_over_pooled_base"])


def test_a_base_without_an_accuracy_trained_by_hand_is_named_as_its_run(tmp_path):
    """baseB/net made no evaluation: its copies' base was named "baseB/baseB", a run that is not there."""
    runs = write_random_by_hand(tmp_path / "runs", 0.60, 0.61)
    (runs / "baseB" / "net.run" / "result.json").write_text(
        '{"final": {}, "best_top1": NaN, "mean10_top1": NaN, "evaluations": 0}')
    missing = without_base(collect(runs)[0])
    assert missing == [f"A3B{plus}/net: its base baseB/net (random split 0, half B) has no accuracy (it made no "
                       f"evaluation)" for plus in ("", "+")]


def test_a_grid_run_whose_base_is_missing_is_not_measured_against_another_grids(tmp_path):
    """Grids g1/ and g2/ gathered in one folder, g1's random0/baseB missing (still training, diverged):
    g1's copies were measured against g2's baseB, the one other folder holding one. A grid's run has
    its base in its own folder: it has none, as a run trained by hand beside several folders has."""
    for folder, base, copy in (("g1", 0.50, 0.55), ("g2", 0.80, 0.60)):
        for run in grid.plan_grid(layers=(1,)):
            if (folder, run.name) != ("g1", "random0/baseB"):
                write_run(tmp_path / folder, run, base if run.kind == "base" else copy)
    results = collect(tmp_path)[0]
    assert relative_by_n(results, "random", "AnB") == {1: [pytest.approx(0.60 - 0.80)]}
    assert [text.partition(":")[0] for text in without_base(results)] == [
        "g1/random0/B1B", "g1/random0/B1B+", "g1/random0/A1B", "g1/random0/A1B+"]
    assert without_base(results)[2] == ("g1/random0/A1B: its base g1/random0/baseB (random split 0, half B) is not "
                                        "among the runs")
