"""The runs planned and not started in a folder of gathered grids (:func:`planned_in_grids`): a course's
or a lab's study, each machine's grid copied into one folder (``report class`` over class/alice/grid,
class/bob/grid), its plan (experiment.json) in each grid's folder below the one reported, not above it.
"""

import os
import pathlib

from minitransfer.experiment import PLAN_FILE
from minitransfer.report_plan import planned_not_started
from minitransfer.run_labels import name_order


def planned_in_grids(runs_dir, gathered):
    """The names (below ``runs_dir``, as the report names runs) of the runs without a run folder that the
    plan of the grid ``runs_dir`` is or lies in names (:func:`minitransfer.report_plan.planned_not_started`),
    and those of each grid gathered below it (a folder holding experiment.json: a copy of another machine's
    grid), its path below ``runs_dir`` before each name: a grid copied without some of its runs says which are
    missing, as it says reported alone. Run folders are not looked into, links to folders not followed (a
    second name of a grid, whose runs are read once). ``gathered``: :func:`gathered_grids` of ``runs_dir``, as the
    report walked it once for this and Table 1's note on a demo."""
    runs_dir = pathlib.Path(runs_dir)
    names = set(planned_not_started(runs_dir))
    for grid in gathered:
        below = grid.relative_to(runs_dir).as_posix()
        names.update(f"{below}/{name}" for name in planned_not_started(grid))
    return sorted(names, key=name_order)


def gathered_grids(runs_dir):
    """The folders below ``runs_dir`` (not it) that hold a grid's plan (experiment.json): the grids gathered
    there, each a machine's copy. Run folders are not looked into, links to folders not followed."""
    runs_dir = pathlib.Path(runs_dir)
    for folder, subfolders, files in os.walk(runs_dir):
        subfolders[:] = sorted(name for name in subfolders if not name.endswith(".run"))
        here = pathlib.Path(folder)
        if here != runs_dir and PLAN_FILE in files:
            yield here
