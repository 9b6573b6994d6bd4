"""The plan ``OUT/experiment.json`` that a grid folder holds, as a grid checks it
(:mod:`minitransfer.grid_check`): how it differs from this grid's options (:func:`plan_changes`),
its id (:func:`plan_id`), and the runs it lists that this grid does not plan (:func:`left_alone`).
A plan nothing was trained from (written for SLURM scripts, or by a grid stopped before its first
checkpoint) is replaced by one of other options, with a note saying so and that its SLURM scripts
are stale (:func:`replaced_plan`).
"""

import pathlib
import re

from minitransfer import config, config_wording, fileio, run_search
from minitransfer.data import dataset as datasets
from minitransfer.experiment import (CROSS, LOG_FILE, PLAN_FILE, PLAN_ID, SLURM_SCRIPTS, SOURCE, TREATMENT_FILE, Run,
                                     run_dir, some_names)
from minitransfer.grid_plan_file import options_fingerprint, plan_and_fault, planned_records, read_plan, records_of
from minitransfer.grid_plan_text import first_step, transfers_there
from minitransfer.grid_status import BEING_TRAINED, DONE, RESUME, TODO, WEIGHTS_ALONE, error_line, run_status
from minitransfer.grid_folder import others_at_work
from minitransfer.grid_options import SOURCE_DATA
from minitransfer.grid_preflight import resolved_plan
from minitransfer.recorded_config import named_differences
from minitransfer.resume_options import RESUME_FREE_FIELDS
from minitransfer.slurm_plan import SUBMIT_FILE, SUBMITTED_FILE


def replaced_plan(runs, out, options, slurm_dir=None, read=None, dry_run=False):
    """What to tell of the plan ``OUT/experiment.json`` that this grid's replaces, when it planned
    its runs with other training options than ``options`` (:func:`plan_changes`): a plan nothing
    was trained from (:func:`minitransfer.grid_check.check_folder` refuses a folder holding a run trained otherwise), as
    one a grid stopped before its first checkpoint, or one written for SLURM scripts
    (``--emit-slurm``) wrote; its SLURM scripts, where it recorded them, are stale: their tasks
    still queued end without training (:func:`plan_id`), to be cancelled. One that cannot be read (emptied,
    truncated: :func:`minitransfer.grid_plan_file.plan_and_fault`) is replaced too, and said to be (before,
    with no word), as is one that reads but no longer holds the plan a grid wrote (:func:`_not_held`: before,
    ``{}`` or its runs cut were rewritten without a word), and one missing from a folder a grid planned
    (:func:`_missing_plan`). None when it planned them as ``options`` do, or there is none (a new grid).
    ``slurm_dir``: where this grid writes its SLURM scripts. ``dry_run``: said as what the grid would do (a dry run
    writes nothing: it said "replaced"). ``read``: the plan as :func:`~minitransfer.grid_plan_file.plan_and_fault`
    read it, where the caller did (None: read here)."""
    replaced = "would be replaced" if dry_run else "replaced"
    plan = pathlib.Path(out) / PLAN_FILE
    missing = _missing_plan(out, dry_run)
    if missing is not None:
        return missing
    # read once: a plan rewritten between reads would be told of in parts
    recorded, unreadable = plan_and_fault(out) if read is None else read
    if unreadable is not None:
        return f"{plan} could not be read ({unreadable}): what it held {'' if dry_run else 'is '}{replaced} by this " \
            f"grid's plan"
    differ, compared = _changes(runs, out, options, recorded)
    if not differ:
        missing = _not_held(runs, out, recorded)
        return f"{plan} does not hold this grid's plan ({'; '.join(missing)}): {replaced} by it" if missing else None
    note = (f"{plan} planned runs with other options than this grid's ({'; '.join(differ)}; {compared}): "
            f"{replaced} by this grid's plan")
    scripts = text_of(recorded, SLURM_SCRIPTS)
    if scripts is not None:
        cancel = f"cancel them (scancel; {pathlib.Path(scripts) / SUBMITTED_FILE} lists them)"
        if slurm_dir is not None and pathlib.Path(slurm_dir).resolve() == pathlib.Path(scripts).resolve():
            note += (f"; its SLURM scripts in {scripts} are written again, and their tasks still queued will end "
                     f"without training (exit 2): {cancel} before running {pathlib.Path(scripts) / SUBMIT_FILE}")
        else:
            note += (f"; the SLURM scripts written for it in {scripts} are stale: their tasks still queued will end "
                     f"without training (exit 2), and their {SUBMIT_FILE} submits nothing; {cancel}")
    return config_wording.worded(note)


def recorded_run(folder):
    """The :class:`~minitransfer.experiment.Run` the treatment.json of the run folder ``folder`` records (a
    grid wrote it with its plan), or None where there is none the report reads."""
    try:
        return Run.from_json(fileio.parse_json((folder / TREATMENT_FILE).read_text()))
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def _missing_plan(out, dry_run=False):
    """What to tell where ``OUT/experiment.json`` is missing (deleted by hand, or lost) from a folder whose run
    folders hold the treatment.json a grid writes with its plan: it is written again from this grid's options,
    and what was only in the plan lost is gone. Before, it was rewritten without a word. None where it is
    there, or no run folder was planned (a new grid, runs trained by hand)."""
    out = pathlib.Path(out)
    plan = out / PLAN_FILE
    if plan.exists() or plan.is_symlink() or not out.is_dir():
        return None
    folders = [path for _, path in run_search.find_runs(out).runs]  # where the grid and the report find runs
    planned = sorted(str(folder.relative_to(out)) for folder in folders  # not a copy elsewhere (OUT/old/random0)
                     if (run := recorded_run(folder)) is not None and run_dir(out, run) == folder)
    if not planned:
        return None
    count = f"{len(planned)} run folder{'s' if len(planned) > 1 else ''}"
    return (f"{plan} is missing (deleted, or lost), though {count} there ({some_names(planned)}) "
            f"{'were' if len(planned) > 1 else 'was'} planned by a grid: {'it would be ' if dry_run else ''}written "
            f"again from this grid's options. "
            f"The runs there are checked against the options each recorded, as on any rerun (one trained otherwise "
            f"is refused), not against the plan lost; the runs it listed that this grid does not plan are no longer "
            f"listed nor said to be left alone, and the SLURM scripts it recorded no longer are")


def _not_held(runs, out, plan):
    """What the parsed ``plan`` (:func:`read_plan`; None: none) lacks of the plan a grid wrote, edited by
    hand: its ``options`` or ``runs``, entries of ``runs`` that are no run record (which the grid drops), or
    runs of ``runs`` it planned (their folders hold the treatment.json it wrote with them) that it no longer
    lists (a plan of fewer runs, from fewer layers, is one the grid adds to: not said). [] for none."""
    if plan is None:
        return []
    missing = [f"no `{key}`" if key not in plan else f"`{key}` not {what}" for key, kind, what in
               (("options", dict, "an object"), ("runs", list, "a list")) if not isinstance(plan.get(key), kind)]
    if not isinstance(plan.get("runs"), list):
        return missing
    odd = len(plan["runs"]) - len(records_of(plan))
    if odd:
        missing.append(f"{odd} {'entries' if odd > 1 else 'entry'} of `runs` that {'are' if odd > 1 else 'is'} "
                       f"no run record")
    listed = {record["name"] for record in records_of(plan)}
    unlisted = [run.name for run in runs if run.name not in listed and (run_dir(out, run) / TREATMENT_FILE).is_file()]
    if unlisted:
        missing.append(f"{len(unlisted)} run{'s' if len(unlisted) > 1 else ''} it planned no longer listed: "
                       f"{some_names(unlisted)}")
    return missing


def plan_id(runs, out, options, recorded):
    """The id of the plan of ``runs`` with ``options`` (:data:`~minitransfer.experiment.PLAN_ID`): that
    of ``recorded``, the plan ``OUT/experiment.json`` holds (parsed, :func:`read_plan`; None: none),
    where this one plans its runs as it did (the same grid again, more seeds or layers, another
    --device: :func:`plan_changes`), else a fingerprint of ``options``. A task of SLURM scripts trains
    only while OUT's plan has the id of theirs (:mod:`minitransfer.slurm`): replaced by a plan of
    other options, they no longer do."""
    identity = text_of(recorded, PLAN_ID)
    if identity is not None and re.fullmatch("[0-9a-f]+", identity) and not _changes(runs, out, options, recorded)[0]:
        return identity
    return options_fingerprint(options)


def recorded_options(out):
    """The options the plan ``OUT/experiment.json`` records (a dict), or None without a readable one."""
    return options_of(read_plan(out))


def options_of(plan):
    """The options the parsed ``plan`` (:func:`read_plan`; None: none) records (a dict), or None."""
    options = plan.get("options") if plan is not None else None
    return options if isinstance(options, dict) else None


def text_of(plan, key):
    """The text the parsed ``plan`` (:func:`read_plan`; None: none) records under ``key`` (the folder of
    the SLURM scripts it was written for, its id), or None."""
    value = plan.get(key) if plan is not None else None
    return value if isinstance(value, str) else None


def plan_changes(runs, out, options):
    """How the training options the plan ``OUT/experiment.json`` records differ from ``options``,
    as check_finished and check_others compare a run's: each base of either plan on every field,
    defaults included; the training seed only for a base both plans list (each run has its own).
    A field whose default follows from another that differs (`stepsize` from `max_iter`), given by
    neither, is not named (:func:`~minitransfer.recorded_config.named_differences`, as those name a
    run's). A base either cannot resolve (a cross-dataset grid's source base, asked without
    --source-data) is not judged. The plan's own bases are compared first, so that the run named is
    one it lists (before, one of this grid's: a plan at work on random0 was named by random5/baseA).
    Returns the "`name` before -> asked" texts of the first base that differs and which run that is
    ("run random0/baseA"; "run random5/baseA, which it does not list" where none of the plan's
    resolves and differs), or ``([], None)`` (also without a readable plan)."""
    return _changes(runs, out, options, read_plan(out))


def _changes(runs, out, options, plan):
    """:func:`plan_changes` against ``plan``, the one ``OUT/experiment.json`` holds, parsed (None: none)."""
    recorded = options_of(plan)
    if recorded is None:  # a plan not written yet, or hand-edited
        return [], None
    if recorded == dict(options):  # a rerun as planned: nothing to resolve, base by base, in a large grid
        return [], None
    theirs = []
    for record in records_of(plan):
        try:
            theirs.append(Run.from_json(record))
        except TypeError:  # a record edited by hand, missing fields: the others and the options still tell
            continue
    listed = {run.name for run in theirs}
    shared = {run.name for run in runs} & listed
    bases = {}
    for run in theirs + runs:
        if run.parent is None:
            bases.setdefault(run.name, run)
    for base in bases.values():
        try:
            asked_plan, before_plan = (resolved_plan(base, out, fields) for fields in (options, recorded))
        except (config.ConfigError, config.DataMismatch, datasets.DatasetError):
            continue
        asked, before = asked_plan.config.to_dict(), before_plan.config.to_dict()
        free = RESUME_FREE_FIELDS + ("out",) + (() if base.name in shared else ("seed",))
        differ = {name: f"{option_label(base, name)} {before.get(name)!r} -> {value!r}" if name != "seed" else
                      f"`seed` {recorded.get('seed')!r} -> {options.get('seed')!r} (the grid's)"
                  for name, value in asked.items() if name not in free and before.get(name) != value}
        if "data" in differ and asked_plan.dataset.fingerprint == before_plan.dataset.fingerprint:
            # moved or copied elsewhere (a second machine's copy): as check_finished judges a run's, by its
            # fingerprint; before, such a plan was said to be of other options, and that machine refused
            del differ["data"]
        unset = {name for name in differ if options.get(name) is None and recorded.get(name) is None}
        if differ:
            return (preset_by_default(named_differences(differ, unset), options, asked_plan.dataset.image_size),
                    f"run {base.name}" if base.name in listed else f"run {base.name}, which it does not list")
    return [], None


def preset_by_default(differ, options, image_size):
    """The differences ``differ`` (texts "`name` before -> now"), that of a preset ``options`` leave to its default
    for the images of ``image_size`` (H, W) said so: "`preset` 'micro' -> 'mini', the default for 36 px images as no
    `preset` was given". Before, "--preset 'micro' -> 'mini'" alone, as if the user had given --preset mini."""
    if options.get("preset") is not None or image_size is None:
        return list(differ)
    by_default = f", the default for {max(image_size)} px images as no `preset` was given"
    return [f"{text}{by_default}" if text.startswith("`preset` ") else text for text in differ]


def left_alone(runs, out, states=None, read=None):
    """What to tell of the runs an earlier plan of ``out`` (``OUT/experiment.json``) lists besides
    ``runs`` (those planned now, and the bases they copy from): a grid rerun with fewer layers or
    split seeds, or other treatments, neither trains nor rewrites them, so the unfinished ones stay
    so, and its report reads the finished ones with this grid's; each told as it stands (finished, interrupted,
    failed: its train.log ending on an error, not started). None when there are none. ``states``: as for
    :func:`minitransfer.grid_status.unreadable_result` (each result.json read once in a grid's start); ``read``: the
    plan as :func:`~minitransfer.grid_plan_file.plan_and_fault` read it, where the caller did (None: read here)."""
    planned = {run.name for run in runs} | {run.parent for run in runs if run.parent}
    groups, kinds = {}, {}
    for record in planned_records(out) if read is None else records_of(read[0]):
        try:
            other = Run.from_json(record)
        except TypeError:  # a record edited by hand: check_others judges what its folder holds
            continue
        if other.name in planned:
            continue
        planned.add(other.name)
        status = run_status(out, other, states)
        what = {DONE: "finished", BEING_TRAINED: "being trained by another process",
                RESUME: "interrupted (a checkpoint to resume)", TODO: "not started"}.get(status.kind, status.words)
        if status.kind == TODO and error_line(run_dir(out, other)) is not None:
            what = FAILED_BEFORE  # its train ran and ended on an error: before, "not started", as if never tried
        groups.setdefault(what, []).append(other.name)
        kinds[other] = status.kind
    if not groups:
        return None
    # the files of the transfers left alone of each base left alone without its run folder, looked at once: its
    # step moves them, and they count as unfinished (before, each looked at twice, for each)
    copies = {other: transfers_there(out, other, kinds) for other, kind in kinds.items() if kind == WEIGHTS_ALONE}
    steps = [first_step(out, other, kind, kinds, copies.get(other)) for other, kind in kinds.items()]
    count = sum(map(len, groups.values()))
    held = "; ".join(f"{len(names)} {_held_words(what, len(names))} ({some_names(names)})"
                     for what, names in groups.items())
    unfinished = sum(len(names) for what, names in groups.items() if what not in ("finished", "being trained by "
                                                                                               "another process"))
    unfinished += sum(map(len, copies.values()))
    them = "them" if unfinished > 1 else "it"
    what, options = _what_differs(kinds, runs)
    finish = ("" if not unfinished else
              f"; another experiment works on {out} now, which may train {them}" if others_at_work(out) else
              f"; to train {them}, {_first(steps)}rerun with the {options} that planned {them}")
    return (f"{out} holds {count} run{'s' if count > 1 else ''} of an earlier plan that this grid does not plan "
            f"(other {what}), left as {'they are' if count > 1 else 'it is'}: {held}; the "
            f"report of {out} reads the finished ones with this grid's{finish}")


# What may make an earlier plan's run one a grid does not plan, and the options that plan it (:func:`_what_differs`)
_DIFFERENCES = {"split": ("split seeds", "--split-seed"), "replicate": ("replicates", "--replicates"),
                "per_class": ("per-class counts", "--per-class"), "random": ("random-frozen layers", "--random-frozen"),
                "layer": ("layers", "--layers")}
_ANY_DIFFERENCE = ("layers, split seeds or treatments", "--layers, --split-seed and other options")


def _what_differs(others, runs):
    """("replicates", "--replicates option"): what sets the runs ``others`` (those an earlier plan lists, left alone)
    apart from ``runs`` (those planned now), and the options that planned them; where some differ otherwise (another
    treatment, a run planned by no option), :data:`_ANY_DIFFERENCE`. Before, always that, which sent a researcher who
    had given fewer --replicates or --per-class counts to --layers and --split-seed."""
    splits = {(run.split, run.split_seed) for run in runs}
    kinds = {run.split for run in runs}
    counts = {run.per_class for run in runs if run.kind == "reduced"}
    random = {run.n for run in runs if run.kind == "random-frozen"}
    layers = {run.n for run in runs if run.kind in ("selffer", "transfer")}
    found = []
    for other in others:
        key = ("split" if other.split == "random" else "replicate" if other.split in kinds else None) \
            if (other.split, other.split_seed) not in splits else \
            "per_class" if other.kind == "reduced" and other.per_class not in counts else \
            "random" if other.kind == "random-frozen" and other.n not in random else \
            "layer" if other.kind in ("selffer", "transfer") and other.n not in layers else None
        if key is None:
            return _ANY_DIFFERENCE
        if key not in found:
            found.append(key)
    words, options = zip(*(_DIFFERENCES[key] for key in _DIFFERENCES if key in found))  # in one order
    return " or ".join(words), f"{' and '.join(options)} option{'s' if len(options) > 1 else ''}"


def _first(steps):
    """"first move OUT/random0/B1B.h5 away, then ": what :func:`left_alone` says to do before the rerun that trains
    the runs left alone, where some of their trains would refuse them (:func:`~minitransfer.grid_plan_text.first_step`
    of each, None where none). Before, "rerun with the options that planned it" alone, which failed with exit 2."""
    steps = [step for step in steps if step]
    more = len(steps) - STEPS_SHOWN  # "and 2 more" alone: steps said nowhere, as the runs left alone are not listed
    rest = f" and {more} more such step{'s' if more > 1 else ''} (the dry run of that rerun says each)" \
        if more > 0 else ""
    return f"first {', '.join(steps[:STEPS_SHOWN])}{rest}, then " if steps else ""


STEPS_SHOWN = 3  # the steps :func:`_first` says one by one


FAILED_BEFORE = "failed"  # a run left alone whose train ended on an error (its train.log's last line)


def _held_words(what, count):
    """How :func:`left_alone` words ``count`` runs that stand as ``what``: those that failed point at their log."""
    if what != FAILED_BEFORE:
        return what
    return f"failed, {'their' if count > 1 else 'its'} {LOG_FILE} ending on the error"


def option_label(run, name):
    """How a change of configuration field ``name`` of ``run`` names the option that made it: quoted
    (`max_iter`), which the command line words as its option (--max-iter), but --source-data for the
    dataset of a cross-dataset grid's source base, which the grid's --data does not set."""
    if name == "data" and run.split == CROSS and run.target == SOURCE:
        return config_wording.option_name(SOURCE_DATA)
    return f"`{name}`"


