"""``minitransfer report`` of a folder holding one network twice: a grid copied into a second folder
beside it (``cp -r``), or trained again there with the same options. train is deterministic, so the
second is no new draw of a seed's luck: counted, it halved the spread of each point and made a
finding hold on two copies of one network. Networks of the same treatment trained with other seeds
are networks of their own."""

import json
import shutil

import h5py
import pytest

from minitransfer import experiment as grid
from minitransfer import report
from minitransfer.experiment import CHECKPOINT_FILE
from minitransfer.results import collect
from test_report import ACCURACY, write_run, write_runs


def findings_text(runs_dir):
    return "\n".join(finding.text for finding in report.measure(runs_dir).findings)


def test_a_grid_copied_beside_itself_counts_each_network_once(tmp_path):
    runs_dir = tmp_path / "runs"
    write_runs(runs_dir / "monday")
    shutil.copytree(runs_dir / "monday", runs_dir / "tuesday")
    once = write_runs(tmp_path / "once")
    results, unfinished, left_out = collect(runs_dir)
    assert sorted(r.run.name for r in results) == sorted(f"monday/{name}" for name in ACCURACY)
    assert sorted(text.partition(":")[0] for text in left_out) == sorted(f"tuesday/{name}" for name in ACCURACY)
    assert "tuesday/random0/A5B: the same network as monday/random0/A5B" in "\n".join(left_out)
    assert findings_text(runs_dir) == findings_text(once)  # the grid's findings, as of one copy


def test_a_run_trained_again_with_its_seed_is_the_same_network_even_where_its_numbers_differ(tmp_path):
    """Trained again on another device, a run of the same seed may end a few evaluations apart: the
    same network still (its config.json records the seed)."""
    runs_dir = tmp_path / "runs"
    base = grid.Run("random0/baseB", "base", "random", 0, target="B")
    for folder, accuracy in (("gpu", 0.62), ("cpu", 0.6201)):
        write_run(runs_dir / folder, base, accuracy, config={"seed": 7})
    results, _, left_out = collect(runs_dir)
    assert [r.run.name for r in results] == ["cpu/random0/baseB"]
    assert left_out and left_out[0].startswith("gpu/random0/baseB: the same network as cpu/random0/baseB")
    assert "training seed 7" in left_out[0]


@pytest.mark.parametrize("configs", [({"seed": 7}, {"seed": 8}), ({}, {})],
                         ids=["other-seeds", "no-seed-other-numbers"])
def test_networks_of_one_treatment_with_other_seeds_or_numbers_are_each_counted(tmp_path, configs):
    runs_dir = tmp_path / "runs"
    base = grid.Run("random0/baseB", "base", "random", 0, target="B")
    for folder, accuracy, config in zip(("first", "second"), (0.62, 0.58), configs):
        write_run(runs_dir / folder, base, accuracy, config=config or None)
    results, _, left_out = collect(runs_dir)
    assert sorted(r.mean10_top1 for r in results) == [0.58, 0.62] and left_out == []


def test_the_report_of_a_grid_copied_beside_itself_names_the_copies(tmp_path):
    runs_dir = tmp_path / "runs"
    write_runs(runs_dir / "monday")
    shutil.copytree(runs_dir / "monday", runs_dir / "tuesday")
    written = report.write_report(runs_dir, tmp_path / "out", figures=False)
    rows = (tmp_path / "out" / "results.md").read_text()
    assert len(written.results) == len(ACCURACY) and "| tuesday/" not in rows
    assert "- tuesday/random0/baseB: the same network as monday/random0/baseB" in rows


def plan_runs(layers=(1,)):
    return {run.name: run for run in grid.plan_grid(layers=layers)}


@pytest.mark.parametrize("option", [{"fc8_outputs": 500}, {"base_lr": 0.005}, {"an_option_added_later": 1}],
                         ids=["fc8-outputs", "base-lr", "a-field-added-later"])
def test_grids_of_other_network_options_with_the_default_seed_are_each_counted(tmp_path, option):
    """Two grids in one report folder, one at default width and one with --fc8-outputs 500 (or any
    other option that changes the network, one added later too), both with the default --seed: every
    run of the second is a network of its own, not a copy of the first's."""
    runs_dir = tmp_path / "runs"
    runs = plan_runs()
    for folder, extra, shift in (("default", {}, 0.0), ("wide", option, -0.05)):
        for run in runs.values():
            write_run(runs_dir / folder, run, ACCURACY[run.name] + shift, config={"seed": 0, "fc8_outputs": None,
                                                                                 **extra})
    results, _, left_out = collect(runs_dir)
    assert sorted(r.run.name for r in results) == sorted(f"{folder}/{name}" for folder in ("default", "wide")
                                                        for name in runs)
    assert left_out == []


def test_a_run_trained_again_with_other_settings_that_leave_the_network_is_the_same_network(tmp_path):
    """Written elsewhere, on another device, with other workers, logging, checkpoints or a smaller
    evaluation batch, a run of the same options and seed is the same network."""
    runs_dir = tmp_path / "runs"
    base = plan_runs()["random0/baseB"]
    same = {"seed": 7, "fc8_outputs": None, "preset": "tiny"}
    write_run(runs_dir / "gpu", base, 0.62, config={**same, "out": "gpu/random0/baseB.h5", "device": "cuda",
                                                     "workers": 4, "log_every": 10, "checkpoint_every": 100,
                                                     "eval_batch_size": 100, "resume": "auto", "cuda_graph": True})
    write_run(runs_dir / "cpu", base, 0.6201, config={**same, "out": "cpu/random0/baseB.h5", "device": "cpu",
                                                       "workers": 0, "log_every": 20, "checkpoint_every": 50,
                                                       "eval_batch_size": None, "resume": None, "cuda_graph": False})
    results, _, left_out = collect(runs_dir)
    assert [r.run.name for r in results] == ["cpu/random0/baseB"]
    assert len(left_out) == 1 and "the same network as cpu/random0/baseB" in left_out[0]
    assert "training seed 7" in left_out[0]


def write_base_sha256(folder, sha256):
    """The run in ``folder``'s checkpoint, holding train's record of the base it copied from."""
    with h5py.File(folder / CHECKPOINT_FILE, "w") as f:
        f.attrs["source"] = json.dumps({"sha256": sha256, "cross_dataset": False, "split_half": "A"})


@pytest.mark.parametrize("sha256s, counted", [(("", ""), 2), (("a" * 64, "b" * 64), 2), (("a" * 64, "a" * 64), 1)],
                         ids=["no-sha256-recorded", "other-bases", "one-base"])
def test_copies_of_one_seed_are_one_network_only_from_one_recorded_base(tmp_path, sha256s, counted):
    """Two transfers with one seed from bases of other source data, copied without their weights or
    checkpoints (no sha256 of their base recorded), are two networks; from one recorded base, one."""
    runs_dir = tmp_path / "runs"
    run = plan_runs(layers=(3,))["random0/A3B"]
    for folder, accuracy, sha256 in zip(("first", "second"), (0.53, 0.49), sha256s):
        write_run(runs_dir / folder, run, accuracy, config={"seed": 0, "copy_from": f"{folder}/random0/baseA.h5",
                                                            "n": 3, "frozen": True})
        if sha256:
            write_base_sha256(grid.run_dir(runs_dir / folder, run), sha256)
    results, _, left_out = collect(runs_dir)
    assert len(results) == counted and len(left_out) == 2 - counted


def test_a_copy_whose_name_holds_a_colon_is_left_out_once(tmp_path):
    """A run folder named "run: 2": its copy's name, cut at ": ", was not the run's, which was both
    counted and named as left out."""
    runs_dir = tmp_path / "runs"
    base = plan_runs()["random0/baseB"]
    for folder in ("monday", "run: 2"):
        write_run(runs_dir / folder, base, 0.62, config={"seed": 7})
    results, _, left_out = collect(runs_dir)
    assert [r.run.name for r in results] == ["monday/random0/baseB"]
    assert len(left_out) == 1 and left_out[0].startswith("run: 2/random0/baseB: the same network as monday/")
