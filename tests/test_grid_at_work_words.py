"""What a grid says of a plan of other options than its own, the plan of a grid at work on its folder
(:func:`minitransfer.grid_check.check_at_work`) or one it replaces (:func:`minitransfer.grid_plan.replaced_plan`):
the run it names is one of that plan, and an option neither grid gave (--stepsize, derived from --max-iter) is
not named beside the one it follows from. Before, the refusal of `--max-iter 300 --split-seed 5` beside a grid of
--max-iter 600 at work named random5/baseA, a run of the refused grid, and `stepsize` 133 -> 67 as a second
cause."""

import json
import re

import pytest

from minitransfer import experiment as grid
from minitransfer import grid_check, grid_plan, grid_plan_file

AT_WORK = grid.plan_grid(random_seeds=(0,), layers=(1,), fine_tuned=False)
REFUSED = grid.plan_grid(random_seeds=(5,), layers=(1,), fine_tuned=False)


def _options(data, **changed):
    return {"data": data, "preset": "micro", "max_iter": 600, "seed": 0, "device": "cpu", **changed}


def _refusal(out, data, **changed):
    with grid_check.GridLock(out, _options(data), log=lambda line: None) as lock:  # the grid at work
        grid_plan_file.write_plan(out, AT_WORK, _options(data), ["train"])
        lock.planned()
        with pytest.raises(grid_check.GridMismatch) as refused:
            grid_check.check_at_work(REFUSED, out, _options(data, max_iter=300, **changed))
    return str(refused.value)


def _base_named(said):
    """The run a message names after its list of changes: "...; run random0/baseA)" -> random0/baseA."""
    return re.search(r"\brun (\S+?)[,)]", said).group(1)


def test_a_grid_at_work_is_named_by_a_run_of_its_plan_and_the_option_given(micro_data, tmp_path):
    said = _refusal(tmp_path / "grid", micro_data)
    assert f"from its plan {tmp_path / 'grid' / grid.PLAN_FILE}, run " in said, said
    assert _base_named(said) in {run.name for run in AT_WORK}, said  # not random5/baseA, the refused grid's
    assert "`max_iter` 600 -> 300" in said and "stepsize" not in said, said


def test_a_derived_option_the_plan_at_work_gave_itself_is_named(micro_data, tmp_path):
    """--stepsize given by neither follows --max-iter; given by the refused grid, it is an option of its own."""
    said = _refusal(tmp_path / "grid", micro_data, stepsize=50)
    assert "`max_iter` 600 -> 300" in said and "`stepsize` 133 -> 50" in said, said


def test_a_replaced_plan_is_named_by_a_run_of_its_own_and_the_option_given(micro_data, tmp_path):
    out = tmp_path / "grid"
    grid_plan_file.write_plan(out, AT_WORK, _options(micro_data), ["train"])
    note = grid_plan.replaced_plan(REFUSED, out, _options(micro_data, max_iter=300))
    assert note.startswith(f"{out / grid.PLAN_FILE} planned runs with other options than this grid's ("), note
    assert _base_named(note) in {run.name for run in AT_WORK}, note
    assert "`max_iter` 600 -> 300" in note and "stepsize" not in note, note


def test_a_plan_at_work_listing_no_run_is_compared_on_one_of_this_grids_saying_so(micro_data, tmp_path):
    """Its runs cut from its plan by hand: compared on this grid's base, which the message says it does not list."""
    out = tmp_path / "grid"
    with grid_check.GridLock(out, _options(micro_data), log=lambda line: None) as lock:
        grid_plan_file.write_plan(out, AT_WORK, _options(micro_data), ["train"])
        plan = json.loads((out / grid.PLAN_FILE).read_text())
        (out / grid.PLAN_FILE).write_text(json.dumps(dict(plan, runs=[])))
        lock.planned()
        with pytest.raises(grid_check.GridMismatch) as refused:
            grid_check.check_at_work(REFUSED, out, _options(micro_data, max_iter=300))
    said = str(refused.value)
    assert _base_named(said) in {run.name for run in REFUSED} and f"{_base_named(said)}, which it does not list)" \
        in said, said
