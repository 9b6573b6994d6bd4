"""Whether the runs a grid folder already holds are this grid's: a finished run is skipped, and an
interrupted one continued, only when it was trained as the grid asks now (every option, defaults
included; the same dataset and the same base, wherever the folder has been moved or copied to),
else the grid stops with :class:`GridMismatch` rather than mix two experiments (with
:class:`DatasetPreparedAgain`, bad data, where its dataset folder was prepared again since); so does a run of
another grid in the folder trained otherwise (:func:`check_others`), which the folder's report would
pool with this grid's, a grid folder inside another's or around one (:func:`check_not_nested`),
one inside a run's directory (:func:`check_outside_run_dirs`), and another ``experiment`` process
working on the folder at the same time with other options (:func:`check_at_work`; :class:`GridLock`
has them check and plan one after the other). A plan nothing was trained from (written for SLURM
scripts, or by a grid stopped before its first checkpoint) is replaced by one of other options, with
a note saying so and that its SLURM scripts are stale (:func:`replaced_plan`).
Also here: :func:`check_bases`, the options no base can take, refused before anything is queued;
and :func:`check_memory`, the runs a grid trains at once that would together need more memory than
this machine has available.
"""

import collections
import contextlib
import errno
import fcntl
import functools
import math
import os
import pathlib
import re

import numpy as np

from minitransfer import checkpoint as checkpoints
from minitransfer import config, fileio, preflight
from minitransfer.data import dataset as datasets
from minitransfer.experiment import (CHECKPOINT_FILE, CROSS, PLAN_FILE, PLAN_ID, SLURM_SCRIPTS, SOURCE, SOURCE_DATA,
                                     TREATMENT_FILE, Run, counted, gpu_name, is_finished, options_fingerprint,
                                     planned_records, run_dir, run_fields, run_seed, run_status, some_names,
                                     weights_path)
from minitransfer.resume import RESUME_FREE_FIELDS, recorded_change
from minitransfer import results, rundir, run_search, treatments


class GridMismatch(config.ConfigError):
    """A finished or interrupted run of the grid's folder was trained with other options than asked
    for now (exit code 2): skipping or continuing it would mix two experiments."""


class DatasetPreparedAgain(config.DataMismatch):
    """The dataset folder a finished or interrupted run of the grid's folder trained on holds another
    dataset now, prepared again there since (exit code 65, bad data, as ``train --resume`` says of
    such a run): no option of the grid continues its runs on these images."""


def check_finished(runs, out, options, progress=None):
    """Raise :class:`GridMismatch` for the first finished run of ``runs`` in ``out`` trained otherwise
    than ``options`` ask for (:func:`trained_otherwise`), which the grid would skip as its own, or
    interrupted run, which its training would refuse to continue (one failed run in a grid that
    goes on); before anything runs, and before a dry run shows the plan. So does such a run whose
    base's weights file is gone (deleted by hand): the grid would train the base again, another
    network than the one the run copied (its sha256 differs), and keep the run as if from it.
    ``progress``: told how far the check has got (:func:`minitransfer.experiment.counted`; a base's
    weights are hashed only where their result.json's record of them no longer holds)."""
    for run in counted(runs, f"checking the runs {out} holds", progress):
        base = weights_path(out, run.parent) if run.parent else None
        if base is not None and _trained_file(out, run) and not base.exists():
            raise GridMismatch(f"{run_dir(out, run)} copied the first {run.n} layers of {run.parent}, whose weights "
                               f"file {base} is gone: the grid would train {run.parent} again, another network than "
                               f"the one {run.name} copied; restore {base}, or delete {run.name} too to train it again "
                               f"from the new {run.parent} (what it trained is lost)")
        differ = trained_otherwise(out, run, options) if _trained_file(out, run) else []
        if differ:
            _refuse_prepared_again(out, run, options)
            raise GridMismatch(f"{run_dir(out, run)} was trained with other options than this grid asks for "
                               f"({'; '.join(differ)}); choose another output folder for this grid; or, to train "
                               f"them again here, delete the runs trained otherwise first (what they trained is lost)")


def check_folder(runs, out, options, progress=None):
    """:func:`check_finished` for ``runs``, :func:`check_others` for the rest of ``out`` and
    :func:`check_at_work` for the other processes working on it: what a grid checks of its folder
    before anything runs (also its dry run and its SLURM scripts), after :func:`check_place`. A grid
    checks and writes its plan holding :class:`GridLock`, which checks the place first. ``progress``:
    told how far the checks of a large folder have got (:func:`minitransfer.experiment.counted`)."""
    check_finished(runs, out, options, progress)
    check_others(runs, out, options, progress)
    check_at_work(runs, out, options)


def check_place(out, options):
    """Where the grid folder ``out`` lies: outside the datasets, other grids and run directories
    (checked before anything is written there, the lock files of :class:`GridLock` included)."""
    check_outside_data(out, options)
    check_not_nested(out)
    check_outside_run_dirs(out)


class GridLock:
    """Who plans and who trains in a grid folder, so that two ``experiment`` processes started on it at
    once cannot both pass its checks: each finds no run of the other trained yet. Held exclusively
    (flock) while a process checks the folder and writes its plan, ``OUT/.experiment-planning.lock``
    has them plan one after the other (a second waits, saying so; no run of either plan is lost from
    ``OUT/experiment.json``); ``OUT/.experiment-working.lock``, held shared by each from the end of
    its planning to its end (and by each task of its SLURM scripts while it runs,
    :mod:`minitransfer.slurm`), tells the next one that another works there now, trained with the
    options the plan records (:func:`check_at_work`). The kernel releases both when a process dies.
    A grid refused while planning leaves no lock file behind in a folder it found empty or missing.

        with GridLock(out, options, log) as lock:
            ...                 # check_folder, write_plan
            lock.planned()      # from here on: working
            ...                 # train
    """

    PLANNING, WORKING = ".experiment-planning.lock", ".experiment-working.lock"

    def __init__(self, out, options, log=print):
        self.out, self.options, self.log = pathlib.Path(out), options, log
        self._planning = self._working = None
        self._created = False

    def __enter__(self):
        check_place(self.out, self.options)  # before the lock files are written there
        self._created = not self.out.exists()
        self._planning = self._locked(self.PLANNING, fcntl.LOCK_EX)
        return self

    def planned(self):
        """The plan is written: work on (holding the working lock), and let the next process plan."""
        self._working = self._locked(self.WORKING, fcntl.LOCK_SH)
        os.close(self._planning)
        self._planning = None

    def _locked(self, name, operation):
        """A descriptor of ``OUT/name`` holding its lock; waited for, saying so, while another holds it."""
        path = self.out / name
        while True:
            try:
                self.out.mkdir(parents=True, exist_ok=True)
                descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as error:
                raise _unwritable(self.out, path, error) from error
            try:
                if not rundir.try_lock(descriptor, operation, path=path):
                    self.log(f"waiting for another minitransfer experiment to finish planning its runs in {self.out}")
                    fcntl.flock(descriptor, operation)
            except BaseException:
                os.close(descriptor)
                raise
            if rundir.same_file(descriptor, path):  # not removed by a planner refused meanwhile
                return descriptor
            os.close(descriptor)

    def __exit__(self, *exc):
        if self._planning is not None:  # refused before its plan: the folder as it was found
            with contextlib.suppress(OSError):  # removed meanwhile, or another grid has begun planning there
                if set(os.listdir(self.out)) <= {self.PLANNING, self.WORKING}:
                    for name in (self.WORKING, self.PLANNING):
                        (self.out / name).unlink(missing_ok=True)
                    if self._created:
                        self.out.rmdir()
        for descriptor in (self._planning, self._working):
            if descriptor is not None:
                os.close(descriptor)
        self._planning = self._working = None


def _unwritable(out, path, error):
    """The ``StorageError`` of the grid folder ``out`` where the lock file ``path`` cannot be
    written: a folder this process may not write (read-only, another user's) named as such, with
    what a grid writes there; another failure (a full disk) as :func:`minitransfer.fileio.storage_error`
    says it."""
    if error.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
        return fileio.storage_error(path, error)
    return fileio.StorageError(error.errno, f"cannot write in {out} ({os.strerror(error.errno)}): a grid writes its "
                                            f"plan ({PLAN_FILE}), its runs and its lock files there ({path.name} "
                                            f"first); give a folder this process can write (a copy of this one "
                                            f"keeps its finished runs)")


def others_at_work(out):
    """Whether another process works on the grid folder ``out`` now: it holds the working lock of
    :class:`GridLock` (False where the file system has no locks)."""
    path = pathlib.Path(out) / GridLock.WORKING
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:  # none has worked there, or it cannot be read: nothing to tell
        return False
    try:
        return not rundir.try_lock(descriptor, fcntl.LOCK_EX, path=path)
    finally:
        os.close(descriptor)


def check_at_work(runs, out, options):
    """Raise :class:`GridMismatch` when another process works on ``out`` now (:func:`others_at_work`)
    with other training options than ``options``: its plan, ``OUT/experiment.json``, records them,
    and its runs may not have trained far enough yet for :func:`check_finished` and
    :func:`check_others` to see them (two grids started at once on one folder both passed those and
    trained, say, two schedules into it). Compared as those compare (:func:`_plan_changes`)."""
    if not others_at_work(out):
        return
    differ, base = _plan_changes(runs, out, options)
    if differ:
        raise GridMismatch(f"another minitransfer experiment works on {out} now, with other options than this "
                           f"grid asks for ({'; '.join(differ)}; from its plan {pathlib.Path(out) / PLAN_FILE}, "
                           f"run {base}): the report of {out} would pool its networks with this grid's; "
                           f"wait for it to end, or choose another output folder for this grid")


def replaced_plan(runs, out, options, slurm_dir=None):
    """What to tell of the plan ``OUT/experiment.json`` that this grid's replaces, when it planned
    its runs with other training options than ``options`` (:func:`_plan_changes`): a plan nothing
    was trained from (:func:`check_folder` refuses a folder holding a run trained otherwise), as
    one a grid stopped before its first checkpoint, or one written for SLURM scripts
    (``--emit-slurm``) wrote; its SLURM scripts, where it recorded them, are stale: their tasks
    still queued end without training (:func:`plan_id`), to be cancelled. None when it planned them as
    ``options`` do, or there is none. ``slurm_dir``: where this grid writes its SLURM scripts."""
    differ, base = _plan_changes(runs, out, options)
    if not differ:
        return None
    from minitransfer.slurm import SUBMIT_FILE, SUBMITTED_FILE  # which imports this module

    plan = pathlib.Path(out) / PLAN_FILE
    note = (f"{plan} planned runs with other options than this grid's ({'; '.join(differ)}; run {base}): "
            f"replaced by this grid's plan")
    scripts = _recorded(plan, SLURM_SCRIPTS)
    if scripts is not None:
        cancel = f"cancel them (scancel; {pathlib.Path(scripts) / SUBMITTED_FILE} lists them)"
        if slurm_dir is not None and pathlib.Path(slurm_dir).resolve() == pathlib.Path(scripts).resolve():
            note += (f"; its SLURM scripts in {scripts} are written again, and their tasks still queued will end "
                     f"without training (exit 2): {cancel} before running {pathlib.Path(scripts) / SUBMIT_FILE}")
        else:
            note += (f"; the SLURM scripts written for it in {scripts} are stale: their tasks still queued will end "
                     f"without training (exit 2), and their {SUBMIT_FILE} submits nothing; {cancel}")
    return config.worded(note)


def plan_id(runs, out, options):
    """The id of the plan of ``runs`` with ``options`` (:data:`~minitransfer.experiment.PLAN_ID`): that
    of the plan ``OUT/experiment.json`` holds where this one plans its runs as it did (the same grid
    again, more seeds or layers, another --device: :func:`_plan_changes`), else a fingerprint of
    ``options``. A task of SLURM scripts trains only while OUT's plan has the id of theirs
    (:mod:`minitransfer.slurm`): replaced by a plan of other options, they no longer do."""
    recorded = _recorded(pathlib.Path(out) / PLAN_FILE, PLAN_ID)
    if recorded is not None and re.fullmatch("[0-9a-f]+", recorded) and not _plan_changes(runs, out, options)[0]:
        return recorded
    return options_fingerprint(options)


def _recorded(plan, key):
    """The text the plan at ``plan`` records under ``key`` (the folder of the SLURM scripts it was
    written for, its id), or None."""
    try:
        value = fileio.parse_json(plan.read_text()).get(key)
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _plan_changes(runs, out, options):
    """How the training options the plan ``OUT/experiment.json`` records differ from ``options``,
    as check_finished and check_others compare a run's: each base of either plan on every field,
    defaults included; the training seed only for a base both plans list (each run has its own).
    A base either cannot resolve (a cross-dataset grid's source base, asked without --source-data)
    is not judged. Returns the "`name` before -> asked" texts of the first base that differs and
    its name, or ``([], None)`` (also without a readable plan)."""
    try:
        recorded = dict(fileio.parse_json((pathlib.Path(out) / PLAN_FILE).read_text())["options"])
    except (OSError, ValueError, KeyError, TypeError):  # a plan not written yet, or hand-edited
        return [], None
    if recorded == dict(options):  # a rerun as planned: nothing to resolve, base by base, in a large grid
        return [], None
    theirs = []
    for record in planned_records(out):
        try:
            theirs.append(Run.from_json(record))
        except TypeError:  # a record edited by hand, missing fields: the others and the options still tell
            continue
    shared = {run.name for run in runs} & {run.name for run in theirs}
    for base in {run.name: run for run in runs + theirs if run.parent is None}.values():
        try:
            asked, before = (resolved_plan(base, out, fields).config.to_dict() for fields in (options, recorded))
        except (config.ConfigError, config.DataMismatch, datasets.DatasetError):
            continue
        free = RESUME_FREE_FIELDS + ("out",) + (() if base.name in shared else ("seed",))
        differ = [f"{_option(base, name)} {before.get(name)!r} -> {value!r}" if name != "seed" else
                  f"`seed` {recorded.get('seed')!r} -> {options.get('seed')!r} (the grid's)"
                  for name, value in asked.items() if name not in free and before.get(name) != value]
        if differ:
            return differ, base.name
    return [], None


def check_outside_data(out, options):
    """Raise ``ConfigError`` when the grid folder ``out`` lies inside a dataset of ``options`` (its
    data or source data): every run's `train` would refuse to write there, after the grid had
    written its plan into the dataset; or is, or lies inside, any other prepared dataset: a report
    passes dataset folders by, so the grid's own would find none of its runs (``demo -o`` a dataset
    trained them all, then failed), and the report of a folder above the dataset would miss them."""
    for key in ("data", SOURCE_DATA):
        data = options.get(key)
        if data is not None and pathlib.Path(out).resolve().is_relative_to(pathlib.Path(data).resolve()):
            raise config.ConfigError(f"the grid folder {out} lies inside the dataset {data}; write the grid elsewhere")
    resolved = pathlib.Path(out).resolve()
    marks = (datasets.META_FILE, datasets.shard_name("train", 0))
    for folder in (resolved, *resolved.parents):  # their names looked up, not listed: / or a scratch space is large
        if run_search.is_dataset_folder(name for name in marks if (folder / name).exists()):
            raise config.ConfigError(f"the grid folder {out} {'is' if folder == resolved else 'lies inside'} the "
                                     f"dataset {folder}; write the grid elsewhere")


def check_outside_run_dirs(out):
    """Raise ``ConfigError`` when the grid folder ``out`` is, or lies inside, the run directory of a
    run (``x.run`` of a ``minitransfer train -o x.h5``): every run's `train` would refuse to write
    there, after the grid had written its plan into that run's files."""
    out = pathlib.Path(out).resolve()
    host = next((folder for folder in (out, *out.parents) if rundir.is_run_dir(folder)), None)
    if host is not None:
        raise config.ConfigError(f"the grid folder {out} {'is' if host == out else 'lies inside'} {host}, the run "
                                 f"directory of another run, where no run of the grid may write; write the grid "
                                 f"elsewhere, e.g. {host.parent / 'grid'}")


def check_not_nested(out, what="this grid"):
    """Raise ``ConfigError`` when ``out`` lies inside another grid's folder (one holding its
    experiment.json) or holds one below it: a folder's report reads every run under it, so the
    outer folder's report would pool the two grids' networks, whatever their options (a demo of
    seed 1 in ``minitransfer-demo/seed1`` made the seed-0 demo's findings rest on both seeds).
    More runs for a grid go into its own folder, where :func:`check_others` compares their options."""
    out = pathlib.Path(out).resolve()
    outer = next((folder for folder in out.parents if (folder / PLAN_FILE).is_file()), None)
    if outer is not None:
        raise config.ConfigError(f"{out} lies inside {outer}, the folder of another grid: the report of {outer} would "
                                 f"pool {what}'s networks with its own; give {what} a folder outside it (more runs "
                                 f"for that grid go into {outer} itself)")
    inner = next((plan.parent for plan in sorted(out.rglob(PLAN_FILE)) if plan.parent != out), None)
    if inner is not None:
        raise config.ConfigError(f"{out} holds {inner}, the folder of another grid, whose networks the report of {out} "
                                 f"would pool with {what}'s; give {what} a folder of its own, or move {inner} out of "
                                 f"it")


def check_others(runs, out, options, progress=None):
    """Raise :class:`GridMismatch` for a run that ``out`` holds besides ``runs`` (another grid's: other
    split seeds, layers or treatments; or one trained by hand there, which the report reads as the
    treatment its config.json tells), finished or started, that was trained with other options
    than ``options`` ask for, its training seed apart (each run has its own): the report of ``out``
    would pool its network with this grid's (another schedule, learning rate, precision, dataset
    ...). A run trained by hand is compared on its training options alone (the fields its treatment
    is read from say which network it is, not how it was trained). A run whose options cannot be
    resolved the way this grid's are (a cross-dataset grid's source base, asked without
    --source-data) is not judged, nor a folder the report would not read as a run (no config.json,
    a damaged one). ``progress``: as for :func:`check_finished`."""
    planned = {run.name for run in runs}
    for other, by_hand in counted(_other_runs(out, planned), f"checking the other runs {out} holds", progress):
        ignore = ("seed",) + (treatments.TREATMENT_FIELDS if by_hand else ())
        try:
            differ = trained_otherwise(out, other, options, ignore=ignore) if _trained_file(out, other) else []
        except (config.ConfigError, config.DataMismatch):
            continue
        if differ:
            _refuse_prepared_again(out, other, options, ignore)
            what = (f"a run trained by hand in {out}, which its report reads as {_read_as(other)}," if by_hand
                    else f"a run of another grid in {out},")
            raise GridMismatch(f"{run_dir(out, other)}, {what} was trained with other options than this grid asks "
                               f"for ({'; '.join(differ)}): the report of {out} would pool its network with this "
                               f"grid's; choose another output folder for this grid, or delete that run first (what "
                               f"it trained is lost)")


def _refuse_prepared_again(out, run, options, ignore=()):
    """Raise :class:`DatasetPreparedAgain` when the dataset folder the finished or interrupted ``run``
    trained on is the one ``options`` give it, but holds another dataset now (its fingerprint, the
    sha256 of its meta.json, differs from the one its weights recorded): the fault is the data, not
    an option; the grid's runs trained on the images the folder held before. ``ignore``: as for
    :func:`trained_otherwise`, which names the other fields that differ too."""
    try:
        trained_on = fileio.parse_json((run_dir(out, run) / "config.json").read_text()).get("data")
        before = checkpoints.read_meta(_trained_file(out, run)).get("dataset_fingerprint")
        asked = run_fields(run, out, options).get("data")
    except (OSError, ValueError, AttributeError, TypeError, checkpoints.CheckpointError, config.ConfigError):
        return
    if not all(isinstance(value, str) for value in (trained_on, before, asked)) or \
            os.path.realpath(trained_on) != os.path.realpath(asked):
        return
    now = _fingerprint(asked)
    if now is None or now == before:
        return
    others = trained_otherwise(out, run, options, ignore=tuple(ignore) + ("data",))
    also = f" (the options differ too: {'; '.join(others)})" if others else ""
    option = _option(run, "data")
    raise DatasetPreparedAgain(
        f"{asked} was prepared again since {run_dir(out, run)} trained on it (sha256 of its meta.json "
        f"{before[:12]} -> {now[:12]}): its images are not the ones the runs in {out} trained on{also}; to go on "
        f"with this grid, give the dataset they trained on (a copy, or prepared again as it was) as {option}; to "
        f"train on these images, choose another output folder for this grid (or delete the runs in {out} first: "
        f"what they trained is lost)")


def _read_as(run):
    """Which network of a grid the report reads ``run`` as: "baseA of random split 0"."""
    split = {"random": f"random split {run.split_seed}", "natural": "the natural split",
             CROSS: "a transfer across datasets"}.get(run.split, "every class")
    return f"{run.label} of {split}" if run.split != "all" else f"{run.label} on {split}"


def _other_runs(out, planned):
    """The runs of the grid folder ``out`` not named in ``planned``, each with whether it was trained by
    hand: a grid's as its treatment.json records it, one trained by hand (without one) as the report
    reads it (:func:`minitransfer.results.hand_trained`), in the folders the report reads (through links
    too: :func:`minitransfer.run_search.find_runs`). A folder the report would not read as a run (a
    damaged treatment.json or config.json, neither) is not judged."""
    folders = sorted(path for _, path in run_search.find_runs(out).runs)  # where the report looks: links too
    by_hand = results.hand_trained(folders, out)
    for folder in folders:
        run = by_hand.get(folder)
        if run is None:
            try:
                run = Run.from_json(fileio.parse_json((folder / TREATMENT_FILE).read_text()))
            except (OSError, ValueError, TypeError, AttributeError):  # not a run the report reads: nothing to judge
                continue
        if run.name not in planned and run_dir(out, run) == folder:
            yield run, folder in by_hand


def left_alone(runs, out):
    """What to tell of the runs an earlier plan of ``out`` (``OUT/experiment.json``) lists besides
    ``runs`` (those planned now, and the bases they copy from): a grid rerun with fewer layers or
    split seeds, or other treatments, neither trains nor rewrites them, so the unfinished ones stay
    so, and its report reads the finished ones with this grid's. None when there are none."""
    planned = {run.name for run in runs} | {run.parent for run in runs if run.parent}
    groups = {}
    for record in planned_records(out):
        try:
            other = Run.from_json(record)
        except TypeError:  # a record edited by hand: check_others judges what its folder holds
            continue
        if other.name in planned:
            continue
        planned.add(other.name)
        status = run_status(out, other)
        what = ("finished" if status == "done" else "being trained by another process" if status.startswith("being")
                else "interrupted (a checkpoint to resume)" if status.startswith("resume") else
                "not started" if status == "todo" else status)
        groups.setdefault(what, []).append(other.name)
    if not groups:
        return None
    count = sum(map(len, groups.values()))
    held = "; ".join(f"{len(names)} {what} ({some_names(names)})" for what, names in groups.items())
    unfinished = sum(len(names) for what, names in groups.items() if what not in ("finished", "being trained by "
                                                                                               "another process"))
    them = "them" if unfinished > 1 else "it"
    finish = ("" if not unfinished else
              f"; another experiment works on {out} now, which may train {them}" if others_at_work(out) else
              f"; to train {them}, rerun with the --layers, --split-seed and other options that planned {them}")
    return (f"{out} holds {count} run{'s' if count > 1 else ''} of an earlier plan that this grid does not plan "
            f"(other layers, split seeds or treatments), left as {'they are' if count > 1 else 'it is'}: {held}; the "
            f"report of {out} reads the finished ones with this grid's{finish}")


def per_class_notes(runs, options):
    """A note for each --per-class count of ``runs`` above the training images of every class of the
    grid's dataset: such a run keeps every image (as the largest class's count would), which Figure
    S1 places at the count asked for. Raise ``ConfigError`` (exit code 2) when two or more counts
    keep every image (the largest class's count or above): they train the same network, each its
    own run, which the report shows as as many points."""
    counts = sorted({run.per_class for run in runs if run.kind == "reduced"})
    if not counts:
        return []
    dataset = datasets.open_dataset(options["data"])
    largest = int(np.bincount(dataset.labels("train"), minlength=dataset.num_classes).max())
    whole = [count for count in counts if count >= largest]
    if len(whole) > 1:
        reduces = f"; {largest - 1} is the largest count that still reduces a class" if largest > 1 else ""
        raise config.ConfigError(
            f"--per-class {', '.join(map(str, whole[:-1]))} and {whole[-1]} each keep every training image of "
            f"{dataset.path} (no class has more than {largest}): the same network trained {len(whole)} times, which "
            f"Figure S1 would show as {len(whole)} points; keep one of them{reduces}")
    return [f"--per-class {count}: no class of {dataset.path} has more than {largest} training images, so these runs "
            f"keep every image, as --per-class {largest} would (Figure S1 places them at {count})"
            for count in whole if count > largest]


def check_bases(runs, out, options):
    """Resolve the configuration of every base of ``runs`` as ``train`` will (on the CPU, without
    reading every shard), so that options no run can take (a preset too large for the images, fc8
    narrower than a half) stop the grid before anything is queued, naming the run: the same
    :class:`minitransfer.config.ConfigError` or bad-data error ``train`` would give."""
    for run in runs:
        if run.parent is None:
            resolved_plan(run, out, options)


def resolved_plan(run, out, options):
    """The :class:`minitransfer.config.Plan` of base ``run`` (no parent) as ``train`` resolves it
    from ``options``, every default filled in (on the CPU, without reading every shard)."""
    fields = dict(run_fields(run, out, options), device="cpu", quiet=True)
    try:
        return config.resolve(config.TrainConfig(**fields), checksums=False)
    except (config.ConfigError, config.DataMismatch) as error:
        raise type(error)(f"run {run.name}: {error}") from None


def check_memory(runs, out, options, slots):
    """Raise ``preflight.OutOfMemory`` when the largest of ``runs``, one in each of ``slots`` (a GPU
    id, or None for a CPU slot: :func:`minitransfer.scheduler.run_grid`'s ``devices``), would
    together need more memory than is available (``preflight.available_memory``): each run checks
    only itself as it starts, and two that each fit can together exceed it. A run needs the larger
    of its training step and its evaluation batch (``preflight.memory_needs``), and its process
    (``preflight.PROCESS_BYTES``). Nothing to check with one slot, or where the memory available is
    unknown."""
    count = min(len(slots), len(runs))
    available = preflight.available_memory()
    if count < 2 or available is None:
        return
    device = "cpu" if None in slots else "cuda"  # slots of both kinds: the CPU's estimate, the larger
    sizing = {run: _sizing(run, out, options) for run in runs}
    peaks = _peak_needs(sizing.values(), out, options, device)
    need = {run: peaks[fields] for run, (_, fields) in sizing.items()}
    largest = sorted(runs, key=lambda run: need[run].bytes, reverse=True)[:count]
    total = sum(need[run].bytes + preflight.PROCESS_BYTES for run in largest)
    if total > available.bytes:
        top = need[largest[0]]
        names = ", ".join(run.name for run in largest[:3]) + (f" and {count - 3} more" if count > 3 else "")
        slots_text = ", ".join(f"{number} on {where}" for where, number in collections.Counter(
            "the CPU" if slot is None else gpu_name(slot) for slot in slots).items())
        raise preflight.OutOfMemory(
            f"the grid trains {count} runs at once (its slots: {slots_text}): {names} need about "
            f"{preflight.in_units(total, math.ceil)} of memory together (the largest: {top.what} needs about "
            f"{preflight.in_units(top.bytes)}, and each process {preflight.in_units(preflight.PROCESS_BYTES)}); "
            f"{preflight.in_units(available.bytes, math.floor)} is available ({available.source}); give the grid fewer "
            f"slots or lower `{top.field}`")


def _sizing(run, out, options):
    """The base trained on the classes of ``run`` (a transfer copies weights, not sizes; a
    reduced-data run keeps every validation image), and the fields that size its memory: its
    configuration's, less its seed and weights file."""
    base = Run(run.name, "base", run.split, run.split_seed, target=run.target)
    return base, tuple(sorted((name, value) for name, value in run_fields(base, out, options).items()
                              if name not in ("seed", "out")))


def _peak_needs(sizings, out, options, device):
    """The larger ``preflight.Need`` of a training step and an evaluation batch on ``device``, per
    distinct fields of ``sizings`` (:func:`_sizing`): a base's configuration resolved once, a net
    built once per preset and fc8 width."""
    peaks, nets = {}, {}
    for base, fields in sizings:
        if fields in peaks:
            continue
        plan = resolved_plan(base, out, options)
        shape = (plan.preset.name, plan.config.fc8_outputs)
        if shape not in nets:
            nets[shape] = plan.preset.build(plan.config.fc8_outputs)
        peaks[fields] = max(preflight.memory_needs(plan, nets[shape], device), key=lambda need: need.bytes)
    return peaks


def _trained_file(out, run):
    """What ``run`` has trained so far: its weights file when finished, else its checkpoint if it
    was interrupted (None when it has not started)."""
    if is_finished(out, run):
        return weights_path(out, run.name)
    saved = run_dir(out, run) / CHECKPOINT_FILE
    return saved if saved.exists() else None


def trained_otherwise(out, run, options, ignore=()):
    """The fields a finished or interrupted ``run`` was trained with that differ from what ``options`` ask for now,
    as "`name` recorded -> asked" texts (none when they agree, or when its config.json is unreadable).
    A base is compared on every field, defaults included: an option given before and left out now
    differs there (and a transfer is trained with the same options as its base). The dataset is the
    one whose fingerprint its weights recorded, and a transfer's base the file whose sha256 they
    recorded, wherever the grid and its dataset have been moved or copied to; a dataset prepared
    again in its folder, or a base trained again in its place, differs (:mod:`minitransfer.resume`);
    so does a finished run whose weights file is another run's network. Fields named in ``ignore``
    are not compared."""
    try:
        recorded = fileio.parse_json((run_dir(out, run) / "config.json").read_text())
    except (OSError, ValueError):
        return []
    try:
        trained = checkpoints.read_meta(_trained_file(out, run))
    except checkpoints.CheckpointError:  # as an unreadable config.json: nothing recorded to compare
        if not is_finished(out, run):  # a checkpoint that its run refuses to continue, naming it
            return []
        trained = {}
    if is_finished(out, run) and trained.get("config"):
        swapped = _another_network(recorded, trained["config"])
        if swapped:  # each transfer copying it would copy that other network
            return [f"its weights file {weights_path(out, run.name)} is another run's network, not the one its "
                    f"config.json records ({swapped})"]
    differ = []
    asked_fields = run_fields(run, out, options) if run.parent else resolved_plan(run, out, options).config.to_dict()
    digests_now = {"copy_from": _sha256, "data": _fingerprint}
    for name, asked in asked_fields.items():
        if asked is None or name in RESUME_FREE_FIELDS + ("out",) + tuple(ignore) or name not in recorded:
            continue
        change = recorded_change(name, recorded[name], asked, trained, digests_now.get(name))
        if change and name == "seed":
            change = _seed_change(out, run, recorded[name], options)
        differ += [f"{_option(run, name)} {change}"] if change else []
    return differ


def _option(run, name):
    """How a change of configuration field ``name`` of ``run`` names the option that made it: quoted
    (`max_iter`), which the command line words as its option (--max-iter), but --source-data for the
    dataset of a cross-dataset grid's source base, which the grid's --data does not set."""
    if name == "data" and run.split == CROSS and run.target == SOURCE:
        return config.option_name(SOURCE_DATA)
    return f"`{name}`"


def _seed_change(out, run, recorded, options):
    """How the training seed of ``run`` differs, as the grid's seeds: each run trains with a seed
    derived from the grid's (:func:`minitransfer.experiment.run_seed`), which is what a person gave
    and should read. The earlier grid's is the one its plan (``OUT/experiment.json``) recorded, when
    that seed gives this run's; else the run's own seed is named."""
    asked = int(options.get("seed") or 0)
    try:
        before = fileio.parse_json((pathlib.Path(out) / PLAN_FILE).read_text())["options"]["seed"]
    except (OSError, ValueError, KeyError, TypeError):
        before = None
    if isinstance(before, int) and not isinstance(before, bool) and run_seed(before, run) == recorded:
        return f"{before!r} -> {asked!r} (the grid's; its runs train with seeds derived from it)"
    return f"{recorded!r} -> {run_seed(asked, run)!r} (the run's own; the grid's seed {asked!r} derives it)"


def _another_network(recorded, weights_config):
    """How the configuration a finished run's weights file records differs from its config.json
    (both written by the same `train`: they differ only when the file was replaced by another
    run's, e.g. another half's base copied over it), as "`name` in config.json -> in the weights
    file" texts joined by "; ", or "" when they agree."""
    fields = sorted(set(recorded) | set(weights_config))
    return "; ".join(f"`{name}` {recorded.get(name)!r} -> {weights_config.get(name)!r}" for name in fields
                     if name not in RESUME_FREE_FIELDS and recorded.get(name) != weights_config.get(name))


@functools.lru_cache(maxsize=64)
def _file_sha256(path, device, inode, size, modified):
    return fileio.sha256_file(path)


def _sha256(path):
    """The sha256 of the weights file at ``path``, or None when there is none: the one its run's
    result.json recorded while the file is as train wrote it (:func:`minitransfer.rundir.recorded_sha256`),
    else the file read, once per version of it (device, inode, size, mtime) in this process."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return rundir.recorded_sha256(path, status) or _file_sha256(
        os.path.realpath(path), status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


def _fingerprint(path):
    """The fingerprint of the dataset at ``path`` (the sha256 of its meta.json), or None without one."""
    try:
        return datasets.open_dataset(path).fingerprint
    except datasets.DatasetError:
        return None
