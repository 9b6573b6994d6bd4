"""The plan of a grid as its dry run shows it (:func:`describe_plan`): one line per run, where it stands
(:func:`minitransfer.grid_status.run_status`) and what its train does with it, then its train command; what to do
before a train takes a run it would refuse (:func:`first_step`).
"""

import os
import pathlib
import shlex
import time

from minitransfer import checkpoint as checkpoints
from minitransfer import models
from minitransfer.progress import dated
from minitransfer.bad_checkpoint import bad_checkpoint_step
from minitransfer.experiment import CHECKPOINT_FILE, LOG_FILE, run_dir, some_names, train_arguments, weights_path
from minitransfer.grid_status import (BAD_CHECKPOINT, BEING_TRAINED, DONE, NOT_RESUMABLE, RESULT_LOST, RESUME, TODO,
                                      TRIED, WEIGHTS_ALONE, WRITE_AGAIN, error_line, network_gone, result_lost,
                                      run_status)
from minitransfer.rundir import RESULT_FILE


GONE = "weights file and checkpoint gone: trained again, replacing its result.json"
WRITTEN_AGAIN = "written again from its checkpoint"


def _last_try(folder):
    """"its last try failed (2026-12-07 10:42 +00:00): error: ...": :func:`error_line` dated by its train.log, or
    None. Before, "failed before: error: OUT/random0/B1B.h5 exists ...", undated, read as current, that file gone."""
    error = error_line(folder)
    try:
        when = dated(time.localtime((folder / LOG_FILE).stat().st_mtime)) if error else None
    except OSError:  # gone since it was read
        return None
    return f"its last try failed ({when}): {error}" if error else None


def checkpoint_refused(log):
    """Whether the run whose train.log is ``log`` (None: not known) has a checkpoint.h5 beside it that cannot be
    read, as :func:`minitransfer.grid_status.run_status` judges a bad checkpoint (its train refuses it)."""
    path = None if log is None else pathlib.Path(log).parent / CHECKPOINT_FILE
    if path is None or not path.is_file():  # none (read_meta says "not found" as a CheckpointError)
        return False
    try:
        checkpoints.read_meta(path)
    except checkpoints.CheckpointError:
        return True
    except OSError:  # gone, or unreadable now: not that
        return False
    return False


# What a dry run adds to a run whose train the grid runs and which refuses it (TRIED): its exit code, what to do
_REMEDIES = {BAD_CHECKPOINT: (65, lambda out, run: bad_checkpoint_step(run_dir(out, run)),
                             "to train {it} from the start"),
             WEIGHTS_ALONE: (2, lambda out, run: f"move {weights_path(out, run.name)} away", "to train {it} again")}


def first_step(out, run, kind, runs=(), copies=None):
    """What to do before a train of ``run``, of status ``kind``, takes it ("move OUT/random0/B1B.h5 away"); None
    where its train takes it as it stands (or where no step makes it: :data:`NOT_RESUMABLE`, whose train says why).
    A base whose weights file is moved away is another network once trained again: the files of its transfers
    among ``runs`` (:func:`transfers_there`) go with it, "move OUT/random0/baseA.h5 away, and with it the files of
    random0/A1B, which copied from it (OUT/random0/A1B.run, OUT/random0/A1B.h5)". Before, the weights file alone,
    and the grid then refused, exit 2: "A1B copied ... restore baseA.h5, or delete random0/A1B too". ``copies``:
    :func:`transfers_there` of ``run``, where the caller looked (None: looked at here)."""
    if kind not in _REMEDIES:
        return None
    return _step(out, run, kind, _copies(out, run, kind, runs) if copies is None else copies)


def _copies(out, run, kind, runs):
    """The files of ``run``'s transfers among ``runs`` that go with its weights file (:func:`transfers_there`),
    where ``kind`` is :data:`WEIGHTS_ALONE`; else none."""
    return transfers_there(out, run, runs) if kind == WEIGHTS_ALONE else {}


def _step(out, run, kind, copies):
    """:func:`first_step` of ``run``, of status ``kind`` (one of :data:`_REMEDIES`), with ``copies`` (:func:`_copies`)
    looked at once by its caller."""
    step = _REMEDIES[kind][1](out, run)
    if not copies:
        return step
    names = list(copies)
    files = ", ".join(str(path) for paths in copies.values() for path in paths)
    return f"{step}, and with it the files of {some_names(names)}, which copied from it ({files})"


def transfers_there(out, run, runs):
    """{name: its files}: the runs of ``runs`` that copy from ``run`` whose run folder or weights file is there
    (either left: a grid refuses the transfer copied from the base it replaces, or its train the weights file)."""
    copies = {}
    for other in (other for other in runs if other.parent == run.name):
        files = [path for path in (run_dir(out, other), weights_path(out, other.name)) if os.path.lexists(path)]
        if files:
            copies[other.name] = files
    return copies


def _refused(out, run, kind, runs=()):
    """"its train refuses to resume it, exit 65: delete OUT/random0/baseA.run to train it from the start": a dry
    run's words for ``run``, of status ``kind`` (one of :data:`_REMEDIES`), the transfers among ``runs`` as
    :func:`first_step` says them. Before, "[bad checkpoint] RUN" alone, counted among the runs to train, and the
    grid's run of it failed."""
    copies = _copies(out, run, kind, runs)  # looked at once: its step and its words agree
    return f"{TRIED[kind]}, exit {_REMEDIES[kind][0]}: {_step(out, run, kind, copies)}{',' if copies else ''} " \
           f"{_REMEDIES[kind][2].format(it='them' if copies else 'it')}"


# The statuses of the runs whose train the grid runs and which refuses them as they stand (TRIED, less the one it
# looks at again): each fails, and the runs that copy from it are not run (``not run RUN: its parent ... did not
# finish``)
REFUSED = (BAD_CHECKPOINT, WEIGHTS_ALONE, NOT_RESUMABLE)
_NOT_QUEUED = (DONE, RESULT_LOST, WRITE_AGAIN, BEING_TRAINED)  # grid_cost.NOT_TRAINED: counted apart, never waiting


def waiting_on_refused(runs, statuses):
    """{name: the run it waits on}: the runs of ``runs`` (their ``statuses``, :func:`run_status`) to train that copy
    from a run its train refuses (:data:`REFUSED`), or from one that copies from it: the grid tries that run, it
    fails, and they are not run. Before, a dry run counted them among the runs to train ("10 to train", then the
    grid trained 5: 1 failed, 4 not run)."""
    refused = {run.name for run, status in zip(runs, statuses) if status.kind in REFUSED}
    parents = {run.name: run.parent for run in runs}
    waiting = {}
    for run, status in zip(runs, statuses):
        if status.kind in REFUSED or status.kind in _NOT_QUEUED:
            continue
        parent, seen = run.parent, set()
        while parent is not None and parent not in refused and parent not in seen:
            seen.add(parent)
            parent = parents.get(parent)
        if parent in refused:
            waiting[run.name] = parent
    return waiting


def waiting_words(waiting):
    """"4 not run (copying from random2/baseA, which its train refuses as it stands)": the runs that copy from a run
    its train refuses (``waiting``: :func:`waiting_on_refused`), which the grid tries, counted to train; "" for none.
    One wording for the dry run's count and the grid's start line (before, the start said "10 to run" where the dry
    run said "6 to train, 4 not run")."""
    if not waiting:
        return ""
    refused = sorted(set(waiting.values()))
    many = len(refused) > 1
    return (f"{len(waiting)} not run (copying from {some_names(refused)}, which {'their' if many else 'its'} "
            f"train refuses as {'they stand' if many else 'it stands'})")


def describe_plan(runs, out, options, train_command, statuses=None):
    """The plan as text, one line per run: status (:func:`run_status`, or ``statuses``, the runs' as
    the caller looked at them, each a :class:`RunStatus`; a run to train whose train failed before says so, with
    the error it ended on), name, dependency (and, where it copies from a run its train refuses, that it is not run
    while that is so: :func:`waiting_on_refused`) and the train command."""
    statuses = [run_status(out, run) for run in runs] if statuses is None else statuses
    kinds = [status.kind for status in statuses]
    resumed = kinds.count(RESUME)
    lines = [f"{len(runs)} runs in {out} ({kinds.count(DONE)} finished"
             f"{f', {resumed} to resume' if resumed else ''}):"]
    sources = models.sources_words(options.get("preset"))  # the same before each run's command
    waiting = waiting_on_refused(runs, statuses)
    for run, status in zip(runs, statuses):
        after = f"  (after {run.parent})" if run.parent else ""
        if run.name in waiting:
            after = f"  (after {run.parent}; not run: {waiting[run.name]}'s train refuses it as it stands)"
        failed = _last_try(run_dir(out, run)) if status.kind in (TODO, WRITE_AGAIN, RESUME, NOT_RESUMABLE) \
            else None
        gone = f"  ({GONE})" if status.kind == TODO and network_gone(out, run) else \
            f"  ({RESULT_FILE} {'unreadable' if status.why else 'gone'}: {WRITTEN_AGAIN})" \
            if status.kind == WRITE_AGAIN else \
            f"  (not trained: {result_lost(out, run, status.why)})" if status.kind == RESULT_LOST else \
            f"  ({_refused(out, run, status.kind, runs)})" if status.kind in _REMEDIES else ""
        lines.append(f"  [{status}] {run.name}{after}{gone}{f'  ({failed})' if failed else ''}")
        command = shlex.join(list(train_command) + train_arguments(run, out, options))
        lines.append(f"      {sources}{command}")
    return "\n".join(lines)
