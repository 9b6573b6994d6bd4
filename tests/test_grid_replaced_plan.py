"""A grid folder's experiment.json edited by hand (another --max-iter) or damaged (emptied, not a JSON
object) is replaced by the grid's plan, with a note, which its dry run says too, as what the grid would do (it
writes nothing). Before, the dry run said nothing, and a damaged plan was replaced without a word; then it said
"replaced by this grid's plan" of the plan it left as it was."""

import json
import shutil

import pytest
from click.testing import CliRunner
from test_experiment import trained_grid  # noqa: F401 (a fixture)

from minitransfer import scheduler
from minitransfer.cli import main


@pytest.mark.parametrize("damage, said", [
    ("max-iter", "planned runs with other options than this grid's ("),
    ("emptied", "could not be read (not valid JSON: empty, truncated or corrupt): what it held "),
    ("a-list", "could not be read (not a JSON object): what it held "),
])
def test_an_edited_or_damaged_plan_is_said_replaced_by_the_dry_run_as_by_the_grid(trained_grid, tmp_path,  # noqa: F811
                                                                                  damage, said):
    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    plan = place / "experiment.json"
    recorded = json.loads(plan.read_text())
    if damage == "max-iter":
        recorded["options"]["max_iter"] = options["max_iter"] * 2
        plan.write_text(json.dumps(recorded))
    else:
        plan.write_text("" if damage == "emptied" else "[]")
    before = plan.read_bytes()
    arguments = ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1", "--no-fine-tuned",
                 "--max-iter", str(options["max_iter"]), "--device", "cpu", "--dry-run"]
    dry = CliRunner().invoke(main, arguments)
    assert dry.exit_code == 0, dry.output
    noted = [line for line in dry.output.splitlines() if line.startswith(f"note: {plan} ")]
    assert len(noted) == 1 and said in noted[0] and noted[0].endswith(" would be replaced by this grid's plan"), \
        dry.output
    assert plan.read_bytes() == before  # a dry run writes nothing
    lines = []
    assert scheduler.run_grid(runs, place, options, log=lines.append, poll_seconds=0.01).exit_code == 0, lines
    ran = [line for line in lines if line.startswith(f"note: {plan} ")]  # options in the library's words (`max_iter`)
    assert len(ran) == 1 and said in ran[0] and ran[0].endswith(" is replaced by this grid's plan"
                                                                if damage != "max-iter" else
                                                                "): replaced by this grid's plan"), lines
    if damage == "max-iter":
        change = f"max_iter {options['max_iter'] * 2} -> {options['max_iter']}"
        assert f"--{change.replace('_', '-')}" in noted[0] and f"`{change.replace(' ', '` ', 1)}" in ran[0]
    else:
        assert ran == [noted[0].replace(" would be replaced ", " is replaced ")]  # otherwise word for word
    assert json.loads(plan.read_text())["options"]["max_iter"] == options["max_iter"]  # the grid's plan now


@pytest.mark.parametrize("edit", ["emptied-object", "runs-cut"])
def test_a_plan_edited_to_hold_less_is_said_replaced_by_the_dry_run_and_the_grid(trained_grid, tmp_path,  # noqa: F811
                                                                                edit):
    """`echo '{}' > OUT/experiment.json`, or its runs cut to 2, reads as JSON with the grid's options (or
    none): the grid rewrote it without a word, where its help says such a plan is written again with a
    note. The note names what the file lacks: its options and runs, or the planned runs it no longer lists."""
    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    plan = place / "experiment.json"
    recorded = json.loads(plan.read_text())
    planned = [record["name"] for record in recorded["runs"]]
    if edit == "emptied-object":
        plan.write_text("{}\n")
        said = ["no `options`", "no `runs`"]
    else:
        plan.write_text(json.dumps({**recorded, "runs": recorded["runs"][:2]}))
        cut = [name for name in planned[2:] if (place / f"{name}.run" / "treatment.json").is_file()]
        assert cut  # the fixture planned a third run
        said = [f"{len(cut)} run{'s' if len(cut) > 1 else ''} it planned no longer listed: {', '.join(cut)}"]
    arguments = ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1", "--no-fine-tuned",
                 "--max-iter", str(options["max_iter"]), "--device", "cpu"]
    for dry_run in (["--dry-run"], []):
        result = CliRunner().invoke(main, arguments + dry_run)
        assert result.exit_code == 0, result.output
        noted = [line for line in result.output.splitlines() if line.startswith(f"note: {plan} ")]
        assert len(noted) == 1, result.output
        replaced = "would be replaced by it" if dry_run else "replaced by it"  # the dry run writes nothing
        assert noted[0].endswith(f"does not hold this grid's plan ({'; '.join(said)}): {replaced}"), noted
    assert {run.name for run in runs} <= {record["name"] for record in json.loads(plan.read_text())["runs"]}
    again = CliRunner().invoke(main, arguments)  # the plan the grid wrote: nothing to say
    assert again.exit_code == 0 and f"note: {plan} " not in again.output, again.output
