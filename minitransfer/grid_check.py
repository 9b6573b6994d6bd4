"""Whether the runs a grid folder already holds are this grid's: a finished run is skipped, and an
interrupted one continued, only when it was trained as the grid asks now (every option, defaults
included; the same dataset and the same base, wherever the folder has been moved or copied to),
else the grid stops with :class:`GridMismatch` rather than mix two experiments (with
:class:`DatasetPreparedAgain`, bad data, where its dataset folder was prepared again since); so does a run of
another grid in the folder trained otherwise (:func:`check_others`), which the folder's report would
pool with this grid's, a grid folder inside another's or around one (:func:`check_not_nested`),
one inside a run's directory (:func:`~minitransfer.grid_folder.check_outside_run_dirs`), and another
``experiment`` process working on the folder at the same time with other options (:func:`check_at_work`;
:class:`GridLock` has them check and plan one after the other).

The checks of the folder itself and its locks are in :mod:`minitransfer.grid_folder`, those of the plan
it holds in :mod:`minitransfer.grid_plan`, those of the options before anything is queued in
:mod:`minitransfer.grid_preflight`, and how each run was trained against how the grid trains it now
(:func:`trained_otherwise`, :class:`DatasetsAsPlanned`) in :mod:`minitransfer.grid_trained`. Of their names,
those listed in ``__all__`` (the ones other modules and tests use through this one) are importable from here
too; the others, from their own modules only.
"""

import os
import pathlib
import shlex

from minitransfer import checkpoint as checkpoints
from minitransfer import config, fileio
from minitransfer.bad_checkpoint import bad_weights_step
from minitransfer.data import dataset as datasets
from minitransfer.experiment import (CHECKPOINT_FILE, CROSS, PLAN_FILE, counted, run_dir, run_fields, some_names,
                                     weights_path)
from minitransfer.grid_folder import GridLock, check_not_nested, check_place, others_at_work
from minitransfer.grid_plan import left_alone, option_label, plan_changes, preset_by_default, recorded_run
from minitransfer.grid_plan_text import transfers_there
from minitransfer.grid_preflight import check_memory, resolved_plan
from minitransfer.grid_trained import (DatasetPreparedAgain, DatasetsAsPlanned, PlannedConfigs, copied_saved_base,
                                       dataset_fingerprint, plan_seed, planned_config, seeded_by_hand, trained_file,
                                       trained_otherwise)
from minitransfer.missing_bases import trained_again
from minitransfer.file_locks import flock_holders
from minitransfer.lock_holder import pids_named
from minitransfer.run_lock import holder, pid_named
from minitransfer.rundir import recorded_path
from minitransfer import results, run_search, treatments

__all__ = ["GridMismatch", "DatasetPreparedAgain", "PlannedConfigs", "check_finished", "check_folder", "check_at_work",
           "check_others", "check_being_trained", "trained_otherwise", "planned_config", "GridLock", "check_place",
           "check_not_nested", "others_at_work", "left_alone", "check_memory", "DatasetsAsPlanned"]


class GridMismatch(config.ConfigError):
    """A finished or interrupted run of the grid's folder was trained with other options than asked
    for now (exit code 2): skipping or continuing it would mix two experiments."""


def check_finished(runs, out, options, progress=None, plans=None):
    """Raise :class:`GridMismatch` for the first finished run of ``runs`` in ``out`` trained otherwise
    than ``options`` ask for (:func:`trained_otherwise`), which the grid would skip as its own, or
    interrupted run, which its training would refuse to continue (one failed run in a grid that
    goes on); before anything runs, and before a dry run shows the plan. So does such a run whose
    base's weights file is gone (deleted by hand): the grid would train the base again, another
    network than the one the run copied (its sha256 differs), and keep the run as if from it; but not
    where the base's run folder holds that network, its checkpoint.h5 at the run's end (the weights file
    and the momentum it leaves out; :func:`minitransfer.grid_trained.copied_saved_base`): the grid resumes
    the base first, which restores its weights file byte for byte, and leaves the run as it is (before,
    refused, advising a cp that its resumption does).
    ``progress``: told how far the check has got (:func:`minitransfer.experiment.counted`; a base's
    weights are hashed only where their result.json's record of them no longer holds). ``plans``: the
    :class:`PlannedConfigs` of this check of ``out`` (a new one where None)."""
    plans, runs = PlannedConfigs() if plans is None else plans, list(runs)  # those after a refused one counted too
    for index, run in enumerate(counted(runs, f"checking the runs {out} holds", progress)):
        base = weights_path(out, run.parent) if run.parent else None
        saved = trained_file(out, run, plans)  # looked at once: it reads its result.json (once: plans.states)
        if base is not None and saved and not base.exists() and not copied_saved_base(out, run, saved):
            raise GridMismatch(_base_gone(out, run, base, runs, options.get("preset")))
        differ = trained_otherwise(out, run, options, plans=plans) if saved else []
        if differ:
            if not trained_otherwise(out, run, options, FROM_FILES, plans):  # what config.json records agrees
                _refuse_damaged(out, run, saved)
            _refuse_prepared_again(out, run, options, plans=plans)
            if seeded_by_hand(out, run, options) and not trained_otherwise(out, run, options, ("seed",), plans):
                raise GridMismatch(_not_the_grids(runs, out, run, options, differ[0], plans))
            differ = preset_by_default(differ, options, _image_size(run, out, options))
            raise GridMismatch(f"{run_dir(out, run)} was trained with other options than this grid asks for "
                               f"({'; '.join(differ)}){_also_otherwise(runs[index + 1:], out, options, plans)}; "
                               f"to go on with the runs there, give the options as they were trained (the first value "
                               f"of each; a default of another version too); or choose another output folder for "
                               f"this grid; or, to train them again here, delete the runs trained otherwise first "
                               f"(what they trained is lost)")


def _image_size(run, out, options):
    """The (H, W) of the images ``run`` trains on as ``options`` plan it (its base's dataset, whose size chose the
    default preset), or None where they do not resolve (refused elsewhere)."""
    try:
        return resolved_plan(run.base if run.parent else run, out, options).dataset.image_size
    except (config.ConfigError, config.DataMismatch, datasets.DatasetError):
        return None


def _also_otherwise(rest, out, options, plans):
    """", as were 27 more runs of this grid there (random0/baseB, ... and 24 more)": the runs of ``rest`` (those
    :func:`check_finished` had not looked at yet) trained otherwise than ``options`` ask for too, or "". Before, the
    refusal named the first alone and said "delete the runs trained otherwise first", not which nor how many."""
    more = []
    for run in rest:
        try:
            if trained_file(out, run, plans) and trained_otherwise(out, run, options, plans=plans):
                more.append(run.name)
        except (config.ConfigError, config.DataMismatch):  # not judged here: its own refusal, once the first is gone
            continue
    several = len(more) > 1
    return (f", as {'were' if several else 'was'} {len(more)} more run{'s' if several else ''} of this grid there "
            f"({some_names(more)})") if more else ""


def _base_gone(out, run, base, runs=(), preset=None):
    """The refusal of the transfer ``run`` whose base's weights file ``base`` is gone. A base trained again from an
    earlier checkpoint (`train --resume COPY.h5`, or an older checkpoint.h5 put back) removes it until it ends: while
    it trains (its run folder's lock held), or once stopped there (its checkpoint.h5 left, no result.json), it is
    said so, with how to finish it (:func:`minitransfer.missing_bases.trained_again`, as ``submit.sh`` says it), not
    to restore the file that train removed for good, or to delete ``run`` (what it trained lost). The base's
    training finished, the grid goes on where it trained the network ``run`` copied again. Else, to train it again,
    the paths to delete: the run folder and weights file of each transfer of ``runs`` that copied from it (as the dry
    run's advice names them: :func:`minitransfer.grid_plan_text.transfers_there`). Before, "delete random0/A1B too",
    a run's name; its run folder deleted alone, its weights file left, its train refused to replace it (exit 2).
    ``preset``: the grid's, which the resume command names for a new shell where it is one's own."""
    head = f"{run_dir(out, run)} copied the first {run.n} layers of {run.parent}, whose weights file {base} is gone"
    folder = run_dir(out, run.base)
    pid = holder(folder) if folder.is_dir() else None
    again = f"then run the grid again: it goes on where {run.parent} trained the network {run.name} copied again"
    if pid is not None:
        by = pid_named(pid) if pid > 0 else 'another process'
        return f"{head}: {trained_again(run.parent, folder, by, preset)}, {again}"
    if (folder / CHECKPOINT_FILE).is_file() and not (folder / results.RESULT_FILE).exists():
        return f"{head}: {trained_again(run.parent, shlex.quote(str(folder)), preset=preset)}, {again}"
    copies = {**transfers_there(out, run.base, [run]), **transfers_there(out, run.base, runs)}
    files = ", ".join(shlex.quote(str(path)) for paths in copies.values() for path in paths)
    its, they, s = ("its", "it", "") if len(copies) == 1 else ("their", "they", "s")
    return (f"{head}: the grid would train {run.parent} again, another network than the one {run.name} copied; "
            f"restore {shlex.quote(str(base))}; or, to train {some_names(list(copies))} again from the new "
            f"{run.parent}, delete {its} run folder{s} and weights file{s} (what {they} trained is lost): {files}")


# the fields a run's files tell (its dataset's fingerprint, its base's sha256): read from a damaged file, they differ
FROM_FILES = ("copy_from", "data")


def _refuse_damaged(out, run, saved):
    """Raise a :class:`~minitransfer.checkpoint.CheckpointError` (bad data) where a file that tells how the finished
    or interrupted ``run`` was trained cannot be read (cut short: a copy of the folder made while it was written, or
    one that stopped): its trained file (``saved``), which records its dataset and base, or its base's weights file,
    whose sha256 is compared with the one it copied (read whole: an array that fails its checksum, a byte flipped in
    it, was "another network" too). Before, the grid took either for other options (the paths
    recorded, or "another network") and told the user to delete ``run``, whose network is sound. Called only where
    nothing but those fields (:data:`FROM_FILES`) differ: another seed in config.json is refused as other options.
    Where the file's run's checkpoint.h5 is there, the step that writes it again from that is said: for the base's
    weights file, as the grid's end says it (:func:`minitransfer.bad_checkpoint.bad_weights_step`, the one wording;
    it said "or delete PATH: the grid writes it back from CHECKPOINT" on its own)."""
    base = weights_path(out, run.parent) if run.parent else None
    for path in (saved, base):
        if path is None or not path.exists():
            continue
        try:  # the base's arrays too: a byte flipped in one changes its sha256, which its attributes do not tell
            checkpoints.load(path, solver=False) if path == base else checkpoints.read_meta(path)
        except checkpoints.CheckpointError as error:
            last = run_dir(out, run.base if path == base else run) / CHECKPOINT_FILE
            restore = "" if path == last or not last.is_file() else \
                f"; or {bad_weights_step([run.parent])}" if path == base else \
                f"; or delete {path}: the grid writes it back from {last}"  # its own network: no base's words
            raise checkpoints.CheckpointError(f"{run_dir(out, run)} cannot be checked against this grid's options: "
                                              f"{error}{restore}") from error


def _not_the_grids(runs, out, run, options, change, plans):
    """The refusal of a finished or interrupted ``run`` whose only difference (``change``, as
    :func:`trained_otherwise` says it) is a training seed of its own (:func:`seeded_by_hand`): no
    --seed of the grid gives each run what it trained with, so no options go on with it; moved out
    with the runs of ``runs`` that copied from it, or deleted, the grid trains them as it plans."""
    copies = [other.name for other in runs if other.parent == run.name and trained_file(out, other, plans)]
    also, files = (f" and the runs that copied from it ({', '.join(copies)})", "the weights file and the run folder "
                   "of each") if copies else ("", "its weights file and run folder")
    them, they = ("them", "they") if copies else ("it", "it")
    before, plan = plan_seed(out), pathlib.Path(out) / PLAN_FILE
    planned = "" if before in (None, int(options.get("seed") or 0)) else \
        f"; nor does {before!r}, the seed its plan {plan} records"
    return (f"{run_dir(out, run)} was trained with other options than this grid asks for ({change}{planned}), "
            f"and not by this grid's plan: its training seed is none this grid's seeds give it (trained by hand in "
            f"its place, by an edited script, or by another grid whose plan {out} no longer holds), so no options "
            f"of this grid go on with it; to keep it, move it{also} out of {out} ({files}); or delete {them} to "
            f"train {them} again (what {they} trained is lost)")


def check_folder(runs, out, options, progress=None, plans=None):
    """:func:`check_finished` for ``runs``, :func:`check_others` for the rest of ``out`` and
    :func:`check_at_work` for the other processes working on it: what a grid checks of its folder
    before anything runs (also its dry run and its SLURM scripts), after :func:`check_place`. A grid
    checks and writes its plan holding :class:`GridLock`, which checks the place first. ``progress``:
    told how far the checks of a large folder have got (:func:`minitransfer.experiment.counted`).
    Each configuration the checks compare with is resolved once, and each run's result.json read once
    (``plans``, the :class:`PlannedConfigs` a grid's start goes on with; a new one where None)."""
    plans = PlannedConfigs() if plans is None else plans
    check_finished(runs, out, options, progress, plans)
    check_others(runs, out, options, progress, plans)
    check_at_work(runs, out, options)
    check_being_trained(runs, out, options, plans)


def check_being_trained(runs, out, options, plans=None):
    """Raise :class:`GridMismatch` for a run of ``runs`` that another process trains now (a `train -o`
    started by hand into the grid's folder) with other options than ``options`` ask for, as the
    config.json it wrote as it started records them: the grid waited for it, started its other runs
    meanwhile and refused the folder only once it had ended. Compared as :func:`check_finished`
    compares a finished or interrupted run (which :func:`check_finished` has compared), but its dataset
    and base: before its first checkpoint records which they are (their sha256), a path alone tells
    not (a grid folder moved, a config.json the train has not yet rewritten there); they are compared
    once it ends. ``plans``: as for :func:`check_finished`."""
    for run in runs:
        folder = run_dir(out, run)  # a file in its place is refused after, naming it (holder: "Not a directory")
        pid = None if trained_file(out, run, plans) or not folder.is_dir() else holder(folder)
        differ = trained_otherwise(out, run, options, ("data", "copy_from"), plans) if pid is not None else []
        if differ:
            by = pid_named(pid) if pid > 0 else "another process"
            raise GridMismatch(f"{run_dir(out, run)} is being trained by {by} with other options than this grid "
                               f"asks for ({'; '.join(differ)}): the grid would wait for it and take its network for "
                               f"this grid's; let it end (or stop it), then delete it (what it trained is lost), or "
                               f"choose another output folder for this grid")


def check_at_work(runs, out, options):
    """Raise :class:`GridMismatch` when another process works on ``out`` now (:func:`others_at_work`)
    with other training options than ``options``: its plan, ``OUT/experiment.json``, records them,
    and its runs may not have trained far enough yet for :func:`check_finished` and
    :func:`check_others` to see them (two grids started at once on one folder both passed those and
    trained, say, two schedules into it). Compared as those compare (:func:`plan_changes`); the processes at work
    named (:func:`workers_named`), so that the user knows which to wait for."""
    if not others_at_work(out):
        return
    differ, compared = plan_changes(runs, out, options)
    if differ:
        raise GridMismatch(f"another minitransfer experiment works on {out} now, with other options than this "
                           f"grid asks for ({'; '.join(differ)}; from its plan {pathlib.Path(out) / PLAN_FILE}, "
                           f"{compared}): the report of {out} would pool its networks with this grid's; "
                           f"wait for it{workers_named(out)} to end, or choose another output folder for this grid")


def workers_named(out):
    """The processes that hold the working lock of the grid folder ``out`` (:class:`GridLock`: a grid at work, its
    SLURM tasks), this one apart, in a message's words, as a grid waiting to plan names its planner: " (minitransfer
    experiment, PID 1234)", " (PIDs 1234, 5678)"; "" where none is known (on another host: the kernel's list of locks
    names this machine's alone). Before, the refusal of a grid of other options named nobody to wait for or stop."""
    pids = [pid for pid in flock_holders(pathlib.Path(out) / GridLock.WORKING) if pid != os.getpid()]
    return pids_named(pids)


def check_others(runs, out, options, progress=None, plans=None):
    """Raise :class:`GridMismatch` for a run that ``out`` holds besides ``runs`` (another grid's: other
    split seeds, layers or treatments; or one trained by hand there, which the report reads as the
    treatment its config.json tells), finished or started, that was trained with other options
    than ``options`` ask for, its training seed apart (each run has its own): the report of ``out``
    would pool its network with this grid's (another schedule, learning rate, precision, dataset
    ...). A run trained by hand is compared on its training options alone (the fields its treatment
    is read from say which network it is, not how it was trained). A run whose options cannot be
    resolved the way this grid's are (a cross-dataset grid's source base, asked without
    --source-data) is not judged, nor a folder the report would not read as a run (no config.json,
    a damaged one). ``progress``, ``plans``: as for :func:`check_finished`."""
    plans = PlannedConfigs() if plans is None else plans
    planned = {run.name for run in runs}
    refused = []  # (run, by hand, what differs): every one named, not the first alone
    for other, by_hand in counted(_other_runs(out, planned), f"checking the other runs {out} holds", progress):
        ignore = ("seed",) + (treatments.TREATMENT_FIELDS if by_hand else ())
        try:
            differ = trained_otherwise(out, other, options, ignore, plans) if trained_file(out, other, plans) else []
        except (config.ConfigError, config.DataMismatch):
            continue
        if differ:
            _refuse_prepared_again(out, other, options, ignore, plans)
            refused.append((other, by_hand, differ))
    if refused:
        raise GridMismatch(_others_refused(out, refused))


def _others_refused(out, refused):
    """The refusal of :func:`check_others`: the first run of ``refused`` ((run, by hand, what differs) of each run of
    ``out`` trained otherwise) and what differs, then how many more there are and which. Before, it named the first
    alone and said "delete that run first": a second grid of another dataset into a folder of 28 runs was refused
    28 times over, one deleted run after another."""
    (first, by_hand, differ), more = refused[0], [run.name for run, _, _ in refused[1:]]
    what = (f"a run trained by hand in {out}, which its report reads as {_read_as(first)}," if by_hand
            else f"a run of another grid in {out},")
    head = (f"{run_dir(out, first)}, {what} was trained with other options than this grid asks for "
            f"({'; '.join(differ)}): the report of {out} would pool its network with this grid's")
    if not more:
        return f"{head}; choose another output folder for this grid, or delete that run first (what it trained is lost)"
    return (f"{head}, as it would those of {len(more)} more run{'s' if len(more) > 1 else ''} there trained otherwise "
            f"({some_names(more)}); choose another output folder for this grid, or delete those {len(refused)} runs "
            f"first (what they trained is lost)")


def _refuse_prepared_again(out, run, options, ignore=(), plans=None):
    """Raise :class:`DatasetPreparedAgain` when the dataset folder the finished or interrupted ``run``
    trained on is the one ``options`` give it, but holds another dataset now (its fingerprint, the
    sha256 of its meta.json, differs from the one its weights recorded): the fault is the data, not
    an option; the grid's runs trained on the images the folder held before. ``ignore``, ``plans``: as
    for :func:`trained_otherwise`, which names the other fields that differ too."""
    try:
        trained_on = fileio.parse_json((run_dir(out, run) / "config.json").read_text()).get("data")
        before = checkpoints.read_meta(trained_file(out, run, plans)).get("dataset_fingerprint")
        asked = run_fields(run, out, options).get("data")
    except (OSError, ValueError, AttributeError, TypeError, checkpoints.CheckpointError, config.ConfigError):
        return
    if not all(isinstance(value, str) for value in (trained_on, before, asked)) or \
            os.path.realpath(recorded_path(trained_on)) != os.path.realpath(asked):
        return
    now = dataset_fingerprint(asked)
    if now is None or now == before:
        return
    others = trained_otherwise(out, run, options, tuple(ignore) + ("data",), plans)
    also = f" (the options differ too: {'; '.join(others)})" if others else ""
    option = option_label(run, "data")
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
        run = run if run is not None else recorded_run(folder)
        if run is None:  # not a run the report reads: nothing to judge
            continue
        if run.name not in planned and run_dir(out, run) == folder:
            yield run, folder in by_hand
