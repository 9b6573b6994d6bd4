"""A grid rerun on its folder with a subset of what an earlier plan there listed (fewer layers or
split seeds): the runs it does not plan are left as they are, and the grid says so, with how each
stands, rather than pass them by without a word (an unfinished one stayed so unnoticed)."""

import fcntl
import os

from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import grid_check, grid_plan_file, scheduler
from minitransfer.cli import main

FULL = grid.plan_grid(layers=(1, 2), fine_tuned=False, selffer=False)  # random0/baseA, baseB, A1B, A2B


def _notes(lines):
    return [line for line in lines if line.startswith("note: ")]


def test_a_grid_rerun_with_fewer_layers_says_which_runs_it_leaves_alone(micro_data, tmp_path):
    out = tmp_path / "grid"
    options = {"data": str(micro_data), "max_iter": 4, "seed": 0, "device": "cpu", "preset": "micro"}
    assert [run.name for run in FULL] == ["random0/baseA", "random0/baseB", "random0/A1B", "random0/A2B"]
    # as --emit-slurm plans, never submitted
    grid_plan_file.write_plan(out, FULL, options, grid.default_train_command())
    lines = []
    outcome = scheduler.run_grid(FULL[:3], out, options, log=lines.append, poll_seconds=0.01)
    assert outcome.finished == ["random0/baseA", "random0/baseB", "random0/A1B"]
    assert _notes(lines) == [f"note: {out} holds 1 run of an earlier plan that this grid does not plan (other layers), "
                             f"left as it is: 1 not started (random0/A2B); the report of "
                             f"{out} reads the finished ones with this grid's; to train it, rerun with the --layers "
                             f"option that planned it"]

    lines.clear()
    outcome = scheduler.run_grid([*FULL[:2], FULL[3]], out, options, log=lines.append, poll_seconds=0.01)
    assert (outcome.finished, outcome.skipped) == (["random0/A2B"], ["random0/baseA", "random0/baseB"])
    assert _notes(lines) == [f"note: {out} holds 1 run of an earlier plan that this grid does not plan (other layers), "
                             f"left as it is: 1 finished (random0/A1B); the report of "
                             f"{out} reads the finished ones with this grid's"]

    lines.clear()
    assert scheduler.run_grid(FULL, out, options, log=lines.append, poll_seconds=0.01).skipped == [
        run.name for run in FULL]
    assert _notes(lines) == []  # the whole plan again: nothing left alone

    command = ["experiment", "--data", str(micro_data), "-o", str(out), "--layers", "2", "--no-fine-tuned",
               "--preset", "micro", "--max-iter", "4", "--device", "cpu"]
    for dry_run in (["--dry-run"], []):  # the note on stderr, with the command's other notes (it was on stdout)
        result = CliRunner().invoke(main, command + dry_run)
        assert result.exit_code == 0, result.output
        notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
        assert len(notes) == 1 and "left as it is: 1 finished (random0/A1B)" in notes[0], (dry_run, result.stderr)
        assert "note:" not in result.stdout and "random0/B2B" in result.stdout, (dry_run, result.stdout)


def test_runs_left_alone_while_another_experiment_works_on_the_folder_are_not_said_to_need_a_rerun(tmp_path):
    """Another grid (other layers) at work on the folder trains them: no advice to rerun for them."""
    out = tmp_path / "grid"
    options = {"data": "/data/synthetic", "max_iter": 4, "seed": 0, "device": "cpu", "preset": "micro"}
    grid_plan_file.write_plan(out, FULL, options, ["train"])
    assert grid_check.left_alone(FULL[:3], out).endswith("to train it, rerun with the --layers option that planned "
                                                         "it")
    descriptor = os.open(out / grid_check.GridLock.WORKING, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH)  # as that grid holds it
        said = grid_check.left_alone(FULL[:3], out)
    finally:
        os.close(descriptor)
    assert "1 not started (random0/A2B)" in said
    assert said.endswith(f"; another experiment works on {out} now, which may train it"), said
