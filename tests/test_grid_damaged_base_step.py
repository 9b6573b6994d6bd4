"""The grid's end names the step that mends a base whose weights file cannot be read (cut short since it finished):
"delete random0/baseA.h5 in the grid's folder", said as bad_checkpoint.py says a damaged checkpoint's step; the step
taken as said, a rerun trains every run. Before, the line said "replace it", naming no step to take."""

import re

from minitransfer import scheduler
from minitransfer.grid_outcome import GridOutcome

import test_grid_damaged_base_weights as damaged_weights
from test_grid_damaged_base_weights import _copy, _grid

bases = damaged_weights.bases  # the fixture: a grid folder whose two bases finished, trained once for the module


def _step_files(line):
    """The files the line's step says to delete, relative to the grid's folder; [] where it names no such step."""
    step = re.search(r"delete (\S+\.h5(?: and \S+\.h5)*) in the grid's folder", line)
    return step.group(1).split(" and ") if step else []


def test_the_step_named_for_a_base_whose_weights_are_cut_short_mends_the_grid(bases, micro_data, tmp_path):
    out = _copy(bases, tmp_path)
    weights = out / "random0" / "baseA.h5"
    weights.write_bytes(weights.read_bytes()[:1000])
    runs, options = _grid(micro_data)
    outcome = scheduler.run_grid(runs, out, options, log=lambda line: None, poll_seconds=0.01)
    assert outcome.blocked and set(outcome.damaged) == {"random0/baseA"}
    said = outcome.not_run()
    assert _step_files(said) == ["random0/baseA.h5"], said
    assert "replace" not in said
    for name in _step_files(said):
        (out / name).unlink()
    again = scheduler.run_grid(runs, out, options, log=lambda line: None, poll_seconds=0.01)
    assert (again.failed, again.blocked, again.exit_code) == ([], [], 0)
    assert set(outcome.failed) | set(outcome.blocked) <= set(again.finished) and again.damaged == {}


def test_the_step_names_each_damaged_base_once_in_the_words_of_a_damaged_checkpoint():
    outcome = GridOutcome([], [], [], {"random0/A2B": "random0/baseA", "random0/A3B": "random0/baseA",
                                       "random1/B2B": "random1/baseB", "random0/B2A": "random0/baseB"},
                          damaged={"random0/baseA": "cut short", "random1/baseB": "cut short"})
    said = outcome.not_run()
    unfinished, damaged = sorted(said.split("; "), key=lambda line: "cannot be read" in line)
    assert _step_files(damaged) == ["random0/baseA.h5", "random1/baseB.h5"], said
    assert _step_files(unfinished) == [] and "did not finish" in unfinished
