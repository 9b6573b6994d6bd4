"""A resumed run's RunLogError carries its remedy (train's: start over with `overwrite=True`, or restore the file),
kept apart from what it refuses, so that the grid, whose train has no --overwrite, says its own (delete the run
folder) by the error's structure. Before, the grid replaced resumed_logs.RECOVER's words in the message's text: a
remedy reworded would silently have kept advising --overwrite, which a grid's train does not take."""

import errno
import shutil

import pytest
from test_experiment import trained_grid  # noqa: F401 (a fixture)

from minitransfer import experiment as grid
from minitransfer import fileio, grid_status
from minitransfer.resumed_logs import RunLogError, unlogged_evaluations

TRAIN_REMEDY = "start the run over (`overwrite=True`), or restore the file"  # the words tests pin
HEADER = [(1, "iteration,top1,top5,loss")]


def _rows(*iterations):
    return [(number + 2, {"iteration": done, "top1": 0.5, "top5": 0.9, "loss": 1.0}, None)
            for number, done in enumerate(iterations)]


@pytest.mark.parametrize("first, rows, refused", [
    ([(1, "a,b")], _rows(2), "eval.csv: the header is 'a,b', not 'iteration,top1,top5,loss'; its rows cannot be "
                             "trusted"),
    (HEADER, _rows(2, 2, 4), "eval.csv has rows at iteration 2 that the run did not write (a row repeated, out of "
                             "order, or at an iteration it did not evaluate); result.json would count them"),
    (HEADER, _rows(4), "eval.csv lacks the evaluations at iteration 2, made before the checkpoint at 4 (their "
                       "weights are gone, they cannot be redone)")])
def test_the_error_says_what_it_refuses_then_its_remedy_which_another_can_replace(first, rows, refused):
    with pytest.raises(RunLogError) as error:
        unlogged_evaluations("eval.csv", 4, [2, 4], first, rows)
    fix = "remove them, or " if "has rows" in refused else ""  # the rows the run did not write: removing them too
    assert str(error.value) == f"{refused}: {fix}{TRAIN_REMEDY}"
    assert str(error.value.with_remedy("delete it")) == f"{refused}: {fix}delete it"
    assert error.value.remedy == TRAIN_REMEDY and isinstance(error.value.with_remedy("x"), RunLogError)


def _interrupted(trained_grid, tmp_path):  # noqa: F811
    source, runs, _ = trained_grid
    place = shutil.copytree(source, tmp_path / "grid")
    return place, next(each for each in runs if each.name == "random0/A1B")  # interrupted: a checkpoint


def test_the_grid_says_its_own_remedy_whatever_words_trains_has(trained_grid, tmp_path, monkeypatch):  # noqa: F811
    """A refusal whose train remedy is worded otherwise than today's: the grid still says to delete the run
    folder, not the train's words (the text replacement kept them)."""
    place, run = _interrupted(trained_grid, tmp_path)
    folder = grid.run_dir(place, run)
    refusal = RunLogError(f"{folder / 'eval.csv'}: its header is wrong", "rerun with `overwrite=True` instead")
    monkeypatch.setattr(grid_status, "resume_refused", lambda run_folder, meta: refusal)
    status = grid_status.run_status(place, run)
    said = (f"{folder / 'eval.csv'}: its header is wrong: delete {folder} to train it from the start, or restore "
            f"the file")
    assert (status.kind, status, status.why) == (grid_status.NOT_RESUMABLE, f"not resumable: {said}", said)


def test_an_eval_csv_that_cannot_be_read_is_said_as_it_is(trained_grid, tmp_path, monkeypatch):  # noqa: F811
    """An I/O refusal (exit 74) has no train remedy to replace: the grid says it as info does."""
    place, run = _interrupted(trained_grid, tmp_path)
    refusal = fileio.StorageError(errno.EACCES, "cannot read x/eval.csv: Permission denied")
    monkeypatch.setattr(grid_status, "resume_refused", lambda run_folder, meta: refusal)
    assert grid_status.run_status(place, run) == "not resumable: cannot read x/eval.csv: Permission denied"
