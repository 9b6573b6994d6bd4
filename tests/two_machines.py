"""One grid trained on two machines, each on its own copy of the dataset at another path: machine A's at n = 1,
machine B's at n = 2 (the same options and seed; train is deterministic, so B's bases are A's networks, though each
weights file records its own paths). Built once per test process and shared, read-only, by the tests of
relocation and base identity (tests/test_relocation_identity*.py, test_report_base_identity.py,
test_relocated_merged_grids.py), which each trained the same two grids for themselves before: a test copies what
it changes."""

import shutil

from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import synthetic

GRID = ["--no-fine-tuned", "--preset", "micro", "--max-iter", "4", "--device", "cpu"]
_BUILT = {}


def train_grid(root, machine, layers):
    """root/machine/data: the dataset (4 classes); root/machine/grid: the grid at ``layers``, trained there."""
    data = str(root / machine / "data")
    synthetic.build_synthetic(data, classes=4, train_per_class=8, val_per_class=4, size=14, seed=1)
    result = CliRunner().invoke(main, ["experiment", "--data", data, "-o", str(root / machine / "grid"),
                                       "--layers", layers, *GRID])
    assert result.exit_code == 0, result.output


def two_machines(tmp_path_factory):
    """A folder holding a/ (data, grid: n = 1) and b/ (data, grid: n = 2), trained once per test process."""
    key = str(tmp_path_factory.getbasetemp())
    if key not in _BUILT:
        root = tmp_path_factory.mktemp("machines")
        train_grid(root, "a", "1")
        train_grid(root, "b", "2")
        _BUILT[key] = root
    return _BUILT[key]


def gathered(tmp_path_factory):
    """runs/monday: a copy of machine A's grid; runs/tuesday: of machine B's, gathered for one report."""
    machines = two_machines(tmp_path_factory)
    runs = tmp_path_factory.mktemp("gathered") / "runs"
    shutil.copytree(machines / "a" / "grid", runs / "monday")
    shutil.copytree(machines / "b" / "grid", runs / "tuesday")
    return runs
