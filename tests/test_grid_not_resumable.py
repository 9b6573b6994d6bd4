"""A grid's interrupted run whose resume its run folder refuses (its eval.csv damaged) is not promised a resume:
its train refuses it, as ``info`` says ("not resumable: REASON"), and so do the grid's run_status, its dry run
and report's plan. Before, they said "resume at iteration 2" of it; the grid then started its train, which
failed."""

import re
import shutil

from click.testing import CliRunner
from test_experiment import trained_grid  # noqa: F401 (a fixture)

from minitransfer import checkpoint as checkpoints
from minitransfer import experiment as grid
from minitransfer import grid_status, report_plan, scheduler
from minitransfer.cli import main

INTERRUPTED = "random0/A1B"  # the fixture's transfer, interrupted at iteration 2 with a checkpoint


def _damaged(trained_grid, tmp_path):  # noqa: F811
    """A copy of the trained grid whose interrupted run's eval.csv has another header; (place, run, options)."""
    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    run = next(each for each in runs if each.name == INTERRUPTED)
    (grid.run_dir(place, run) / "eval.csv").write_text("damaged,by,hand\n")
    return place, run, options


def test_a_run_whose_eval_csv_its_resume_refuses_is_said_not_resumable(trained_grid, tmp_path):  # noqa: F811
    place, run, options = _damaged(trained_grid, tmp_path)
    folder = grid.run_dir(place, run)
    info = CliRunner().invoke(main, ["info", str(folder / grid.CHECKPOINT_FILE)])
    reason = re.search(r"\(not resumable: (.*)\)\n", info.output)
    assert reason, info.output  # the oracle: why the resume is refused, in info's words
    # a grid's train has no --overwrite: its words say to delete the run folder (they said --overwrite)
    reason = reason.group(1).replace("start the run over (--overwrite)", f"delete {folder} to train it from the start")
    assert "--overwrite" not in reason and f"delete {folder} to train it from the start" in reason, reason
    refused = CliRunner().invoke(main, ["train", *grid.train_arguments(run, place, options)])  # the grid's command
    assert refused.exit_code == 65, refused.output  # the resume is refused indeed

    status = grid_status.run_status(place, run)
    assert status == f"not resumable: {reason}"
    saved = checkpoints.read_meta(folder / grid.CHECKPOINT_FILE)["iteration"]
    assert (status.kind, status.iteration) == (grid_status.NOT_RESUMABLE, saved)
    dry = CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1",
                                    "--no-fine-tuned", "--max-iter", str(options["max_iter"]), "--device", "cpu",
                                    "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"  [not resumable: {reason}] {INTERRUPTED}  (after random0/baseA)\n" in dry.output, dry.output
    assert "resume at iteration" not in dry.output and "to resume" not in dry.output, dry.output
    _, _, states = report_plan.unfinished_states(place / "random0", ["A1B"])
    assert report_plan.said_of(states) == [f"A1B (not resumable: {reason})"]


def test_an_interrupted_runs_status_has_its_checkpoints_iteration(trained_grid, tmp_path):  # noqa: F811
    source, runs, options = trained_grid
    run = next(each for each in runs if each.name == INTERRUPTED)
    saved = checkpoints.read_meta(grid.run_dir(source, run) / grid.CHECKPOINT_FILE)["iteration"]
    status = grid_status.run_status(source, run)
    assert (status.kind, status.iteration, status) == (grid_status.RESUME, saved, f"resume at iteration {saved}")
    _, _, states = report_plan.unfinished_states(source / "random0", ["A1B"])
    assert report_plan.said_of(states) == [f"A1B (resumable at iteration {saved})"]


def test_a_finished_run_whose_result_and_eval_csv_are_damaged_is_not_said_written_again(
        trained_grid, tmp_path):  # noqa: F811
    """Its checkpoint at its end, its result.json emptied: its train would write it again from there, but its
    resume is refused for its eval.csv too; the grid says so, and neither its dry run nor its start says the
    result.json is written again."""
    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    run = next(each for each in runs if each.name == "random0/baseB")
    folder = grid.run_dir(place, run)
    (folder / "result.json").write_text("")
    (folder / "eval.csv").write_text("damaged,by,hand\n")
    refused = CliRunner().invoke(main, ["train", *grid.train_arguments(run, place, options)])
    assert refused.exit_code == 65, refused.output  # the oracle: its train writes nothing again
    status = grid_status.run_status(place, run)
    assert status.kind == grid_status.NOT_RESUMABLE and status.startswith("not resumable: "), status
    assert not grid_status.result_written_again(place, run)


def test_the_grid_says_it_tries_a_run_not_resumable_and_its_train_refuses_it(trained_grid, tmp_path):  # noqa: F811
    """The grid runs the train of a run not resumable, which refuses it (exit 65): its start line says so, with the
    dry run's words for it; before, "[1/1] start RUN on CPU", as a fresh run is said."""
    place, run, options = _damaged(trained_grid, tmp_path)
    _, runs, _ = trained_grid
    status = grid_status.run_status(place, run)  # the dry run's words for it, tested above
    lines = []
    outcome = scheduler.run_grid(runs, place, options, log=lines.append, poll_seconds=0.01)
    assert outcome.exit_code == 65, lines  # its train was run, and refused it
    assert any(line.startswith(f"FAILED {INTERRUPTED} (exit 65)") for line in lines), lines
    assert f"[1/1] try {INTERRUPTED} on CPU ({status}): its train refuses to resume it" in lines, lines
    assert not any(line.startswith(f"[1/1] start {INTERRUPTED}") for line in lines), lines
