"""How a run a grid folder holds was trained, against how the grid trains it now
(:mod:`minitransfer.grid_check` refuses the folder where they differ): :func:`trained_otherwise`, the
options that differ, every field compared with the one the grid resolves for the run
(:func:`planned_config`, once per check: :class:`PlannedConfigs`), its dataset and its base by their
digests (:func:`dataset_fingerprint`, :func:`weights_sha256`, :func:`base_sha256`), wherever the folder has been
moved or copied to; and :class:`DatasetsAsPlanned`, the datasets a grid trains on as they were when it planned.
"""

import os
import pathlib

from minitransfer import checkpoint as checkpoints
from minitransfer import config, config_wording, fileio, rundir
from minitransfer.checkpoint_identity import copied_sha256, weights_network_sha256, weights_sha256
from minitransfer.data import dataset as datasets
from minitransfer.experiment import CHECKPOINT_FILE, PLAN_FILE, Run, run_dir, run_fields, run_seed, weights_path
from minitransfer.grid_options import SOURCE_DATA
from minitransfer.grid_plan import option_label
from minitransfer.grid_preflight import resolved_plan
from minitransfer.grid_status import RunStates, is_lost, missing_result, unreadable_result
from minitransfer.recorded_config import named_differences, recorded_change
from minitransfer.resume_options import RESUME_FREE_FIELDS

__all__ = ["DatasetPreparedAgain", "DatasetsAsPlanned", "PlannedConfigs", "dataset_fingerprint", "plan_seed",
           "planned_config", "base_sha256", "copied_base_sha256", "copied_saved_base", "seeded_by_hand", "trained_file",
           "trained_otherwise", "weights_sha256"]


class DatasetPreparedAgain(config.DataMismatch):
    """A dataset folder the grid trains on holds another dataset now, prepared again there since (exit
    code 65, bad data, as ``train --resume`` says of such a run): since a finished or interrupted run
    of the grid's folder trained on it (:func:`minitransfer.grid_check.check_finished`,
    :func:`minitransfer.grid_check.check_others`), or since the grid planned its runs, before it
    starts the next one (:class:`DatasetsAsPlanned`). No option of the grid continues its runs on
    these images."""


def trained_file(out, run, plans=None):
    """What ``run`` has trained so far: its weights file when finished, or when its result.json is lost
    (:func:`_network_kept`), else its checkpoint if it was interrupted (None when it has not started).
    ``plans``: the :class:`PlannedConfigs` of this check, whose :class:`~minitransfer.grid_status.RunStates`
    read its result.json once (None: read now)."""
    return _trained_file(out, run, _network_kept(out, run, plans))


def _trained_file(out, run, kept):
    """:func:`trained_file`, where ``kept`` is :func:`_network_kept`'s answer."""
    if kept:
        return weights_path(out, run.name)
    saved = run_dir(out, run) / CHECKPOINT_FILE
    return saved if saved.exists() else None


def _network_kept(out, run, plans=None):
    """Whether the grid keeps the network of ``run`` as it is: finished, or its result.json lost
    (:func:`~minitransfer.grid_status.is_lost`; not there, :func:`~minitransfer.grid_status.missing_result`: the
    grid skips it and its transfers copy it, so it is checked as a finished run is; before, it was not checked at
    all, trained with any options). ``plans``: as for :func:`trained_file`."""
    if not weights_path(out, run.name).exists():
        return False
    unreadable = unreadable_result(out, run, None if plans is None else plans.states)
    if unreadable is not None:
        return is_lost(out, run, unreadable)
    return (run_dir(out, run) / rundir.RESULT_FILE).exists() or missing_result(out, run) is not None


def trained_otherwise(out, run, options, ignore=(), plans=None):
    """The fields a finished or interrupted ``run`` was trained with that differ from what ``options`` ask for now,
    as "`name` recorded -> asked" texts (none when they agree, or when its config.json is unreadable).
    Every field is compared, defaults included (:func:`planned_config`): an option given before and
    left out now differs, and so does a copy retrained by hand with another option (a lower
    --base-lr after it diverged: one schedule of the grid's report no longer). The dataset is the
    one whose fingerprint its weights recorded, and a transfer's base the file whose sha256 they
    recorded, or one of the same network (:func:`copied_base_sha256`: the same base trained in another
    folder, on another machine), wherever the grid and its dataset have been moved or copied to; a dataset
    prepared again in its folder, or a base trained again in its place into another network, differs
    (:mod:`minitransfer.resume`); so does a finished run whose weights file is another run's network. Fields
    named in ``ignore`` are not compared. ``plans``: as for :func:`planned_config`."""
    try:
        recorded = fileio.parse_json((run_dir(out, run) / "config.json").read_text())
    except (OSError, ValueError):
        return []
    kept = _network_kept(out, run, plans)  # looked at once: its result.json read once
    saved = _trained_file(out, run, kept)
    try:  # a run another process trains has recorded its options in config.json before any checkpoint
        trained = checkpoints.read_meta(saved) if saved else {}
    except (checkpoints.CheckpointError, OSError):  # as an unreadable config.json: nothing recorded to compare
        if not kept:  # a checkpoint that its run refuses to continue, naming it
            return []
        trained = {}
    if kept and trained.get("config"):
        swapped = _another_network(recorded, trained["config"])
        if swapped:  # each transfer copying it would copy that other network
            return [f"its weights file {weights_path(out, run.name)} is another run's network, not the one its "
                    f"config.json records ({swapped})"]
    changes = {}
    asked_fields = planned_config(run, out, options, plans)
    digests_now = {"copy_from": lambda path: copied_base_sha256(out, run, trained, path), "data": dataset_fingerprint}
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
    ``options`` are part of each key, so that other ones are never answered from it. Its ``states``
    (:class:`~minitransfer.grid_status.RunStates`): each run's result.json, read once for the check and the
    grid's start after it."""

    def __init__(self):
        self._plans = {}
        self.states = RunStates()

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
    asked, before = int(options.get("seed") or 0), plan_seed(out)
    if before is not None and run_seed(before, run) == recorded:
        return (f"{before!r} -> {asked!r} (the grid's seed the runs there trained from -> the one given now; each "
                f"run's own derives from it)")
    own, given = run_seed(asked, run), option_label(run, "seed")
    return f"{recorded!r} -> {own!r} (the run's own seed -> the one the grid's {given} {asked!r} derives for it)"


def plan_seed(out):
    """The grid seed the plan of ``out`` (``OUT/experiment.json``) records, or None where it records none."""
    try:
        seed = fileio.parse_json((pathlib.Path(out) / PLAN_FILE).read_text())["options"]["seed"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else None


def seeded_by_hand(out, run, options):
    """Whether the training seed the config.json of ``run`` records is one neither the grid's seed in
    ``options`` nor the one its plan records (:func:`plan_seed`) derives for it (:func:`_seed_change`
    names it as the run's own): trained by hand in the grid's place for it, or by an edited script."""
    try:
        recorded = fileio.parse_json((run_dir(out, run) / "config.json").read_text()).get("seed")
    except (OSError, ValueError, AttributeError):
        return False
    seeds = (int(options.get("seed") or 0), plan_seed(out))
    return recorded not in {run_seed(seed, run) for seed in seeds if seed is not None}


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


def base_sha256(out, run, path):
    """The sha256 of the base file ``path`` the transfer ``run`` of the grid folder ``out`` copies now
    (:func:`weights_sha256`); where that is its base's weights file there, and gone, the sha256 of the base's
    run folder's checkpoint.h5 (None where there is none), which holds the same network and its momentum: the
    sha256 a transfer recorded where the weights file was the checkpoint's copy (written before version 0.11),
    else another, and the transfer compared by the network's digest (:func:`copied_base_sha256`). The grid
    resumes that base, whose train writes its weights file back from there byte for byte, as train wrote it
    (:func:`minitransfer.final_weights.final_weights`). Before, a grid folder copied or moved whose base's
    weights file was gone was refused as copied from another base."""
    return weights_sha256(_base_file(out, run, path))


def _base_file(out, run, path):
    """The file holding the base ``path`` the transfer ``run`` of ``out`` copies now: ``path``, or where that is
    its base's weights file there, and gone, the base's run folder's checkpoint.h5."""
    if run.parent and not os.path.lexists(path) and pathlib.Path(path) == weights_path(out, run.parent):
        return run_dir(out, run.base) / CHECKPOINT_FILE
    return path


def copied_base_sha256(out, run, trained, path):
    """The sha256 of the base file ``path`` the transfer ``run`` of ``out`` copies now (:func:`base_sha256`), as
    it compares with the one ``run``'s trained file recorded (``trained``, its checkpoint's root attributes): that
    recorded one where the file is another but holds the network ``run`` copied, by the digest its ``source``
    record holds (:func:`minitransfer.checkpoint_identity.copied_sha256`): the same base written elsewhere
    (trained again with the same options in another folder, on another machine, whose weights record their own
    paths) and gathered into this grid with ``run``. Before, such a run was refused as copied from another
    network. A run written before that record is compared by the file's sha256 alone, as before."""
    return copied_sha256(trained, base_sha256(out, run, path), lambda: base_network_sha256(out, run, path))


def copied_saved_base(out, run, saved):
    """Whether the file ``saved`` that ``run`` of ``out`` trained (:func:`trained_file`) copied the network its
    base's file holds now, its base's checkpoint.h5 where its weights file is gone (:func:`copied_base_sha256`:
    by the file's sha256, or by the network's digest where ``run`` recorded one); not where it recorded no sha256
    of its base, or ``saved`` cannot be read. ``submit.sh`` asks it (:mod:`minitransfer.slurm_copied`) as
    :func:`minitransfer.grid_check.check_finished` asks it."""
    try:
        meta = checkpoints.read_meta(saved) if saved else {}
    except (checkpoints.CheckpointError, OSError, AttributeError):
        return False
    copied = meta.get("parent_sha256")
    return bool(copied) and copied_base_sha256(out, run, meta, weights_path(out, run.parent)) == copied


def base_network_sha256(out, run, path):
    """The digest of the network in the base file ``path`` the transfer ``run`` of ``out`` copies now, found as
    :func:`base_sha256` finds the file (its base's run folder's checkpoint.h5 where its weights file is gone):
    :func:`minitransfer.checkpoint_identity.weights_network_sha256` (the one its result.json recorded while the
    file is as train wrote it, else the file read); None where there is none or it cannot be read."""
    return weights_network_sha256(_base_file(out, run, path))


class DatasetsAsPlanned:
    """The datasets a grid trains on (``options``' data and source data) as it planned its runs: each
    run it starts later is checked to find them so (:meth:`check`). A training holds its dataset
    (prepare refuses to write there meanwhile), but between runs (the grid waiting for runs another
    process trains, a SLURM task's) prepare could replace one: the grid's next runs then trained on
    other images than its finished ones (their transfers on bases of the images before), unnoticed
    until a rerun or the report refused the folder."""

    def __init__(self, out, options):
        self.out = out
        self.planned = {key: (options[key], dataset_fingerprint(options[key])) for key in ("data", SOURCE_DATA)
                        if isinstance(options.get(key), str)}

    def check(self):
        """Raise :class:`DatasetPreparedAgain` where a dataset was prepared again since the grid planned."""
        for key, (path, before) in self.planned.items():
            now = dataset_fingerprint(path)
            if before is not None and now != before:
                now = "none readable" if now is None else now[:12]
                raise DatasetPreparedAgain(
                    f"{path} was prepared again (or is being prepared) while the grid in {self.out} ran (sha256 of "
                    f"its meta.json {before[:12]} -> {now}): its runs so far trained on the images it held before, "
                    f"and the grid stopped rather than train its next runs on other ones; to go on with this grid, "
                    f"give the dataset they trained on (a copy, or prepared again as it was) as "
                    f"{config_wording.option_name(key)}; to train on these images, choose another output folder "
                    f"for this grid (or delete the runs in {self.out} first: what they trained is lost)")


def dataset_fingerprint(path):
    """The fingerprint of the dataset at ``path`` (the sha256 of its meta.json), or None without one."""
    try:
        return datasets.open_dataset(path).fingerprint
    except datasets.DatasetError:
        return None
