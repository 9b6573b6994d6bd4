"""What a report says of the runs not finished: where each stands (resumable at iteration N, not
started, stopped before its first checkpoint, as a rerun of the grid finds it,
:func:`minitransfer.grid_status.run_status`), which a process trains now and which failed
(:func:`unfinished_standings`), and the runs the grid's plan (experiment.json, in the folder reported
or a folder above it) names that have no run folder at all (:func:`planned_not_started`), which no
search of the folder finds: their folders deleted, or a plan whose folders were never made.
"""

import os
import pathlib
import types

from minitransfer import grid_status, run_networks, stopping
from minitransfer.experiment import LOG_FILE, PLAN_FILE
from minitransfer.grid_plan_file import planned_records
from minitransfer.rundir import nearest_above
from minitransfer.run_labels import name_order
from minitransfer.treatments import CONFIG_FILE

NOT_STARTED = "not started"
TRAINING_NOW = "training now"
RERUN_GRID = "rerun the grid's experiment command to train it"


def grid_folder(runs_dir):
    """The grid folder of ``runs_dir``: the folder holding experiment.json, ``runs_dir`` itself or
    the nearest above it (GRID/random0 is a split of GRID), along ``runs_dir`` resolved
    (:func:`minitransfer.rundir.nearest_above`); None for runs trained by hand."""
    return nearest_above(runs_dir, lambda folder: (folder / PLAN_FILE).is_file())


def planned_not_started(runs_dir):
    """The names (below ``runs_dir``, as the report names runs) of the runs the grid's plan names
    (:func:`grid_folder`, :func:`minitransfer.grid_plan_file.planned_records`) under ``runs_dir``
    that have no run folder: neither started nor left behind, in none of the report's lists before."""
    grid = grid_folder(runs_dir)
    if grid is None:
        return []
    below = pathlib.Path(runs_dir).resolve().relative_to(grid).as_posix()  # as grid_folder found it
    prefix = "" if below == "." else f"{below}/"
    names = []
    for record in planned_records(grid):
        name = record["name"]
        if name.startswith(prefix) and not os.path.lexists(grid / f"{name}.run"):
            names.append(name[len(prefix):])
    return sorted(set(names), key=name_order)


def planned_words(names, shown=None, more_said=""):
    """"planned, not started: NAMES (rerun ...)" for the planned runs ``names`` without a folder: the
    first ``shown`` of them (every one where None), and "N more" followed by ``more_said`` for the rest."""
    named = list(names[:shown])
    if len(names) > len(named):
        named.append(f"{len(names) - len(named)} more{more_said}")
    return f"planned, not started: {', '.join(named)} ({RERUN_GRID})"


def unfinished_standings(runs_dir, unfinished):
    """(training, failed, said) of the ``unfinished`` runs under ``runs_dir``, each run's lock and
    train.log read once for all three (:func:`_standing`): the names of those a process trains now (it
    holds the run's lock: :func:`minitransfer.run_lock.holder`); "name: error line (see its train.log)"
    for those whose train ended on an error (the last line of its train.log, which experiment writes;
    one trained by hand has none), which a rerun alone will not finish; and "name (state)" of each,
    where it stands as a rerun of the grid finds it. The others were stopped or not yet started: a
    rerun of the grid continues them."""
    training, failed, said = [], [], []
    for name in unfinished:
        state, error = _standing(runs_dir, name)
        if state == TRAINING_NOW:
            training.append(name)
        elif error is not None:
            failed.append(f"{name}: {error} (see {pathlib.Path(runs_dir) / f'{name}.run' / LOG_FILE})")
        said.append(f"{name} ({state})")
    return training, failed, said


def _standing(runs_dir, name):
    """(state, error) of the unfinished run ``name`` under ``runs_dir``, its lock and train.log read
    once for both. Its state, briefly: "training now", "failed", "resumable at iteration N" (its
    checkpoint), "not started" (its folder as the grid's plan made it, or its train stopped as it
    started), its checkpoint.h5 missing where its logs show it wrote one
    (:func:`minitransfer.run_networks.checkpoint_missing`: it was said to have stopped before its first),
    "stopped before its first checkpoint" (killed, or interrupted in its start-up), or what
    :func:`minitransfer.grid_status.run_status` says of a checkpoint that cannot be resumed or weights
    without one; its error, the error line its train.log ends on, or None."""
    folder = pathlib.Path(runs_dir) / f"{name}.run"
    try:
        status = grid_status.run_status(runs_dir, types.SimpleNamespace(name=name))  # it reads the name alone
    except OSError as error:  # a folder that cannot be read
        return f"cannot be read: {error.strerror or error}", None
    if status.kind == grid_status.BEING_TRAINED:
        return TRAINING_NOW, None
    last = grid_status.last_log_line(folder)  # read once: the error it ended on and, for a run to do, how it stopped
    if grid_status.error_line(folder, last) is not None:
        return "failed", last
    if status.kind == grid_status.RESUME:
        return f"resumable at iteration {status.iteration}", None
    if status.kind != grid_status.TODO:
        return status.words, None
    if stopping.NOTHING_WRITTEN in last or not (last or (folder / CONFIG_FILE).exists()):
        return NOT_STARTED, None
    return run_networks.checkpoint_missing(folder) or "stopped before its first checkpoint", None


def training_now(training):
    """", 2 training now" where processes train some of the unfinished runs (``training``), else ""."""
    return f", {len(training)} training now" if training else ""
