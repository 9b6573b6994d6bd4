"""What a report says of the runs not finished: where each stands (resumable at iteration N, not
started, stopped before its first checkpoint, as a rerun of the grid finds it,
:func:`minitransfer.grid_status.run_status`), which a process trains now and which failed
(:func:`unfinished_states`), and the runs the grid's plan (experiment.json, in the folder reported
or a folder above it) names that have no run folder at all (:func:`planned_not_started`), which no
search of the folder finds: their folders deleted, or a plan whose folders were never made.
Of a grid run by its SLURM scripts: a failed run's error line is the train's, not srun's line after it
(:func:`minitransfer.grid_status.last_log_line`), with submit.sh to rerun; a transfer whose base failed or
stopped waits for submit.sh (:func:`_waiting_words`).
"""

import os
import pathlib
import shlex
import types

from minitransfer import grid_status, run_networks, stopping
from minitransfer.experiment import LOG_FILE, PLAN_FILE, SLURM_SCRIPTS
from minitransfer.finish_command import experiment_command
from minitransfer.grid_plan import text_of
from minitransfer.grid_plan_file import planned_records, read_plan, records_of
from minitransfer.rundir import nearest_above
from minitransfer.slurm_plan import SUBMIT_FILE
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


def finish_note(runs_dir):
    """"to finish them, run: minitransfer experiment ..." for the runs not finished or planned under ``runs_dir``:
    the command of the grid it is or lies in, rebuilt from its plan
    (:func:`minitransfer.finish_command.experiment_command`), said once beside them; None for runs trained by hand
    or a plan no one command makes, which keep :data:`RERUN_GRID`'s words alone."""
    grid = grid_folder(runs_dir)
    command = None if grid is None else experiment_command(grid)
    return None if command is None else f"to finish them, run: {command}"


def planned_not_started(runs_dir):
    """The names (below ``runs_dir``, as the report names runs) of the runs the grid's plan names
    (:func:`grid_folder`, :func:`minitransfer.grid_plan_file.planned_records`) under ``runs_dir``
    that have no run folder: neither started nor left behind, in none of the report's lists before. One whose
    folder cannot be looked for (a split folder this user may not read or enter) is none of them: the report
    names that folder left out, and said every run in it "planned, not started" beside it (:func:`_no_folder`)."""
    grid = grid_folder(runs_dir)
    if grid is None:
        return []
    below = pathlib.Path(runs_dir).resolve().relative_to(grid).as_posix()  # as grid_folder found it
    prefix = "" if below == "." else f"{below}/"
    names = []
    for record in planned_records(grid):
        name = record["name"]
        if name.startswith(prefix) and _no_folder(grid / f"{name}.run"):
            names.append(name[len(prefix):])
    return sorted(set(names), key=name_order)


def _no_folder(path):
    """Whether ``path`` is not there: not where it cannot be told (a folder above it this user may not enter:
    ``os.path.lexists`` says False there too)."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:  # it cannot be told
        pass
    return False


def planned_words(names, shown=None, more_said=""):
    """"planned, not started: NAMES (rerun ...)" for the planned runs ``names`` without a folder: the
    first ``shown`` of them (every one where None), and "N more" followed by ``more_said`` for the rest."""
    named = list(names[:shown])
    if len(names) > len(named):
        named.append(f"{len(names) - len(named)} more{more_said}")
    return f"planned, not started: {', '.join(named)} ({RERUN_GRID})"


def said_of(states):
    """"name (state)" of each run of ``states`` ({name: state}, :func:`unfinished_states`), in their order."""
    return [f"{name} ({state})" for name, state in states.items()]


def unfinished_states(runs_dir, unfinished):
    """(training, failed, states) of the ``unfinished`` runs under ``runs_dir``, each run's lock and
    train.log read once for all three (:func:`_standing`): the names of those a process trains now (it
    holds the run's lock: :func:`minitransfer.run_lock.holder`); "name: error line (see its train.log)"
    for those whose train ended on an error (the last line of its train.log, which experiment writes;
    one trained by hand has none), which a rerun alone will not finish; and {name: state} of each,
    where it stands as a rerun of the grid finds it. The others were stopped or not yet started: a
    rerun of the grid continues them. Of a grid written for SLURM (:func:`_slurm_grid`), a failed run's line
    ends with its submit.sh to rerun, and a transfer not started whose base is not finished says what it waits
    for (:func:`_waiting_words`)."""
    training, failed, states = [], [], {}
    standings = {name: _standing(runs_dir, name) for name in unfinished}
    slurm = _slurm_grid(runs_dir) if unfinished else None
    for name, (state, error) in standings.items():
        if state == TRAINING_NOW:
            training.append(name)
        elif error is not None:
            rerun = f"; then rerun {slurm.submit}" if slurm is not None else ""
            failed.append(f"{name}: {error} (see {pathlib.Path(runs_dir) / f'{name}.run' / LOG_FILE}){rerun}")
        if slurm is not None and state == NOT_STARTED and name in slurm.parent:
            state = _waiting_words(slurm, name, standings)
        states[name] = state
    return training, failed, states


def _slurm_grid(runs_dir):
    """The SLURM scripts of the grid above ``runs_dir`` (:func:`grid_folder`), where its plan was written for them
    (``experiment --emit-slurm``): ``submit`` (the command that submits its runs), ``parent`` (each planned
    transfer's base, named as the report names runs under ``runs_dir``); None for any other folder."""
    grid = grid_folder(runs_dir)
    plan = read_plan(grid) if grid is not None else None
    scripts = text_of(plan, SLURM_SCRIPTS)
    if scripts is None:
        return None
    below = pathlib.Path(runs_dir).resolve().relative_to(grid).as_posix()
    prefix = "" if below == "." else f"{below}/"
    parent = {}
    for record in records_of(plan):  # the plan read above, not read again
        name, base = record.get("name"), record.get("parent")
        if isinstance(name, str) and isinstance(base, str) and name.startswith(prefix):
            parent[name[len(prefix):]] = base[len(prefix):] if base.startswith(prefix) else base
    submit = f"bash {shlex.quote(os.path.join(scripts, SUBMIT_FILE))}"
    return types.SimpleNamespace(submit=submit, parent=parent)


def _waiting_words(slurm, name, standings):
    """The standing of the transfer ``name`` of a SLURM grid (:func:`_slurm_grid`), not started, whose base is not
    finished either (in ``standings``): its task, queued after its base's (afterok), never starts once that one
    failed or was cancelled: SLURM leaves it pending (DependencyNeverSatisfied) until submit.sh, rerun, cancels
    it and submits it again after a new task of its base. Before, "not started", as if it would start. A base
    stopped without an error may be requeued (exit 75 at its time limit, its node failed), its transfers' tasks
    waiting as planned: which of the two, squeue says, not the folder (it was said to wait for submit.sh). A base
    not started may be queued, or its task ended before its train started (a node without the program: exit 74),
    its transfers' tasks still listed, waiting for good: squeue's listing of the base's task tells them apart."""
    base = slurm.parent[name]
    if base not in standings:  # finished: its task starts as SLURM schedules it
        return NOT_STARTED
    state, error = standings[base]
    if state == TRAINING_NOW:
        return f"{NOT_STARTED}: waits for its base {base}, training now"
    if error is not None:
        return (f"{NOT_STARTED}: its base {base} failed, so its SLURM task waits (DependencyNeverSatisfied) until "
                f"you rerun {slurm.submit}")
    if state == NOT_STARTED:  # its base's task queued, cancelled while pending, or ended before its train started
        return (f"{NOT_STARTED}: waits for its base {base}, not started either; where `squeue --array` no longer "
                f"lists the base's task (cancelled, or ended before its train started), rerun {slurm.submit}")
    return (f"{NOT_STARTED}: waits for its base {base}, {state}; where `squeue --array` no longer lists the base's "
            f"task (not requeued: cancelled, out of time or killed), its SLURM task waits (DependencyNeverSatisfied) "
            f"until you rerun {slurm.submit}")


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
