"""A grid folder rerun with other options than those it was planned or trained with: what the grid
says names the option the user changed, and a plan nothing was trained from is replaced, saying so."""

import fcntl
import os

import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import grid_check, scheduler
from minitransfer.data import synthetic

CROSS_RUNS = grid.plan_grid(random_seeds=(), layers=(1,), fine_tuned=False, selffer=False, cross=True)


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    """Two source datasets and a target of other classes than either: {name: path as a string}."""
    folder = tmp_path_factory.mktemp("cross-data")
    made = {}
    for name, classes, seed in (("source", 4, 1), ("other-source", 8, 3), ("target", 6, 2)):
        synthetic.build_synthetic(folder / name, classes=classes, train_per_class=8, val_per_class=4, size=14,
                                  seed=seed)
        made[name] = str(folder / name)
    return made


def _options(datasets, source="source"):
    return {"data": datasets["target"], grid.SOURCE_DATA: datasets[source], "preset": "micro", "max_iter": 4,
            "seed": 0, "device": "cpu"}


def test_a_source_base_trained_on_another_source_dataset_names_source_data_not_data(datasets, tmp_path):
    """cross/baseS trained from --source-data X, the grid rerun with --source-data Y: refused as
    "--data 'X' -> 'Y'", an option the user had not changed (the target's --data was the same)."""
    from minitransfer.cli import main

    out = tmp_path / "grid"
    assert scheduler.run_grid(CROSS_RUNS[:1], out, _options(datasets), log=lambda line: None,
                              poll_seconds=0.01).exit_code == 0
    result = CliRunner().invoke(main, ["experiment", "--data", datasets["target"], "--source-data",
                                       datasets["other-source"], "-o", str(out), "--layers", "1", "--no-fine-tuned",
                                       "--max-iter", "4", "--device", "cpu", "--dry-run"])
    assert result.exit_code == 2, result.output
    assert (f"cross/baseS.run was trained with other options than this grid asks for (--source-data "
            f"{datasets['source']!r} -> {datasets['other-source']!r} (another dataset") in result.output, result.output
    assert "--data '" not in result.output


def test_a_grid_at_work_from_another_source_dataset_is_named_by_source_data(datasets, tmp_path):
    """The same change refused while another grid works on the folder (its plan tells its options)."""
    out = tmp_path / "grid"
    grid.write_plan(out, CROSS_RUNS, _options(datasets), ["train"])
    descriptor = os.open(out / grid_check.GridLock.WORKING, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH)  # as that grid holds it
        with pytest.raises(grid_check.GridMismatch) as refused:
            grid_check.check_at_work(CROSS_RUNS, out, _options(datasets, "other-source"))
    finally:
        os.close(descriptor)
    assert f"--source-data {datasets['source']!r} -> {datasets['other-source']!r}" in str(refused.value)
    assert "`data`" not in str(refused.value)
