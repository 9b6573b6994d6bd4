"""The runs planned and not started in a folder of gathered grids (:func:`planned_in_grids`): a course's
or a lab's study, each machine's grid copied into one folder (``report class`` over class/alice/grid,
class/bob/grid), its plan (experiment.json) in each grid's folder below the one reported, not above it.
"""

import os
import pathlib

from minitransfer.experiment import PLAN_FILE
from minitransfer.report_plan import planned_not_started
from minitransfer.run_labels import name_order


def planned_in_grids(grids):
    """The names (below the folder reported, as the report names runs) of the runs without a run folder that the
    plans of ``grids`` name (:func:`minitransfer.report_plan.planned_not_started`): the grid the folder reported is
    or lies in, and each grid gathered below it (a folder holding experiment.json: a copy of another machine's
    grid), its path below the folder reported before each name: a grid copied without some of its runs says which
    are missing, as it says reported alone. ``grids``: :func:`minitransfer.report_plan.grids_of` the folder and
    :func:`gathered_grids` of it, as the report walked it once and read each plan once."""
    names = set()
    for grid in grids:
        names.update(planned_not_started(None, grid))
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
