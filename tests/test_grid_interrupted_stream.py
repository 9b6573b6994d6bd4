"""Where a stopped grid says how to go on: `experiment ... > log` exited 75 with nothing on the
terminal, its "interrupted: ..." line on stdout with the grid's course, where every other command says
it on stderr. It goes to ``progress`` (the command line's stderr) where there is one, else to the log."""

import types

from minitransfer import scheduler
from minitransfer.grid_outcome import GridInterrupted
from minitransfer.grid_progress import StoppingLog


def stopped_runner(log):
    return types.SimpleNamespace(log=StoppingLog(log), moved_away=lambda: None)


def test_a_stopped_grid_tells_progress_how_to_go_on_not_its_course():
    course, progress = [], []
    error = scheduler._interrupted(stopped_runner(course.append), progress.append)
    assert isinstance(error, GridInterrupted) and course == []
    assert progress == ["interrupted: repeat the same call to finish the grid: it keeps the runs finished and resumes "
                        "those stopped from their checkpoints"]


def test_without_progress_the_log_is_told():
    course = []
    scheduler._interrupted(stopped_runner(course.append), None)
    assert [line.split(":", 1)[0] for line in course] == ["interrupted"]


def test_a_progress_that_raises_is_the_error_raised_once_the_runs_are_counted():
    def progress(line):
        raise ValueError("a notebook's progress failed")

    error = scheduler._interrupted(stopped_runner([].append), progress)
    assert isinstance(error, ValueError)
