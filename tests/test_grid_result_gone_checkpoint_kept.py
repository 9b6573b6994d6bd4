"""A grid's finished run whose result.json is gone (deleted, lost in a copy), its checkpoint kept at its last
iteration: its train (--resume) writes result.json from that checkpoint, training nothing, as it does for one
emptied. The dry run, the grid's start, its note and its end say so and count it apart from the runs trained, as
for an unreadable one. Before, the dry run said "[resume at iteration 4]", counted it "to train", and the grid
"[1/2] resume"d it and ended "2 trained". A checkpoint before the run's end is still a resume."""

import shutil

from click.testing import CliRunner
from test_experiment import names, trained_grid  # noqa: F401 (a fixture)

from minitransfer import checkpoint as checkpoints
from minitransfer import experiment as grid
from minitransfer import grid_rerun_notes, grid_status, results, scheduler
from minitransfer.cli import main


def _gone(trained_grid, tmp_path, *names_gone):  # noqa: F811
    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    for run in runs:
        if run.name in names_gone:
            (grid.run_dir(place, run) / "result.json").unlink()
    return place, runs, options


def test_the_dry_run_and_the_grid_write_it_again_training_nothing(trained_grid, tmp_path):  # noqa: F811
    place, runs, options = _gone(trained_grid, tmp_path, "random0/baseB")
    base = next(run for run in runs if run.name == "random0/baseB")
    saved = grid.run_dir(place, base) / grid.CHECKPOINT_FILE
    meta = checkpoints.read_meta(saved)
    assert meta["iteration"] == meta["config"]["max_iter"] == options["max_iter"]  # the case: at its last iteration
    dry = CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1",
                                    "--no-fine-tuned", "--max-iter", str(options["max_iter"]), "--device", "cpu",
                                    "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "  [result to write again] random0/baseB  (result.json gone: written again from its checkpoint)" \
        in dry.output, dry.output  # "unreadable" before, of a file not there
    assert "  [resume at iteration 2] random0/A1B" in dry.output, dry.output  # before its end: still a resume
    # baseA and B1B finished; A1B (checkpoint at 2 of 4) trained; baseB's result.json written, nothing trained
    assert f"4 runs in {place} (2 finished, 1 to resume):" in dry.output, dry.output
    assert "4 runs in 1 folder (random0 4): 2 finished, 1 to train, 1 result.json to write again from its " \
           "checkpoint\n" in dry.output, dry.output
    weights = grid.weights_path(place, base.name).read_bytes()
    lines = []
    outcome = scheduler.run_grid(runs, place, options, log=lines.append, poll_seconds=0.01)
    assert outcome.exit_code == 0, lines
    assert "2 of 4 runs already finished; 1 to run; 1 result.json to write again" in lines, lines
    assert "result.json written again from its checkpoint: random0/baseB, finished, whose result.json is gone" \
        in lines, lines
    assert "writing result.json of random0/baseB again from its checkpoint" in lines, lines
    assert not any("resume random0/baseB" in line or line.startswith("done random0/baseB") for line in lines), lines
    assert [line for line in lines if "] resume random0/A1B" in line][0].startswith("[1/1] "), lines
    assert outcome.written_again == ["random0/baseB"], lines
    assert outcome.summary().startswith("1 trained, 1 result.json written again, 2 already done, 0 failed"), \
        outcome.summary()
    assert grid.weights_path(place, base.name).read_bytes() == weights  # trained nothing
    finished, unfinished, left_out = results.collect(place)
    assert names(r.run for r in finished) == names(runs) and left_out == [], left_out


def test_the_note_tells_a_result_gone_from_one_that_cannot_be_read(trained_grid, tmp_path):  # noqa: F811
    """One gone, one emptied: "cannot read or is gone", the reason given the unreadable one's. Before, the note
    of a run whose result.json was not there read "report cannot read (None)"."""
    place, runs, options = _gone(trained_grid, tmp_path, "random0/baseA")
    (place / "random0" / "baseB.run" / "result.json").write_text("")
    pending = [run for run in runs if run.name in ("random0/baseA", "random0/baseB")]
    assert [grid_status.result_written_again(place, run) for run in pending] == [True, True]
    note = grid_rerun_notes.tried_again(pending, place)
    why = grid_status.unreadable_result(place, pending[1])
    assert note == (f"result.json written again from their checkpoints: random0/baseA, random0/baseB, finished, "
                    f"whose result.json report cannot read or is gone (e.g. random0/baseB: {why})"), note
    assert "None" not in note
