"""What a report says of the runs not finished: where each stands (resumable at iteration N, not
started, stopped before its first checkpoint, as a rerun of the grid finds it,
:func:`minitransfer.grid_status.run_status`), which a process trains now and which failed
(:func:`unfinished_states`), and the runs the grid's plan (experiment.json, in the folder reported
or a folder above it) names that have no run folder at all (:func:`planned_not_started`), which no
search of the folder finds: their folders deleted, or a plan whose folders were never made.
Of a grid run by its SLURM scripts: a failed run's error line is the train's, not srun's line after it
(:func:`minitransfer.grid_status.last_log_line`), with submit.sh to rerun; a transfer whose base failed or
stopped waits for submit.sh (:func:`_waiting_words`). Each grid's plan, that of the grid the folder reported is
or lies in and those of the grids gathered below it, is read once for all of these (:func:`grids_of`), and each
grid with runs not finished or planned gets the command that finishes it (:func:`finish_notes`).
"""

import dataclasses
import os
import pathlib
import types

from minitransfer import grid_status, run_networks, stopping
from minitransfer.data import inputs
from minitransfer.experiment import LOG_FILE, PLAN_FILE, SLURM_SCRIPTS
from minitransfer.finish_command import experiment_command
from minitransfer.config_wording import option_name
from minitransfer.grid_options import SOURCE_DATA
from minitransfer.grid_plan import options_of, text_of
from minitransfer.grid_plan_file import read_plan, records_of
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


@dataclasses.dataclass(eq=False)  # each grid itself, by identity: a key of the runs it plans
class Grid:
    """A grid whose runs lie under the folder reported (:func:`grids_of`): its ``folder``, its ``plan`` as read
    once for the whole report (:func:`minitransfer.grid_plan_file.read_plan`: None where it cannot be read),
    ``within``, what its plan's names start with for the runs under the folder reported ("random0/" where
    GRID/random0 is reported, else ""), and ``shown``, what the report's names of its runs start with ("" for the
    grid the folder reported is or lies in, "sweep1/" for one gathered below it, a copy of another machine's)."""

    folder: pathlib.Path
    plan: dict
    within: str
    shown: str

    def __post_init__(self):
        self._names = {record["name"] for record in records_of(self.plan)}

    def planned(self, shown_name):
        """Whether the run the report names ``shown_name`` is one its plan names."""
        return shown_name.startswith(self.shown) and self.within + shown_name[len(self.shown):] in self._names


def grids_of(runs_dir, gathered=()):
    """The grids whose runs lie under ``runs_dir``: the one it is or lies in (:func:`grid_folder`), first, and each
    of ``gathered`` (:func:`minitransfer.report_pooled.gathered_grids`, below it), each a :class:`Grid` whose plan
    is read here, once for the whole report: its planned runs, its SLURM scripts, the command that finishes it and
    whether it is a demo's were each read from experiment.json again."""
    runs_dir = pathlib.Path(runs_dir)
    grids = []
    grid = grid_folder(runs_dir)
    if grid is not None:
        below = runs_dir.resolve().relative_to(grid).as_posix()  # as grid_folder found it
        grids.append(Grid(grid, read_plan(grid), "" if below == "." else f"{below}/", ""))
    return grids + [Grid(folder, read_plan(folder), "", f"{folder.relative_to(runs_dir).as_posix()}/")
                    for folder in gathered]


def finish_notes(runs_dir, names, grids):
    """"to finish them, run: minitransfer experiment ..." for the runs ``names`` (not finished or planned, as the
    report names them under ``runs_dir``) where one grid of ``grids`` (:func:`grids_of`) plans every one: its
    command, rebuilt from its plan (:func:`minitransfer.finish_command.experiment_command`), said once beside
    them. Where they are of several grids (grids gathered below the folder reported, runs trained by hand beside
    one), "to finish those of the grid in FOLDER, run: ..." for each grid planning some of them, naming its own
    folder. Empty for runs trained by hand or a plan no one command makes, which keep the words said beside them
    alone (:func:`planned_words`)."""
    owners = [_owner(grids, name) for name in names]
    notes = []
    for grid in (grid for grid in grids if grid in owners):  # in the order of their folders
        finish = _finish_words(grid)
        if finish is None:
            continue
        if owners.count(grid) == len(owners):
            return [f"to finish them, {finish}"]
        folder = grid.folder if not grid.shown else pathlib.Path(runs_dir) / grid.shown
        notes.append(f"to finish those of the grid in {inputs.path_text(folder)}, {finish}")
    return notes


def _finish_words(grid):
    """How the runs of ``grid`` not finished are finished: "run: minitransfer experiment ..." (its command, rebuilt
    from its plan); for a grid written for SLURM, "rerun bash SCRIPTS/submit.sh ...", which submits them to the
    cluster, that command said after it as the way to train them on this machine instead. Before, a SLURM grid's
    report gave the command alone (with the plan's --device: trained where report runs), its submit.sh said only
    beside a failed run. None where neither is there."""
    command = experiment_command(grid.folder.absolute(), grid.plan)  # pasted anywhere: not as given
    here = None if command is None else f"run{_data_elsewhere(grid.plan)}: {command}"
    scripts = text_of(grid.plan, SLURM_SCRIPTS)
    if scripts is None:
        return here
    instead = "" if here is None else f"; or, to train them on this machine instead, {here}"
    return f"rerun {run_networks.submit_command(scripts)} (it submits those not finished to SLURM again){instead}"


def _data_elsewhere(plan):
    """" (its --data /x/data is not here: ...)" where the dataset folders the grid's ``plan`` records are not on this
    machine (a grid copied from another, its dataset elsewhere here), said before its command, whose --data was
    refused as pasted ("Path '/x/data' does not exist"); "" where they are there."""
    options = options_of(plan) or {}
    gone = [f"{option_name(name)} {inputs.path_text(options[name])}" for name in ("data", SOURCE_DATA)
            if isinstance(options.get(name), str) and not os.path.isdir(options[name])]
    if not gone:
        return ""
    it = "it" if len(gone) == 1 else "them"
    return (f" (its {' and '.join(gone)} {'is' if len(gone) == 1 else 'are'} not on this machine: a grid copied from "
            f"another? change {it} to the dataset's folder here)")


def _owner(grids, name):
    """The grid of ``grids`` whose plan names the run the report names ``name``, the deepest one gathered where
    several would; None for a run trained by hand."""
    planning = [grid for grid in grids if grid.planned(name)]
    return max(planning, key=lambda grid: len(grid.shown), default=None)


def planned_not_started(runs_dir, grid=None):
    """The names (below ``runs_dir``, as the report names runs) of the runs the plan of ``grid`` (a :class:`Grid`
    of :func:`grids_of`; where None, the grid ``runs_dir`` is or lies in: :func:`grid_folder`) names under
    ``runs_dir`` that have no run folder: neither started nor left behind, in none of the report's lists before.
    One whose folder cannot be looked for (a split folder this user may not read or enter) is none of them: the
    report names that folder left out, and said every run in it "planned, not started" beside it
    (:func:`_no_folder`)."""
    if grid is None:
        grid = next(iter(grids_of(runs_dir)), None)
        if grid is None:
            return []
    names, rerun = [], _rerun_words(grid)
    for record in records_of(grid.plan):
        name = record["name"]
        if name.startswith(grid.within) and _no_folder(grid.folder / f"{name}.run"):
            names.append(PlannedRun(grid.shown + name[len(grid.within):], rerun))
    return sorted(set(names), key=name_order)


class PlannedRun(str):
    """The name of a run a grid plans that has no run folder, as the report names it (:func:`planned_not_started`),
    with ``rerun``, how its grid trains it (:func:`_rerun_words`), said beside it (:func:`planned_words`); to all
    else, the name itself."""

    def __new__(cls, name, rerun):
        planned = super().__new__(cls, name)
        planned.rerun = rerun
        return planned

    def __getnewargs__(self):  # copied or pickled, its words kept
        return str(self), self.rerun


def _rerun_words(grid):
    """How the runs ``grid`` plans without a folder are trained: "rerun bash SCRIPTS/submit.sh to train it" for a
    grid written for SLURM (``experiment --emit-slurm``), whose submit.sh submits every run not finished, as the
    command that finishes the grid says (:func:`_finish_words`) and info of such a run (its folder there) says;
    :data:`RERUN_GRID` for another. Before, :data:`RERUN_GRID` of a SLURM grid's too, beside the line naming its
    submit.sh as the way to finish them."""
    scripts = text_of(grid.plan, SLURM_SCRIPTS)
    return RERUN_GRID if scripts is None else f"rerun {run_networks.submit_command(scripts)} to train it"


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
    first ``shown`` of them (every one where None), and "N more" followed by ``more_said`` for the rest, then how
    their grid trains them (:class:`PlannedRun`'s ``rerun``: a SLURM grid's submit.sh, another's experiment
    command; :data:`RERUN_GRID` for a name given as a plain str). Of runs of grids trained apart (a SLURM grid
    gathered beside one trained here), each grid's words follow the names of its runs shown."""
    named = list(names[:shown])
    more = [f"{len(names) - len(named)} more{more_said}"] * (len(names) > len(named))
    every = {_rerun_of(name) for name in names}
    if len(every) <= 1:
        return f"planned, not started: {', '.join(named + more)} ({next(iter(every), RERUN_GRID)})"
    grouped = {}  # each grid's words: the names shown of its runs, in their order
    for name in named:
        grouped.setdefault(_rerun_of(name), []).append(name)
    said = [f"{', '.join(group)} ({rerun})" for rerun, group in grouped.items()]
    return f"planned, not started: {', '.join(said + more)}"


def _rerun_of(name):
    return getattr(name, "rerun", RERUN_GRID)


def said_of(states):
    """"name (state)" of each run of ``states`` ({name: state}, :func:`unfinished_states`), in their order."""
    return [f"{name} ({state})" for name, state in states.items()]


def unfinished_states(runs_dir, unfinished, grids=None):
    """(training, failed, states) of the ``unfinished`` runs under ``runs_dir``, each run's lock and
    train.log read once for all three (:func:`_standing`): the names of those a process trains now (it
    holds the run's lock: :func:`minitransfer.run_lock.holder`); "name: error line (see its train.log)"
    for those whose train ended on an error (the last line of its train.log, which experiment writes;
    one trained by hand has none), which a rerun alone will not finish; and {name: state} of each,
    where it stands as a rerun of the grid finds it. The others were stopped or not yet started: a
    rerun of the grid continues them. Of a grid written for SLURM (:func:`_slurm_of`), a failed run's line
    ends with its submit.sh to rerun, and a transfer not started whose base is not finished says what it waits
    for (:func:`_waiting_words`). ``grids``: :func:`grids_of` ``runs_dir`` and the grids gathered below it, their
    plans read once for the report (where None, the grid ``runs_dir`` is or lies in, read here)."""
    training, failed, states = [], [], {}
    standings = {name: _standing(runs_dir, name) for name in unfinished}
    grids = grids_of(runs_dir) if grids is None and unfinished else grids or []
    scripts = {grid: _slurm_of(grid) for grid in grids}
    for name, (state, error) in standings.items():
        owner = max((grid for grid in grids if name.startswith(grid.shown)), key=lambda grid: len(grid.shown),
                    default=None)
        slurm = scripts.get(owner)
        if state == TRAINING_NOW:
            training.append(name)
        elif error is not None:
            rerun = f"; then rerun {slurm.submit}" if slurm is not None else ""
            failed.append(f"{name}: {error} (see {pathlib.Path(runs_dir) / f'{name}.run' / LOG_FILE}){rerun}")
        if slurm is not None and state == NOT_STARTED and name in slurm.parent:
            state = _waiting_words(slurm, name, standings)
        states[name] = state
    return training, failed, states


def _slurm_of(grid):
    """The SLURM scripts of the :class:`Grid` ``grid``, where its plan was written for them (``experiment
    --emit-slurm``): ``submit`` (the command that submits its runs), ``parent`` (each planned transfer's base,
    named as the report names runs); None for any other grid."""
    scripts = text_of(grid.plan, SLURM_SCRIPTS)
    if scripts is None:
        return None
    parent = {}
    for record in records_of(grid.plan):  # the plan read once, not read again
        name, base = record.get("name"), record.get("parent")
        if isinstance(name, str) and isinstance(base, str) and name.startswith(grid.within):
            shown = grid.shown + name[len(grid.within):]
            parent[shown] = grid.shown + base[len(grid.within):] if base.startswith(grid.within) else base
    return types.SimpleNamespace(submit=run_networks.submit_command(scripts), parent=parent)


def _waiting_words(slurm, name, standings):
    """The standing of the transfer ``name`` of a SLURM grid (:func:`_slurm_of`), not started, whose base is not
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
    (:func:`minitransfer.run_networks.checkpoint_missing`: it was said to have stopped before its first; one that
    trained to its end, its files gone, without its grid's command, which the finish line gives once:
    :func:`minitransfer.run_networks.files_gone_words`), or SLURM's kill of it for its memory limit, a failure
    (:func:`minitransfer.grid_status.error_line`),
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
    error = grid_status.error_line(folder, last)  # or SLURM's kill of it for its memory limit, with what to do
    if error is not None:
        return "failed", error
    if status.kind == grid_status.RESUME:
        return f"resumable at iteration {status.iteration}", None
    if status.kind != grid_status.TODO:
        return status.words, None
    if stopping.NOTHING_WRITTEN in last or not (last or (folder / CONFIG_FILE).exists()):
        return NOT_STARTED, None
    # trained to its end, its files gone: said without the grid's command, which its finish line gives once
    return run_networks.checkpoint_missing(folder, command=False) or "stopped before its first checkpoint", None


def training_now(training):
    """", 2 training now" where processes train some of the unfinished runs (``training``), else ""."""
    return f", {len(training)} training now" if training else ""
