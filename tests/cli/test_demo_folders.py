"""``minitransfer demo -o`` a folder that holds something else than a demo: the grid of an
``experiment`` on another dataset, or a report written with ``minitransfer report GRID -o FOLDER``.
Each is refused (exit 2) naming what the folder holds, before anything is written."""

import shutil

import pytest
from click.testing import CliRunner
from test_faults import snapshot

from minitransfer import demo as demos
from minitransfer import demo_folder
from minitransfer.cli import main
from minitransfer.data import synthetic

# The experiments' grids here: layer 1, two iterations a run, without the fine-tuned runs (4 networks, not 6: what
# the demo reads of a grid is its plan and that a run of it trained, not which runs it planned)
GRID = ["--layers", "1", "--no-fine-tuned", "--max-iter", "2", "--batch-size", "8", "--device", "cpu"]


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
    result = CliRunner().invoke(main, ["experiment", "--data", str(data), "-o", str(out), "--preset", "mini", *GRID])
    assert result.exit_code == 0, result.output
    return out, data


@pytest.mark.usefixtures("tiny_demo")
def test_a_demo_into_an_experiments_grid_is_refused_naming_the_experiment(experiment_grid, tmp_path):
    """Before: "holds a demo trained with other options than this version of minitransfer's demo
    trains with (--data ... -> ...; --max-iter 2 -> 3), from an earlier version or another plan":
    a demo of an earlier version, which it never was."""
    grid, other = experiment_grid
    out = shutil.copytree(grid, tmp_path / "grid")
    _refused(out, f"error: {out} is an experiment's grid (on {other}), not a demo's folder: the demo's networks "
                  f"cannot be trained among its runs; give this demo another folder (-o FOLDER), or continue the grid "
                  f"with `minitransfer experiment -o {out} ...` (its own options) or report it with "
                  f"`minitransfer report {out}`")


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


@pytest.mark.usefixtures("tiny_demo")
def test_a_demo_into_an_experiments_grid_on_its_own_data_is_refused_as_the_experiments(tiny_data, tmp_path):
    """An experiment on the demo's own data (the built-in set, as ``minitransfer experiment -o g1
    --layers 1 --max-iter 20`` trains it): before, "g1 holds a demo trained with other options than this
    version of minitransfer's demo trains with (--all-classes None -> {...}; --preset None -> ...), from an
    earlier version ...; or delete g1 first (what it trained is lost)": the experiment called a demo, an
    option no command has named, and its work advised away."""
    out = tmp_path / "g1"
    result = CliRunner().invoke(main, ["experiment", "--data", str(tiny_data), "-o", str(out), *GRID])
    assert result.exit_code == 0, result.output
    _refused(out, f"error: {out} is an experiment's grid (on {tiny_data}), not a demo's folder: the "
                  f"demo's networks cannot be trained among its runs; give this demo another folder (-o FOLDER), or "
                  f"continue the grid with `minitransfer experiment -o {out} ...` (its own options) or report it "
                  f"with `minitransfer report {out}`")


def test_a_plan_without_options_on_all_classes_is_told_in_real_option_names(tiny_data):
    """An earlier demo's plan, without options on all classes: before, "--all-classes None -> {...}", an
    option no command has; now each option its networks on all classes differ in."""
    options = demos.CPU_PLAN.options(tiny_data, "cpu", 0)
    earlier = {name: value for name, value in options.items() if name != "all_classes"}
    changes = demo_folder._recipe_changes(json_of(earlier), options)
    assert not any("--all-classes" in change for change in changes), changes
    assert changes == [f"--{name.replace('_', '-')} {earlier[name]!r} -> {value!r} on all classes"
                       for name, value in sorted(demos.CPU_PLAN.all_classes.items()) if earlier[name] != value]


def json_of(options):
    """``options`` as a plan records them (JSON: paths as text)."""
    return {name: str(value) if name == "data" else value for name, value in options.items()}


@pytest.mark.usefixtures("tiny_demo")
def test_an_experiments_grid_given_a_preset_is_never_advised_away_as_a_demo(tiny_data, tmp_path):
    """``experiment -o g1 --preset mini`` on the demo's own data records a preset, as a demo of a version
    before options on all classes did: before, "g1 holds a demo trained with other options ... or delete g1
    first (what it trained is lost)". Now, nothing in its plan telling which it is, the advice to delete it is
    for a demo's folder only."""
    out = tmp_path / "g1"
    result = CliRunner().invoke(main, ["experiment", "--data", str(tiny_data), "-o", str(out), "--preset", "mini",
                                       *GRID])
    assert result.exit_code == 0, result.output
    before = snapshot(out)
    refused = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu"])
    assert refused.exit_code == 2, refused.output
    error = refused.output.splitlines()[-1]
    assert error.startswith(f"error: {out} holds networks trained with other options than this version of "
                            f"minitransfer's demo trains with ("), error
    assert error.endswith(f"if {out} is a demo of an earlier version, delete it (what it trained is lost) or give "
                          f"this demo another folder (-o FOLDER); if it is your experiment's grid, give this demo "
                          f"another folder (-o FOLDER)"), error
    assert snapshot(out) == before


@pytest.mark.parametrize("plan, maker", [
    ({"options": {"preset": "micro", "all_classes": {"max_iter": 1560}}}, "demo"),  # a demo's, from 2026-12-02 on
    ({"options": {"max_iter": 20}}, "experiment"),
    ({"options": {"preset": "mini", "source_data": "/data/cifar"}}, "experiment"),  # a cross-dataset grid
    ({"options": {"preset": "micro", "max_iter": 20}}, "either"),  # --preset given, or a demo before all_classes
    (None, None), ({"options": "hand-edited"}, None)])
def test_who_planned_a_folder_is_read_from_its_plan(plan, maker):
    assert demo_folder._maker(plan) == maker
