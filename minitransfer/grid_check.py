"""Whether the runs a grid folder already holds are this grid's: a finished run is skipped, and an
interrupted one continued, only when it was trained as the grid asks now (every option, defaults
included; the same dataset and the same base, wherever the folder has been moved or copied to),
else the grid stops with :class:`GridMismatch` rather than mix two experiments (with
:class:`DatasetPreparedAgain`, bad data, where its dataset folder was prepared again since); so does a run of
another grid in the folder trained otherwise (:func:`check_others`), which the folder's report would
pool with this grid's, a grid folder inside another's or around one (:func:`check_not_nested`),
one inside a run's directory (:func:`check_outside_run_dirs`), and another ``experiment`` process
working on the folder at the same time with other options (:func:`check_at_work`; :class:`GridLock`
has them check and plan one after the other).

The checks of the folder itself and its locks are in :mod:`minitransfer.grid_folder`, those of the plan
it holds in :mod:`minitransfer.grid_plan`, those of the options before anything is queued in
:mod:`minitransfer.grid_preflight`; their public names are importable from here too.
"""

import functools
import os
import pathlib
import shlex

from minitransfer import checkpoint as checkpoints
from minitransfer import config, config_wording, fileio
from minitransfer.data import dataset as datasets
from minitransfer.experiment import (CHECKPOINT_FILE, CROSS, PLAN_FILE, TREATMENT_FILE, Run, counted,
                                     run_dir, run_fields, run_seed, weights_path)
from minitransfer.grid_folder import (GridLock, check_not_nested, check_outside_data, check_outside_run_dirs,
                                      check_place, others_at_work)
from minitransfer.grid_options import SOURCE_DATA
from minitransfer.grid_plan import left_alone, option_label, plan_changes, plan_id, replaced_plan
from minitransfer.grid_preflight import check_bases, check_layers_copied, check_memory, per_class_notes, resolved_plan
from minitransfer.grid_status import is_finished
from minitransfer.recorded_config import named_differences, recorded_change
from minitransfer.resume_options import RESUME_FREE_FIELDS
from minitransfer.run_lock import holder, pid_named
from minitransfer import results, rundir, run_search, treatments

__all__ = ["GridMismatch", "DatasetPreparedAgain", "PlannedConfigs", "check_finished", "check_folder", "check_at_work",
           "check_others", "check_being_trained", "trained_otherwise", "planned_config", "GridLock", "check_place",
           "check_outside_data", "check_outside_run_dirs", "check_not_nested", "others_at_work", "replaced_plan",
           "plan_id", "left_alone", "check_bases", "check_layers_copied", "resolved_plan", "per_class_notes",
           "check_memory", "DatasetsAsPlanned"]


class GridMismatch(config.ConfigError):
    """A finished or interrupted run of the grid's folder was trained with other options than asked
    for now (exit code 2): skipping or continuing it would mix two experiments."""


class DatasetPreparedAgain(config.DataMismatch):
    """A dataset folder the grid trains on holds another dataset now, prepared again there since (exit
    code 65, bad data, as ``train --resume`` says of such a run): since a finished or interrupted run
    of the grid's folder trained on it (:func:`check_finished`, :func:`check_others`), or since the
    grid planned its runs, before it starts the next one (:class:`DatasetsAsPlanned`). No option of
    the grid continues its runs on these images."""


def check_finished(runs, out, options, progress=None, plans=None):
    """Raise :class:`GridMismatch` for the first finished run of ``runs`` in ``out`` trained otherwise
    than ``options`` ask for (:func:`trained_otherwise`), which the grid would skip as its own, or
    interrupted run, which its training would refuse to continue (one failed run in a grid that
    goes on); before anything runs, and before a dry run shows the plan. So does such a run whose
    base's weights file is gone (deleted by hand): the grid would train the base again, another
    network than the one the run copied (its sha256 differs), and keep the run as if from it.
    ``progress``: told how far the check has got (:func:`minitransfer.experiment.counted`; a base's
    weights are hashed only where their result.json's record of them no longer holds). ``plans``: the
    :class:`PlannedConfigs` of this check of ``out`` (a new one where None)."""
    plans = PlannedConfigs() if plans is None else plans
    for run in counted(runs, f"checking the runs {out} holds", progress):
        base = weights_path(out, run.parent) if run.parent else None
        if base is not None and _trained_file(out, run) and not base.exists():
            raise GridMismatch(f"{run_dir(out, run)} copied the first {run.n} layers of {run.parent}, whose weights "
                               f"file {base} is gone: the grid would train {run.parent} again, another network than "
                               f"the one {run.name} copied; {_restore(out, run, base)}, or delete {run.name} too to "
                               f"train it again from the new {run.parent} (what it trained is lost)")
        differ = trained_otherwise(out, run, options, plans=plans) if _trained_file(out, run) else []
        if differ:
            _refuse_prepared_again(out, run, options, plans=plans)
            raise GridMismatch(f"{run_dir(out, run)} was trained with other options than this grid asks for "
                               f"({'; '.join(differ)}); to go on with the runs there, give the options as they "
                               f"were trained (the first value of each; a default of another version too); or choose "
                               f"another output folder for this grid; or, to train them again here, delete the runs "
                               f"trained otherwise first (what they trained is lost)")


def _restore(out, run, base):
    """How to restore the weights file ``base`` of the run ``run`` copied, which is gone: copied back from its
    run folder's checkpoint.h5 (the command) where that is the network ``run`` copied (the sha256 its
    weights recorded of their base: a finished train's last checkpoint is its weights file), else "restore"."""
    saved = run_dir(out, run.base) / CHECKPOINT_FILE
    try:
        copied = checkpoints.read_meta(_trained_file(out, run)).get("parent_sha256")
    except (checkpoints.CheckpointError, OSError, AttributeError):
        copied = None
    if copied and _sha256(saved) == copied:
        return (f"{saved} is that network: restore {base} from it with `cp {shlex.quote(str(saved))} "
                f"{shlex.quote(str(base))}`")
    return f"restore {base}"


def check_folder(runs, out, options, progress=None):
    """:func:`check_finished` for ``runs``, :func:`check_others` for the rest of ``out`` and
    :func:`check_at_work` for the other processes working on it: what a grid checks of its folder
    before anything runs (also its dry run and its SLURM scripts), after :func:`check_place`. A grid
    checks and writes its plan holding :class:`GridLock`, which checks the place first. ``progress``:
    told how far the checks of a large folder have got (:func:`minitransfer.experiment.counted`).
    Each configuration the checks compare with is resolved once (:class:`PlannedConfigs`)."""
    plans = PlannedConfigs()
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
        pid = None if _trained_file(out, run) else holder(run_dir(out, run))
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
    trained, say, two schedules into it). Compared as those compare (:func:`plan_changes`)."""
    if not others_at_work(out):
        return
    differ, base = plan_changes(runs, out, options)
    if differ:
        raise GridMismatch(f"another minitransfer experiment works on {out} now, with other options than this "
                           f"grid asks for ({'; '.join(differ)}; from its plan {pathlib.Path(out) / PLAN_FILE}, "
                           f"run {base}): the report of {out} would pool its networks with this grid's; "
                           f"wait for it to end, or choose another output folder for this grid")


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
    for other, by_hand in counted(_other_runs(out, planned), f"checking the other runs {out} holds", progress):
        ignore = ("seed",) + (treatments.TREATMENT_FIELDS if by_hand else ())
        try:
            differ = trained_otherwise(out, other, options, ignore, plans) if _trained_file(out, other) else []
        except (config.ConfigError, config.DataMismatch):
            continue
        if differ:
            _refuse_prepared_again(out, other, options, ignore, plans)
            what = (f"a run trained by hand in {out}, which its report reads as {_read_as(other)}," if by_hand
                    else f"a run of another grid in {out},")
            raise GridMismatch(f"{run_dir(out, other)}, {what} was trained with other options than this grid asks "
                               f"for ({'; '.join(differ)}): the report of {out} would pool its network with this "
                               f"grid's; choose another output folder for this grid, or delete that run first (what "
                               f"it trained is lost)")


def _refuse_prepared_again(out, run, options, ignore=(), plans=None):
    """Raise :class:`DatasetPreparedAgain` when the dataset folder the finished or interrupted ``run``
    trained on is the one ``options`` give it, but holds another dataset now (its fingerprint, the
    sha256 of its meta.json, differs from the one its weights recorded): the fault is the data, not
    an option; the grid's runs trained on the images the folder held before. ``ignore``, ``plans``: as
    for :func:`trained_otherwise`, which names the other fields that differ too."""
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
        if run is None:
            try:
                run = Run.from_json(fileio.parse_json((folder / TREATMENT_FILE).read_text()))
            except (OSError, ValueError, TypeError, AttributeError):  # not a run the report reads: nothing to judge
                continue
        if run.name not in planned and run_dir(out, run) == folder:
            yield run, folder in by_hand


def _trained_file(out, run):
    """What ``run`` has trained so far: its weights file when finished, else its checkpoint if it
    was interrupted (None when it has not started)."""
    if is_finished(out, run):
        return weights_path(out, run.name)
    saved = run_dir(out, run) / CHECKPOINT_FILE
    return saved if saved.exists() else None


def trained_otherwise(out, run, options, ignore=(), plans=None):
    """The fields a finished or interrupted ``run`` was trained with that differ from what ``options`` ask for now,
    as "`name` recorded -> asked" texts (none when they agree, or when its config.json is unreadable).
    Every field is compared, defaults included (:func:`planned_config`): an option given before and
    left out now differs, and so does a copy retrained by hand with another option (a lower
    --base-lr after it diverged: one schedule of the grid's report no longer). The dataset is the
    one whose fingerprint its weights recorded, and a transfer's base the file whose sha256 they
    recorded, wherever the grid and its dataset have been moved or copied to; a dataset prepared
    again in its folder, or a base trained again in its place, differs (:mod:`minitransfer.resume`);
    so does a finished run whose weights file is another run's network. Fields named in ``ignore``
    are not compared. ``plans``: as for :func:`planned_config`."""
    try:
        recorded = fileio.parse_json((run_dir(out, run) / "config.json").read_text())
    except (OSError, ValueError):
        return []
    saved = _trained_file(out, run)
    try:  # a run another process trains has recorded its options in config.json before any checkpoint
        trained = checkpoints.read_meta(saved) if saved else {}
    except (checkpoints.CheckpointError, OSError):  # as an unreadable config.json: nothing recorded to compare
        if not is_finished(out, run):  # a checkpoint that its run refuses to continue, naming it
            return []
        trained = {}
    if is_finished(out, run) and trained.get("config"):
        swapped = _another_network(recorded, trained["config"])
        if swapped:  # each transfer copying it would copy that other network
            return [f"its weights file {weights_path(out, run.name)} is another run's network, not the one its "
                    f"config.json records ({swapped})"]
    changes = {}
    asked_fields = planned_config(run, out, options, plans)
    digests_now = {"copy_from": _sha256, "data": _fingerprint}
    for name, asked in asked_fields.items():
        if asked is None or name in RESUME_FREE_FIELDS + ("out",) + tuple(ignore) or name not in recorded:
            continue
        change = recorded_change(name, recorded[name], asked, trained, digests_now.get(name))
        if change and name == "seed":
            change = _seed_change(out, run, recorded[name], options)
        if change:
            changes[name] = f"{option_label(run, name)} {change}"
    # a default that follows from another option that differs (--eval-batch-size from --batch-size) goes with it:
    # named, it would be one more option to give back, one experiment does not take
    return named_differences(changes, {name for name in changes if options.get(name) is None})


def planned_config(run, out, options, plans=None):
    """Every configuration field of ``run`` as the grid trains it from ``options`` ({name: value}),
    defaults filled in as ``train`` resolves them: a base's from its own fields; a copy's as those of
    a base on its own classes with its base's preset, which is what it inherits of its base (the
    split, its seed and the other half, the dataset, the preset; its fc8 from its own classes, the
    schedule, batch and solver from that preset), then the copy's own (`copy_from`, `n`, `frozen`,
    its seed and file). Raises ``ConfigError`` (naming the run) where ``options`` do not resolve.
    ``plans``: the :class:`PlannedConfigs` that hold what this check of the grid folder has resolved
    (None: resolved anew)."""
    plans = PlannedConfigs() if plans is None else plans
    if run.parent is None:
        return plans.resolved(run, out, options, run).config.to_dict()
    preset = plans.resolved(run.base, out, options, run.base).config.preset
    own = Run(run.name, "base", run.split, run.split_seed, target=run.target, per_class=run.per_class)
    halves = (own.split, own.split_seed, own.target, own.per_class)  # its name gives only its seed and file
    planned = plans.resolved(own, out, dict(options, preset=preset), halves).config.to_dict()
    fields = run_fields(run, out, options)
    planned.update((name, fields[name]) for name in ("copy_from", "n", "frozen", "seed", "out"))
    return planned


class PlannedConfigs:
    """The configurations :func:`planned_config` has resolved during one check of a grid folder: each
    resolve opens the dataset and reads every shard's labels (about 1000 of ImageNet's), which every
    finished copy of a large grid paid twice, on every rerun and dry run. A base is resolved once, for
    itself and for each of its copies; a copy's own half once per split, half, per-class count and
    preset. Create one per check (a dataset prepared again later resolves otherwise); ``out`` and
    ``options`` are part of each key, so that other ones are never answered from it."""

    def __init__(self):
        self._plans = {}

    def resolved(self, run, out, options, key):
        """:func:`minitransfer.grid_preflight.resolved_plan` of ``run``, resolved once per ``key`` (what
        tells apart the runs resolved alike), ``out`` and ``options``."""
        key = (key, str(out), repr(sorted(options.items())))
        if key not in self._plans:
            self._plans[key] = resolved_plan(run, out, options)
        return self._plans[key]


def _seed_change(out, run, recorded, options):
    """How the training seed of ``run`` differs, as the grid's seeds: each run trains with a seed
    derived from the grid's (:func:`minitransfer.experiment.run_seed`), which is what a person gave
    and should read. The earlier grid's is the one its plan (``OUT/experiment.json``) recorded, when
    that seed gives this run's; else the run's own seed is named. Each side says whose it is."""
    asked = int(options.get("seed") or 0)
    try:
        before = fileio.parse_json((pathlib.Path(out) / PLAN_FILE).read_text())["options"]["seed"]
    except (OSError, ValueError, KeyError, TypeError):
        before = None
    if isinstance(before, int) and not isinstance(before, bool) and run_seed(before, run) == recorded:
        return (f"{before!r} -> {asked!r} (the grid's seed the runs there trained from -> the one given now; each "
                f"run's own derives from it)")
    own, given = run_seed(asked, run), option_label(run, "seed")
    return f"{recorded!r} -> {own!r} (the run's own seed -> the one the grid's {given} {asked!r} derives for it)"


def _another_network(recorded, weights_config):
    """How the configuration a finished run's weights file records differs from its config.json
    (both written by the same `train`: they differ only when the file was replaced by another
    run's, e.g. another half's base copied over it), as "`name` in config.json -> in the weights
    file" texts joined by "; ", or "" when they agree. `out` is compared by its file name: a folder
    moved whole, or config.json written by an older version (`out` as typed, relative), records
    the same weights in another place."""
    def differs(name):
        before, after = recorded.get(name), weights_config.get(name)
        if name == "out" and isinstance(before, str) and isinstance(after, str):
            return pathlib.PurePath(before).name != pathlib.PurePath(after).name
        return before != after

    fields = sorted(set(recorded) | set(weights_config))
    return "; ".join(f"`{name}` {recorded.get(name)!r} -> {weights_config.get(name)!r}" for name in fields
                     if name not in RESUME_FREE_FIELDS and differs(name))


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


class DatasetsAsPlanned:
    """The datasets a grid trains on (``options``' data and source data) as it planned its runs: each
    run it starts later is checked to find them so (:meth:`check`). A training holds its dataset
    (prepare refuses to write there meanwhile), but between runs (the grid waiting for runs another
    process trains, a SLURM task's) prepare could replace one: the grid's next runs then trained on
    other images than its finished ones (their transfers on bases of the images before), unnoticed
    until a rerun or the report refused the folder."""

    def __init__(self, out, options):
        self.out = out
        self.planned = {key: (options[key], _fingerprint(options[key])) for key in ("data", SOURCE_DATA)
                        if isinstance(options.get(key), str)}

    def check(self):
        """Raise :class:`DatasetPreparedAgain` where a dataset was prepared again since the grid planned."""
        for key, (path, before) in self.planned.items():
            now = _fingerprint(path)
            if before is not None and now != before:
                now = "none readable" if now is None else now[:12]
                raise DatasetPreparedAgain(
                    f"{path} was prepared again (or is being prepared) while the grid in {self.out} ran (sha256 of "
                    f"its meta.json {before[:12]} -> {now}): its runs so far trained on the images it held before, "
                    f"and the grid stopped rather than train its next runs on other ones; to go on with this grid, "
                    f"give the dataset they trained on (a copy, or prepared again as it was) as "
                    f"{config_wording.option_name(key)}; to train on these images, choose another output folder "
                    f"for this grid (or delete the runs in {self.out} first: what they trained is lost)")


def _fingerprint(path):
    """The fingerprint of the dataset at ``path`` (the sha256 of its meta.json), or None without one."""
    try:
        return datasets.open_dataset(path).fingerprint
    except datasets.DatasetError:
        return None
