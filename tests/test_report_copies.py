"""``minitransfer report`` of a folder holding one network twice: a grid copied into a second folder
beside it (``cp -r``), or trained again there with the same options. train is deterministic, so the
second is no new draw of a seed's luck: counted, it halved the spread of each point and made a
finding hold on two copies of one network. Networks of the same treatment trained with other seeds
are networks of their own."""

import shutil

import pytest

from minitransfer import experiment as grid
from minitransfer import report
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
