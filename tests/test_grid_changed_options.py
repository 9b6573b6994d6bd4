"""A grid folder rerun with other options than those it was planned or trained with: what the grid
says names the option the user changed, and a plan nothing was trained from is replaced, saying so."""

import fcntl
import json
import os
import sys

import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import grid_check, grid_options, grid_plan_file, scheduler, slurm
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
    return {"data": datasets["target"], grid_options.SOURCE_DATA: datasets[source], "preset": "micro", "max_iter": 4,
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
    grid_plan_file.write_plan(out, CROSS_RUNS, _options(datasets), ["train"])
    descriptor = os.open(out / grid_check.GridLock.WORKING, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH)  # as that grid holds it
        with pytest.raises(grid_check.GridMismatch) as refused:
            grid_check.check_at_work(CROSS_RUNS, out, _options(datasets, "other-source"))
    finally:
        os.close(descriptor)
    assert f"--source-data {datasets['source']!r} -> {datasets['other-source']!r}" in str(refused.value)
    assert "`data`" not in str(refused.value)


def test_a_plan_written_for_slurm_and_replaced_by_one_of_other_options_says_its_scripts_are_stale(datasets,
                                                                                                   tmp_path):
    """--emit-slurm wrote the plan and the scripts; nothing has trained yet. The grid rerun with
    another --source-data replaced the plan's options without a word, while the tasks of the first
    scripts (queued, or submitted later) would train with the earlier ones. Nothing trained from
    the plan, it is still replaced (as after a grid stopped before its first checkpoint), saying so:
    written again where the scripts go to the same folder, stale where they do not."""
    out, first, second = tmp_path / "grid", tmp_path / "slurm", tmp_path / "slurm-2"
    failing = [sys.executable, "-c", "raise SystemExit(1)"]
    notes = []
    slurm.emit_slurm(CROSS_RUNS, out, first, _options(datasets), train_command=failing, progress=notes.append)
    planned = _plan(out)[grid.PLAN_ID]  # the first scripts' tasks train while OUT's plan has this id
    slurm.emit_slurm(CROSS_RUNS, out, first, _options(datasets), train_command=failing, progress=notes.append)
    assert notes == [] and _plan(out)[grid.PLAN_ID] == planned  # the same plan again
    changed = (f"{out / grid.PLAN_FILE} planned runs with other options than this grid's (--source-data "
               f"{datasets['source']!r} -> {datasets['other-source']!r}; run cross/baseS): "
               f"replaced by this grid's plan")
    slurm.emit_slurm(CROSS_RUNS, out, first, _options(datasets, "other-source"), train_command=failing,
                     progress=notes.append)
    assert notes == [f"note: {changed}; its SLURM scripts in {first} are written again, and their tasks still queued "
                     f"will end without training (exit 2): cancel them (scancel; {first / 'submitted.txt'} lists "
                     f"them) before running {first / 'submit.sh'}"]
    assert _planned_source(out) == datasets["other-source"] and _plan(out)[grid.PLAN_ID] != planned
    notes.clear()
    slurm.emit_slurm(CROSS_RUNS, out, second, _options(datasets), train_command=failing, progress=notes.append)
    assert _plan(out)[grid.PLAN_ID] == planned  # the first options again: the first scripts' tasks may train
    assert len(notes) == 1 and f"; the SLURM scripts written for it in {first} are stale: their tasks still queued " \
                               f"will end without training (exit 2), and their submit.sh submits nothing; cancel " \
                               f"them" in notes[0], notes
    lines = []
    scheduler.run_grid(CROSS_RUNS, out, _options(datasets, "other-source"), train_command=failing, log=lines.append,
                       poll_seconds=0.01)
    assert lines[0].startswith(f"note: {changed}; the SLURM scripts written for it in {second} are stale"), lines
    assert _planned_source(out) == datasets["other-source"] and grid.SLURM_SCRIPTS not in _plan(out)
    assert _plan(out)[grid.PLAN_ID] != planned  # a local grid replaced it: the tasks of both scripts train nothing


def _plan(out):
    return json.loads((out / grid.PLAN_FILE).read_text())


def _planned_source(out):
    return _plan(out)["options"][grid_options.SOURCE_DATA]
