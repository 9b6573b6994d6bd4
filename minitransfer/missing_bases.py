"""The networks measured against their own base (transfers, selffers, random frozen layers) whose base has
no accuracy, and why (:func:`base_without_accuracy`): not among the runs, not in their folder while others hold
one, or it made no evaluation; :func:`without_base` names them as results.md and findings.md do, left out of
every number relative to a base (:class:`minitransfer.comparisons.Bases` finds each network's own). A base whose
weights file is gone because it is trained again, as a grid and ``submit.sh`` say it: :func:`trained_again`.
"""

import dataclasses
import math
import pathlib
import shlex

from minitransfer import run_labels
from minitransfer.comparisons import built_bases
from minitransfer.experiment import CROSS
from minitransfer.own_presets import pasted


MEASURED_AGAINST_BASE = ("transfer", "selffer", "random-frozen")  # kinds measured relative to their own base
# Why a network's own base has no accuracy (:func:`base_without_accuracy`)
UNMEASURED, ELSEWHERE, MISSING, OTHER = "unmeasured", "elsewhere", "missing", "other"


def base_without_accuracy(result, bases):
    """(names, why, elsewhere) of the own base of ``result``, whose
    :meth:`~minitransfer.comparisons.Bases.accuracy` is NaN: ``names``, the bases found for it
    (:meth:`~minitransfer.comparisons.Bases.of`), else the one its folder would hold ("random0/baseB");
    ``why``: :data:`UNMEASURED` (found, but it made no evaluation), :data:`ELSEWHERE` (not in its folder while
    others hold one, :meth:`~minitransfer.comparisons.Bases.elsewhere`: which is its own cannot be told),
    :data:`MISSING` (not among the runs) or :data:`OTHER` (``names`` the bases beside it of the half it copied,
    another network than the one it copied: :meth:`~minitransfer.comparisons.Bases.copied_otherwise`);
    ``elsewhere``, the folders that hold one where ``why`` is :data:`ELSEWHERE` (else empty). The one naming
    :func:`without_base` and Table 1's note of its own-base column
    (:func:`minitransfer.report_table1_notes.table1_without_own_base`) share."""
    other = tuple(b.run.name for b in bases.copied_otherwise(result))
    if other:
        return other, OTHER, []
    found = tuple(b.run.name for b in bases.of(result))
    if found:
        return found, UNMEASURED, []
    folder, label = result.run.name.rpartition("/")[0], dataclasses.replace(result.run, kind="base", n=0).label
    elsewhere = bases.elsewhere(result)
    return (f"{folder}/{label}" if folder else label,), ELSEWHERE if elsewhere else MISSING, elsewhere


def trained_again(base, folder, by=None, preset=None):
    """What the base ``base`` (its name), whose weights file is gone because it is trained again, is, with what to
    do: being trained again by ``by`` (its run folder's lock held: the process, named), else stopped so (its run
    folder ``folder`` holding its checkpoint.h5 and no result.json). A run resumed below its max_iter (from an
    earlier checkpoint: `train --resume COPY.h5`, or an older checkpoint.h5 put back) removes its result.json and
    weights file until it ends (:meth:`minitransfer.run_files.RunFiles._drop_stale_result`); finished, it writes
    them again. The runs that copied it are kept: restoring the file train removed, or deleting them (what they
    trained lost), is no advice here. One wording for a grid (:func:`minitransfer.grid_check.check_finished`) and
    ``submit.sh`` (:func:`minitransfer.slurm_submit_checks.bases_copied_lines`, which gives bash expressions as
    ``base``, ``folder`` and ``by``: the text adds no quote, ``$`` or backslash of its own); each adds when to go on.
    The resume command begins with the words a new shell needs to know ``preset`` (the base's) where it is one's own
    (:func:`minitransfer.own_presets.pasted`): pasted bare, it was refused (exit 65)."""
    if by is not None:
        return f"{base} is being trained again by {by}, its weights file removed until that training ends: let it end"
    return (f"{base} was stopped while being trained again, its weights file removed until that training ends: "
            f"resume it to its end ({pasted(f'train --resume {folder}', preset)})")


def without_base(results, bases=None, unfinished=None, runs_dir=None):
    """"name: why" of the networks measured relative to their own base (transfers, selffers,
    random frozen layers) whose base is not among ``results`` (its run deleted, or only the copies
    gathered in the folder), has no accuracy (it made no evaluation: named as it is), or is not in
    its folder while several others hold one (:class:`~minitransfer.comparisons.Bases`), or is another network than
    the one it copied (:data:`OTHER`): they are in no finding and no number relative to a base. A base among the
    runs not finished (``unfinished``: {name: its state, :func:`minitransfer.report_plan.unfinished_states`'s},
    their folders under ``runs_dir``) is said to be so, with what to do (:func:`_not_finished`); before, "not among
    the runs" in the report that listed it as not finished."""
    texts, bases, unfinished = [], built_bases(results, bases), unfinished or {}
    for r in results:
        if r.run.kind in MEASURED_AGAINST_BASE and math.isnan(bases.accuracy(r)):
            names, why, elsewhere = base_without_accuracy(r, bases)
            if why == OTHER:
                texts.append(_copied_otherwise(r, names))
                continue
            seed = f" {r.run.split_seed}" if r.run.split == "random" else ""
            trained_on = {"all": "all classes", CROSS: "the target dataset"}.get(
                r.run.split, f"{r.run.split} split{seed}, half {r.run.target}")
            said = {UNMEASURED: "have no accuracy (they made no evaluation)" if len(names) > 1 else
                                "has no accuracy (it made no evaluation)",
                    ELSEWHERE: f"is not in its folder, and {len(elsewhere)} others hold one ({_folders(elsewhere)}): "
                               f"which is its own cannot be told; keep each replicate's runs in a folder of their "
                               f"own, with its bases",
                    MISSING: _not_finished(names[0], unfinished[names[0]], runs_dir, r.run.kind != "random-frozen",
                                           r.preset or None)
                    if names[0] in unfinished else "is not among the runs"}[why]
            texts.append(f"{r.run.name}: its base{'s' if len(names) > 1 else ''} {', '.join(names)} ({trained_on}) "
                         f"{said}" + _controls_base(r, results))
    return texts


def _not_finished(base, state, runs_dir, copied=True, preset=None):
    """What the base ``base`` (its name), a run not finished whose ``state`` report's list of them says, is, with
    what to do: where a process trains it after runs ``copied`` it (a transfer's or selffer's base: trained again,
    its weights file removed until it ends), as a grid and ``submit.sh`` say it (:func:`trained_again`); where it
    trains a base nothing copied (random frozen layers', which a grid trains beside their base: its first
    training), that it is trained now; resumable, `train --resume` its folder (``preset``: the base's, as the run's
    that copied it: :func:`trained_again`)."""
    from minitransfer.report_plan import TRAINING_NOW  # here: report_plan's imports reach results, which imports this
    from minitransfer.run_lock import holder, pid_named

    folder = pathlib.Path(runs_dir or ".") / f"{base}.run"
    if state == TRAINING_NOW:
        pid = holder(folder)
        by = pid_named(pid) if pid is not None and pid > 0 else "another process"  # -1: a holder that wrote no PID
        return (f"is not finished: {trained_again(base, folder, by, preset)}" if copied else
                f"is not finished: {base} is being trained by {by}: let it end")
    if state.startswith("resumable at iteration"):
        return (f"is {not_finished(state)}: resume it to its end "
                f"({pasted(f'train --resume {shlex.quote(str(folder))}', preset)})")
    return f"is {not_finished(state)}"


def not_finished(state):
    """"not finished (resumable at iteration 40)": a base among the runs not finished, ``state`` where it stands
    (:func:`minitransfer.report_plan.unfinished_states`), in the words results.md's left-out runs
    (:func:`without_base`) and Table 1's note (:func:`minitransfer.report_table1_notes.table1_without_own_base`)
    share."""
    return f"not finished ({state})"


def _copied_otherwise(result, names):
    """"name: ..." of ``result`` that :data:`OTHER` leaves out: the base it copied, as train recorded it (its
    file's sha256 and path), is none of ``names``, the bases beside it that it would be paired with."""
    bases, copied = " or ".join(names), result.base_checkpoint or "another network"
    return (f"{result.run.name}: copied its first {result.run.n} layers from {copied} (sha256 "
            f"{result.base_sha256[:12]}), not from {bases} here (whose result.json records another sha256 of its "
            f"weights): trained from another base (another --seed, another grid's) and copied beside it, it would "
            f"be measured against bases it was not trained from (experiment refuses it too); keep it with the base "
            f"it copied from")


def _folders(folders):
    """Folders as a reader finds them: "r1/, r2/"; the top folder as "./"."""
    return ", ".join(f"{folder}/" if folder else "./" for folder in folders)


def _controls_base(result, results):
    """Why a transfer across datasets trained by hand did not take the base on every class of its
    dataset beside it (:func:`minitransfer.run_labels.controls_datasets`): ": NAME ... is theirs", or ""."""
    if result.run.split != CROSS:
        return ""
    folder, dataset = result.run.name.rpartition("/")[0], _study_dataset(result)
    beside = [(r.run, _study_dataset(r)) for r in results if r.run.name.rpartition("/")[0] == folder]
    base = next((run.name for run, of in beside if run.kind == "base" and run.split == "all" and of == dataset), None)
    if base is None or dataset not in run_labels.controls_datasets(beside):
        return ""
    return (f": {base}, on every class of its dataset, is the base of the random-frozen or reduced-data runs "
            f"beside it; train those in a folder of their own")


def _study_dataset(result):
    """What a run was trained on, as :func:`minitransfer.run_labels.cross_studies` tells datasets
    apart: its dataset's fingerprint, else its path."""
    return result.fingerprint or result.dataset
