"""A grid's dataset copied to another path (a local disk, another machine's mount point), the folder it was
planned with still there: the grid's runs are judged by the dataset's fingerprint wherever it lies, and so
is now its plan, OUT/experiment.json. Before, a rerun with the copy said the plan was of "other options"
(--data old -> new) and replaced it, and a second experiment working on the folder at the same time with
its own copy of the dataset (a second machine on a shared disk) was refused as of other options."""

import shutil

import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import grid_check
from minitransfer.cli import main
from minitransfer.data import synthetic

GRID = ["--layers", "1", "--no-fine-tuned", "--preset", "micro", "--max-iter", "4", "--device", "cpu"]
OPTIONS = {"preset": "micro", "max_iter": 4, "device": "cpu"}


@pytest.fixture(scope="module")
def trained(micro_data, tmp_path_factory):
    """A grid of random split 0 trained on ``micro_data``, and a copy of that dataset elsewhere."""
    root = tmp_path_factory.mktemp("machine-a")
    out, copy = root / "grid", root / "scratch" / "data-copy"
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), *GRID])
    assert result.exit_code == 0, result.output
    shutil.copytree(micro_data, copy)
    return out, str(copy)


def test_a_rerun_with_a_copy_of_the_dataset_keeps_its_plan(trained, tmp_path):
    out = tmp_path / "grid"
    shutil.copytree(trained[0], out, symlinks=True)
    result = CliRunner().invoke(main, ["experiment", "--data", trained[1], "-o", str(out), *GRID])
    assert result.exit_code == 0, result.output
    assert "other options" not in result.output and "replaced by" not in result.output, result.output
    assert "4 of 4 runs already finished" in result.output


def test_another_experiment_at_work_with_a_copy_of_the_dataset_is_not_refused(trained, micro_data, tmp_path,
                                                                               monkeypatch):
    monkeypatch.setattr(grid_check, "others_at_work", lambda out: True)
    runs = grid.plan_grid(random_seeds=(3,), layers=(1,), fine_tuned=False)
    grid_check.check_at_work(runs, trained[0], dict(OPTIONS, data=trained[1]))  # no GridMismatch
    other = tmp_path / "other-images"  # the same classes and sizes, other images: another dataset
    synthetic.build_synthetic(other, classes=4, train_per_class=8, val_per_class=4, size=14, seed=2)
    with pytest.raises(grid_check.GridMismatch, match=r"another minitransfer experiment works on .*`data`"):
        grid_check.check_at_work(runs, trained[0], dict(OPTIONS, data=str(other)))
