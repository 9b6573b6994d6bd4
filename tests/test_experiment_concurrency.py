"""Two ``minitransfer experiment`` processes on one grid folder at once. The test itself plays the
other process, holding :class:`minitransfer.grid_folder.GridLock` as a grid planning or working
there does, so nothing races."""

import json
import subprocess
import sys
import threading

import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import grid_check, grid_plan_file, scheduler

GRID = ["experiment", "--layers", "1", "--no-fine-tuned", "--max-iter", "4", "--device", "cpu"]


def _options(data, **changed):
    return {"data": data, "max_iter": 4, "seed": 0, "device": "cpu", **changed}


def _planned(out):
    return [record["name"] for record in json.loads((out / grid.PLAN_FILE).read_text())["runs"]]


@pytest.mark.parametrize("extra, says", [
    (["--max-iter", "6"], "(--max-iter 4 -> 6; from its plan"),
    (["--split-seed", "1", "--max-iter", "6"], "(--max-iter 4 -> 6; from its plan"),
    (["--seed", "3"], "(--seed 0 -> 3 (the grid's); from its plan"),
], ids=["same-runs-other-schedule", "other-runs-other-schedule", "same-runs-other-seed"])
def test_a_grid_started_with_other_options_while_one_works_on_its_folder_is_refused(micro_data, tmp_path, extra,
                                                                                   says):
    """Both started at once on a fresh folder: neither found a run of the other trained, so both
    passed the check of the folder's runs and trained two schedules (or two seeds of one network)
    into one grid, which its report pooled. The second is refused, before anything is written,
    by the grid, its dry run and its SLURM scripts; once the first has ended, the folder is judged
    by its runs alone again."""
    from minitransfer.cli import main

    out = tmp_path / "grid"
    first = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    with grid_check.GridLock(out, _options(micro_data), log=lambda line: None) as lock:
        grid_plan_file.write_plan(out, first, _options(micro_data), ["train"])
        lock.planned()
        plan = (out / grid.PLAN_FILE).read_bytes()
        for more in ([], ["--dry-run"], ["--emit-slurm", str(tmp_path / "slurm")]):
            result = CliRunner().invoke(main, [*GRID, "--data", micro_data, "-o", str(out), *extra, *more])
            assert result.exit_code == 2, result.output
            assert f"another minitransfer experiment works on {out} now, with other options" in result.output
            assert says in result.output and "Traceback" not in result.output, result.output
            assert (out / grid.PLAN_FILE).read_bytes() == plan and not (tmp_path / "slurm").exists()
            assert not list(out.glob("*/*.h5"))
    result = CliRunner().invoke(main, [*GRID, "--data", micro_data, "-o", str(out), *extra, "--dry-run"])
    assert result.exit_code == 0, result.output


def test_a_grid_with_the_same_options_trains_beside_one_working_on_its_folder(micro_data, tmp_path):
    """Other split seeds and another training seed (each run has its own): both proceed, each run
    trained once, and the plan lists both grids' runs."""
    from minitransfer.cli import main

    out = tmp_path / "grid"
    first = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    with grid_check.GridLock(out, _options(micro_data), log=lambda line: None) as lock:
        grid_plan_file.write_plan(out, first, _options(micro_data), ["train"])
        lock.planned()
        result = CliRunner().invoke(main, [*GRID, "--data", micro_data, "-o", str(out), "--split-seed", "1",
                                           "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "4 trained, 0 already done, 0 failed; results in " in result.output, result.output
    assert _planned(out) == [f"random1/{name}" for name in ("baseA", "baseB", "B1B", "A1B")] + \
        [run.name for run in first]


def test_a_grid_started_while_another_plans_waits_and_both_plans_are_kept(micro_data, tmp_path):
    """The plan's read-merge-write of two grids at once: each read the plan before the other wrote
    it, and the last one written lost the other's runs. The second now waits, saying so, until the
    first has written its plan, then adds its runs to it and trains them."""
    out = tmp_path / "grid"
    first = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    second = grid.plan_grid(random_seeds=(1,), layers=(1,), fine_tuned=False, selffer=False)
    lines, helpers = [], []
    with grid_check.GridLock(out, _options(micro_data), log=lambda line: None) as lock:
        def plan_first():  # the other grid, once this one waits for it: its plan written, it works on
            lines.append(f"plan found while waiting: {(out / grid.PLAN_FILE).exists()}")
            grid_plan_file.write_plan(out, first, _options(micro_data), ["train"])
            lock.planned()

        def log(line):
            lines.append(line)
            if line.startswith("waiting for another minitransfer experiment") and not helpers:
                helpers.append(threading.Thread(target=plan_first))
                helpers[0].start()

        try:
            outcome = scheduler.run_grid(second, out, _options(micro_data), log=log, poll_seconds=0.01)
        finally:
            for helper in helpers:
                helper.join()
    assert helpers and "plan found while waiting: False" in lines, lines
    assert outcome.exit_code == 0 and sorted(outcome.finished) == sorted(run.name for run in second), lines
    assert _planned(out) == [run.name for run in second + first]


def test_a_plan_temporary_a_killed_grid_left_is_removed_by_the_next_plan(micro_data, tmp_path):
    """A grid killed (-9) while writing experiment.json left its temporary beside the intact plan, for
    good: the next grid planning there removes it."""
    from minitransfer.cli import main

    out = tmp_path / "grid"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out.mkdir()
    stale = out / f".{grid.PLAN_FILE}.tmp-{dead.pid}"
    stale.write_text('{"format": "minitransfer-exp')
    result = CliRunner().invoke(main, [*GRID, "--data", micro_data, "-o", str(out), "--emit-slurm",
                                       str(tmp_path / "slurm")])
    assert result.exit_code == 0, result.output
    assert not stale.exists() and len(_planned(out)) == 4


def test_a_grid_refused_while_planning_leaves_no_lock_files_behind(micro_data, tmp_path):
    """Its folder as it was: missing when it was missing, empty when it was empty."""
    for out in (tmp_path / "missing", tmp_path / "empty"):
        if out.name == "empty":
            out.mkdir()
        with pytest.raises(grid_check.GridMismatch):
            with grid_check.GridLock(out, _options(micro_data), log=lambda line: None):
                raise grid_check.GridMismatch("refused")
        assert out.exists() == (out.name == "empty") and not (out.exists() and list(out.iterdir()))


@pytest.mark.parametrize("record", [{"name": ["random7", "baseA"], "kind": "base", "split": "random", "split_seed": 7},
                                    {"name": "random7/baseA"}, "random7/baseA"],
                         ids=["name-not-text", "incomplete", "not-a-record"])
def test_a_hand_edited_record_in_the_plan_of_a_grid_at_work_does_not_hide_its_options(micro_data, tmp_path, record):
    """One record of OUT/experiment.json edited by hand (write_plan keeps an earlier grid's records
    that have a name) made the check of a grid at work a traceback, or skip the plan altogether: a
    grid with another schedule then trained into the folder beside it."""
    from minitransfer.cli import main

    out = tmp_path / "grid"
    first = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    with grid_check.GridLock(out, _options(micro_data), log=lambda line: None) as lock:
        grid_plan_file.write_plan(out, first, _options(micro_data), ["train"])
        plan = json.loads((out / grid.PLAN_FILE).read_text())
        (out / grid.PLAN_FILE).write_text(json.dumps(dict(plan, runs=plan["runs"] + [record])))
        lock.planned()
        result = CliRunner().invoke(main, [*GRID, "--data", micro_data, "-o", str(out), "--max-iter", "6",
                                           "--dry-run"])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert f"another minitransfer experiment works on {out} now, with other options" in result.output
