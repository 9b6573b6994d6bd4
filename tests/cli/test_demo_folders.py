"""``minitransfer demo -o`` a folder that holds something else than a demo: the grid of an
``experiment`` on another dataset, or a report written with ``minitransfer report GRID -o FOLDER``.
Each is refused (exit 2) naming what the folder holds, before anything is written."""

import shutil

import pytest
from click.testing import CliRunner
from test_faults import snapshot

from minitransfer import demo as demos
from minitransfer.cli import main
from minitransfer.data import synthetic


@pytest.fixture
def tiny_demo(tiny_data, monkeypatch):
    """The demo of one random split and n = 2, three iterations a network, on ``tiny_data``."""
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: tiny_data)
    monkeypatch.setattr(demos, "CPU_PLAN", demos.DemoPlan(layers=(2,), networks_per_point=1, selffer_fine_tuned=False,
                                                          train={"preset": "mini", "max_iter": 3, "seed": 0}))


@pytest.fixture(scope="module")
def experiment_grid(tiny_data, tmp_path_factory):
    """The finished grid of an experiment (layer 1, two iterations a run) on a copy of ``tiny_data``
    (another dataset than the demo's): its folder and that dataset."""
    data = shutil.copytree(tiny_data, tmp_path_factory.mktemp("other") / "synthetic-4")
    out = tmp_path_factory.mktemp("experiment") / "grid"
    result = CliRunner().invoke(main, ["experiment", "--data", str(data), "-o", str(out), "--layers", "1",
                                       "--preset", "mini", "--max-iter", "2", "--batch-size", "8", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    return out, data


@pytest.mark.usefixtures("tiny_demo")
def test_a_demo_into_an_experiments_grid_is_refused_naming_the_experiment(experiment_grid, tmp_path):
    """Before: "holds a demo trained with other options than this version of minitransfer's demo
    trains with (--data ... -> ...; --max-iter 2 -> 3), from an earlier version or another plan":
    a demo of an earlier version, which it never was."""
    grid, other = experiment_grid
    out = shutil.copytree(grid, tmp_path / "grid")
    _refused(out, f"error: {out} holds the grid of an experiment on {other}, not a demo: the report of {out} would "
                  f"pool the demo's networks with its runs; give this demo a folder of its own (-o FOLDER)")


@pytest.mark.usefixtures("tiny_demo", "placeholder_figures")
def test_a_demo_into_a_folder_holding_a_report_is_refused(experiment_grid, tmp_path):
    """Before: the demo trained its networks beside the experiment's report, whose findings.md then
    read as the demo's (exit 0)."""
    out = tmp_path / "report"
    written = CliRunner().invoke(main, ["report", str(experiment_grid[0]), "-o", str(out)])
    assert written.exit_code == 0, written.output
    _refused(out, f"error: --out {out} is a report's folder (the tables and figures `minitransfer report` wrote: "
                  f"results.csv, results.md, table1.csv ...), where the runs would lie among its files: give a folder "
                  f"of its own, e.g. {tmp_path / 'demo'}")


def _refused(out, error):
    """``minitransfer demo -o OUT`` exits 2 on ``error``, its last line, leaving ``out`` as it was."""
    before = snapshot(out)
    result = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu"])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[-1] == error
    assert snapshot(out) == before
