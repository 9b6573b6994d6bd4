"""A grid's run whose result.json report cannot read (emptied, truncated) is not finished for the grid
either: its dry run says its train writes it again from its checkpoint, and the grid does so, after which
report reads the run again. Before, the grid said "[done]" and "would train nothing", and report left the
run out, with the transfers measured against it. Its train trains nothing: the dry run, the grid's start line
and its end say so, and count it apart from the runs trained (before, "[todo]", "1 to train", "[1/1] start",
"1 trained")."""

import shutil

from click.testing import CliRunner
from test_experiment import names, trained_grid  # noqa: F401 (a fixture)

from minitransfer import results, scheduler
from minitransfer.cli import main
from minitransfer.left_out import UnreadableRun


def test_an_emptied_result_json_is_written_again_by_the_grid_and_read_by_report(trained_grid, tmp_path):  # noqa: F811
    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    result = place / "random0" / "baseB.run" / "result.json"
    result.write_text("")
    try:
        results.read_run(result.parent)
        raise AssertionError("report reads an empty result.json")
    except UnreadableRun:
        pass
    arguments = ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1", "--no-fine-tuned",
                 "--max-iter", str(options["max_iter"]), "--device", "cpu", "--dry-run"]
    dry = CliRunner().invoke(main, arguments)
    assert dry.exit_code == 0, dry.output
    assert "  [result to write again] random0/baseB  (result.json unreadable: written again from its checkpoint)\n" \
        in dry.output, dry.output
    assert f"4 runs in {place} (2 finished, 1 to resume):" in dry.output, dry.output
    # baseA and B1B finished, A1B to resume (trained), baseB's result.json written again (not trained)
    assert "4 runs in 1 folder (random0 4): 2 finished, 1 to train, 1 result.json to write again from its " \
           "checkpoint\n" in dry.output, dry.output
    lines = []
    outcome = scheduler.run_grid(runs, place, options, log=lines.append, poll_seconds=0.01)
    assert outcome.exit_code == 0, lines
    assert "random0/baseB" in outcome.finished and "random0/baseB" not in outcome.skipped, lines
    assert "writing result.json of random0/baseB again from its checkpoint" in lines, lines
    assert not any("start random0/baseB" in line or line.startswith("done random0/baseB") for line in lines), lines
    assert any(line.startswith("wrote result.json of random0/baseB again") for line in lines), lines
    assert [line for line in lines if "] resume random0/A1B" in line][0].startswith("[1/1] "), lines  # baseB unnumbered
    assert outcome.written_again == ["random0/baseB"], lines
    assert outcome.summary().startswith("1 trained, 1 result.json written again, 2 already done, 0 failed"), \
        outcome.summary()
    assert any(line.startswith("result.json written again from its checkpoint: random0/baseB") for line in lines), lines
    assert results.read_run(result.parent).run.name == "baseB"
    finished, unfinished, left_out = results.collect(place)
    assert names(r.run for r in finished) == names(runs) and left_out == [], left_out


def test_of_several_results_written_again_the_reason_given_is_one_runs(trained_grid, tmp_path):  # noqa: F811
    """The note names the run whose reason it gives, as an example. Before, the first run's reason read as if
    it applied to all of them."""
    from minitransfer import grid_rerun_notes, grid_status
    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    for name in ("baseA", "baseB"):
        (place / "random0" / f"{name}.run" / "result.json").write_text("")
    pending = [run for run in runs if run.name in ("random0/baseA", "random0/baseB")]
    note = grid_rerun_notes.tried_again(pending, place)
    first = grid_status.unreadable_result(place, pending[0])
    assert f"(e.g. {pending[0].name}: {first})" in note, note
