"""A grid folder's experiment.json deleted by hand (or lost) while its run folders are there: the grid and
its dry run say it was missing and is (would be) written again from the options given, and what that means for the runs
there. Before, it was rewritten without a word (an edited or damaged one was noted: test_grid_replaced_plan)."""

import json
import shutil

from click.testing import CliRunner
from test_experiment import trained_grid  # noqa: F401 (a fixture)

from minitransfer import experiment as grid
from minitransfer import scheduler
from minitransfer.cli import main


def _arguments(options, place, *more):
    return ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1", "--no-fine-tuned",
            "--max-iter", str(options["max_iter"]), "--device", "cpu", *more]


def _noted(lines, plan):
    return [line for line in lines if line.startswith(f"note: {plan} ")]


def test_a_deleted_plan_is_said_missing_and_written_again_by_the_dry_run_and_the_grid(trained_grid,  # noqa: F811
                                                                                     tmp_path):
    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    plan = place / grid.PLAN_FILE
    plan.unlink()
    # the oracle: the fixture's runs whose folders hold the treatment.json a grid writes with its plan
    planned = [run for run in runs if (grid.run_dir(place, run) / grid.TREATMENT_FILE).exists()]
    assert planned  # the fixture ran a grid there
    copied = place / "old" / grid.run_dir(place, planned[0]).relative_to(place)  # a copy kept, no run the grid planned
    shutil.copytree(grid.run_dir(place, planned[0]), copied)
    dry = CliRunner().invoke(main, _arguments(options, place, "--dry-run"))
    assert dry.exit_code == 0, dry.output
    noted = _noted(dry.output.splitlines(), plan)
    assert len(noted) == 1, dry.output
    assert "is missing (deleted, or lost)" in noted[0] and ": it would be written again from this grid's options. " \
        in noted[0]  # the dry run writes nothing
    assert f"{len(planned)} run folders there" in noted[0] and "checked against the options each recorded" in noted[0]
    assert not plan.exists()  # a dry run writes nothing
    lines = []
    assert scheduler.run_grid(runs, place, options, log=lines.append, poll_seconds=0.01).exit_code == 0, lines
    # word for word, as what it did
    assert _noted(lines, plan) == [noted[0].replace(": it would be written again ", ": written again ")], lines
    assert json.loads(plan.read_text())["options"]["max_iter"] == options["max_iter"]  # written again
    again = CliRunner().invoke(main, _arguments(options, place, "--dry-run"))
    assert again.exit_code == 0 and not _noted(again.output.splitlines(), plan), again.output  # there now


def test_a_new_grid_says_no_plan_was_missing(trained_grid, tmp_path):  # noqa: F811
    _, runs, options = trained_grid
    place = tmp_path / "new"
    dry = CliRunner().invoke(main, _arguments(options, place, "--dry-run"))
    assert dry.exit_code == 0 and "missing" not in dry.output, dry.output
    place.mkdir()
    (place / "notes.txt").write_text("mine")  # a folder the user made for it
    lines = []
    outcome = scheduler.run_grid(runs[:1], place, {**options, "max_iter": 2}, log=lines.append, poll_seconds=0.01)
    assert outcome.exit_code == 0 and not any("missing" in line for line in lines), lines
