"""``minitransfer experiment --data data`` names the dataset in its checks' messages as given
(``minitransfer/grid_preflight.py``): the grid's options hold it absolute (its plan records it so,
and its runs read it wherever they start), and the checks named that, "no class of
/home/me/x/data has more than 8 training images"."""

import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import grid_preflight
from minitransfer.cli import main
from minitransfer.data import synthetic


@pytest.fixture
def home(tmp_path, monkeypatch):
    """The working folder, holding ``data``: 4 classes of 8 training images, 14 x 14 (micro's)."""
    monkeypatch.chdir(tmp_path)
    synthetic.build_synthetic(tmp_path / "data", classes=4, train_per_class=8, val_per_class=4, size=14, seed=1)
    return tmp_path


@pytest.mark.parametrize("args, code, line", [
    (["--per-class", "4,10"], 0, "note: --per-class 10: no class of data has more than 8 training images, so these "
                                 "runs keep every image, as --per-class 8 would (Figure S1 places them at 10)"),
    (["--per-class", "10,100"], 2, "error: --per-class 10 and 100 each keep every training image of data (no class "
                                   "has more than 8): the same network trained 2 times, which Figure S1 would show "
                                   "as 2 points; keep one of them; 7 is the largest count that still reduces a class"),
    (["--per-class", "4", "--fc8-outputs", "3"], 2,
     "error: run all/base: --fc8-outputs 3 is fewer than the 4 classes this run trains on (every class of data): "
     "leave it unset (one output per class), or give 4 or more"),
    (["--preset", "mini"], 2, "error: run random0/baseA: preset mini takes 32x32 crops but the images of data are "
                              "14x14: prepare them at 36 px (prepare's --size), or choose --preset micro"),
], ids=["per-class-note", "per-class-twice", "base-refused", "preset-refused"])
def test_a_relative_data_is_named_as_given(home, args, code, line):
    done = CliRunner().invoke(main, ["experiment", "--data", "data", "-o", "g", *args, "--dry-run", "--device", "cpu"])
    assert done.exit_code == code, done.output
    assert line in done.output.splitlines(), done.output
    told = [said for said in done.output.splitlines() if said.startswith(("note:", "warning:", "error:"))]
    assert not [said for said in told if str(home) in said], told  # the plan's commands give it absolute, as run


def test_a_dataset_named_as_given_is_still_read_absolute(home):
    """The plan resolved for messages naming ``data`` reads and records the folder absolute."""
    base = next(run for run in grid.plan_grid(random_seeds=(), per_class=(4,)) if run.parent is None)
    options = {"data": str(home / "data"), "preset": "micro", "device": "cpu"}
    with grid_preflight.paths_named({options["data"]: "data"}):
        plan = grid_preflight.resolved_plan(base, home / "g", options)
    assert (plan.config.data, plan.named.data) == (str(home / "data"), "data")


def test_a_relative_source_data_holding_the_targets_classes_is_named_as_given(home):
    """grid_caveats.check_source_data named both datasets absolute."""
    done = CliRunner().invoke(main, ["experiment", "--data", "data", "--source-data", "./data", "-o", "g", "--dry-run",
                                     "--device", "cpu"])
    assert done.exit_code == 2, done.output
    assert "error: --source-data ./data and --data data are the same dataset" in done.output, done.output
