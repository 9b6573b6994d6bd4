"""A run's configuration as its checkpoint recorded it, against the one given now: how they differ
(:func:`differences`; :func:`recorded_change` for one field, which a grid's check of its runs
uses too; :func:`network_differences` for a file's network, by its attributes alone), the resumption
refused for it (:func:`check_configuration`), and the precisions a run was trained in, which a
resumption may change (:func:`precision_change`, :func:`precision_history`).
"""

import os
import pathlib
import types

from minitransfer import checkpoint as checkpoints
from minitransfer import checkpoint_runs, fileio
from minitransfer.checkpoint_identity import copied_sha256, file_network_sha256
from minitransfer.config_checks import ConfigError, DataMismatch
from minitransfer.resume_options import START_OVER, free_fields
from minitransfer.resumed_records import resumed_record
from minitransfer.ops import precision as precisions
from minitransfer.rundir import PATH_FIELDS, record_path, recorded_name, recorded_path, run_dir_for
# The fields that say how a command was invoked, not what it trains: resumed or not, over a run or not, with a
# progress bar or silent. Left out of every record (config.json, checkpoints, weights), so that a run's files are
# the same bytes straight, resumed or trained over; those of earlier versions hold them, which their readers skip
# (:data:`minitransfer.resume_options.RESUME_FREE_FIELDS`).
INVOCATION_FIELDS = ("resume", "overwrite", "allow_precision_change", "progress", "quiet")
# What a checkpoint written before a field existed is taken to have had.
DEFAULTS = {"precision": precisions.DEFAULT}
# The fields whose defaults follow from others' values (config.resolve): left unset, a field's difference
# comes with one of these, the change to name (`max_iter` 4 -> 8, not also `stepsize` 1 -> 2).
FOLLOWS_FROM = {"stepsize": ("max_iter", "per_class"), "eval_batch_size": ("batch_size",),
                "max_iter": ("preset", "per_class"),
                "batch_size": ("preset",), "eval_every": ("preset",), "checkpoint_every": ("preset",),
                "log_every": ("preset",), "base_lr": ("per_class",), "preset": ("copy_from", "data"),
                "fc8_outputs": ("data", "split", "half", "split_seed", "copy_from")}


def check_configuration(saved, plan):
    """Refuse to resume the checkpoint ``saved`` with another configuration than it records
    (:class:`ConfigError`; :class:`DataMismatch` for its dataset's folder prepared again), saying
    what would continue the run, or train the new configuration."""
    stored = dict(saved.meta.get("config", {}))
    differ = differences(saved, plan)
    if differ:
        hint = "; to continue in another precision on purpose, add `allow_precision_change=True`" \
            if "precision" in differ else ""
        trained_on = recorded_path(stored.get("data"))
        if "data" in differ and isinstance(trained_on, str) and not os.path.exists(trained_on):
            # the fields the data sets (fc8_outputs) differ with it: the folder given is what to change
            hint += f"; {trained_on} is not there now: if its dataset moved, give its new folder as `data`"
        elif "data" in differ and isinstance(trained_on, str) and \
                os.path.realpath(trained_on) == os.path.realpath(plan.config.data):
            _refuse_prepared_again(saved, plan, differ)
        elif "out" in differ and os.path.realpath(saved.path) == os.path.realpath(plan.run_dir / "checkpoint.h5"):
            # its own checkpoint, under another name: the folder was renamed (another `out` would not take it)
            recorded = run_dir_for(stored["out"]).name
            hint += (f"; {plan.run_dir} is the run folder of {pathlib.PurePath(stored['out']).name} renamed: to "
                     f"continue the run, rename it back to {recorded}")
        elif set(differ) - {"precision", "data"}:  # the run cannot go on so: what continues it, what trains it anew
            unfinished = saved.meta.get("iteration", 0) < stored.get("max_iter", 0)
            hint += ((_as_recorded(saved.path) if unfinished else "") + _as_trained(differ, stored, plan)
                     + f"; to train the new configuration from the start, {START_OVER}")
        raise ConfigError(f"cannot resume {saved.path} with a different configuration: "
                          f"{', '.join(named_differences(differ, plan.unset))}{hint}")


def _as_recorded(checkpoint):
    """What continues the unfinished run of ``checkpoint`` with the options it recorded, where it is a run folder's
    checkpoint.h5: `resume` naming that folder alone (:func:`minitransfer.resume_options.take_run_folder`
    takes its `out` and every option it recorded, those that differ left out; one given otherwise is refused as
    here); else ""."""
    folder = checkpoint_runs.run_folder_of(checkpoint)
    if folder is None:
        return ""
    named = pathlib.Path(checkpoint).parent  # as the user gave it, unless that is "." (inside the folder)
    return (f"; to continue the run with the options it recorded, give `resume='{named if named.name else folder}'` "
            f"without those options")


def _as_trained(differ, stored, plan):
    """What continues the run as it was trained where the only differences named are of fields left
    unset whose default is not the run's (a default another version had, or a value given then and
    left out now): those fields given as the run recorded them; else ""."""
    keys = [key for key in differ if differ[key] in named_differences(differ, plan.unset)]
    if not keys or any(key not in plan.unset or key in PATH_FIELDS or stored.get(key) is None for key in keys):
        return ""
    given = " ".join(f"`{key}={stored[key]!r}`" for key in keys)
    return f"; to continue the run as it was trained, give {given}"


def named_differences(differ, unset):
    """The differences ``differ`` to name: those of the options given, and of those left ``unset``
    whose default has not changed with another option that differs (:data:`FOLLOWS_FROM`): the
    refusal of `max_iter` 4 -> 8 listed `stepsize` 1 -> 2 too, which the user never gave."""
    return [text for key, text in differ.items()
            if key not in unset or not any(source in differ for source in FOLLOWS_FROM.get(key, ()))]


def _refuse_prepared_again(saved, plan, differ):
    """The folder the run trained on holds another dataset now (prepared again since the run started):
    bad data (:class:`DataMismatch`), as for an evaluation of its weights there; no option continues the
    run on it, and giving the folder again cannot help. The folder is named as the user gave it
    (:attr:`minitransfer.config.Plan.named`)."""
    named = named_differences(differ, plan.unset)  # not fc8_outputs or the preset left unset: the dataset's doing
    others = [text for key, text in differ.items() if key != "data" and text in named]
    also = f" (the configuration differs too: {', '.join(others)})" if others else ""
    raise prepared_again(saved.path, plan.named.data, saved.meta["dataset_fingerprint"], plan.dataset.fingerprint,
                         also)


def prepared_again(record, data, before, now, also=""):
    """The :class:`DataMismatch` of a resumption of the run recorded in ``record`` (its checkpoint, or finished
    weights) on its dataset folder ``data`` (named as the user gave it), prepared again since: the sha256 of its
    meta.json ``before`` as the run recorded it, ``now`` as it is; ``also``, the options given otherwise."""
    return DataMismatch(f"cannot resume {record}: it was trained on {data} before that folder was prepared again "
                        f"(sha256 of its meta.json {before[:12]}, now {now[:12]}): its images are not the ones the run "
                        f"trained on{also}; to continue the run, give the dataset it trained on (a copy, or prepared "
                        f"again as it was) as `data`; to train on these images from the start, {START_OVER}")


def resumed_on_prepared_again(c, dataset, data, found=None):
    """The refusal (:func:`prepared_again`) of the resumption ``c`` (its `out` named, the default's where
    left unset) whose classes could not be chosen from ``dataset`` (given as ``data``): a half of one class,
    a split it no longer has, where the run's dataset folder was prepared again since with fewer classes. Its
    record (``found``: (record, meta) as train read it, else read here) is compared, as
    :func:`check_configuration` compares it, with the folder: the refusal is the dataset's, not "prepare it
    again with more classes" (which the run could not continue on either). None for a fresh run, a run of
    another folder, or of the images there (the class choice's own refusal stands)."""
    found = found or (resumed_record(c) if c.resume is not None else None)
    if found is None:
        return None
    record, meta = found
    before = fingerprint_before(meta, dataset)
    if before is None:
        return None
    if c.resume != "auto":
        shown = c.resume
    else:  # as the user named the run (resume_point's words), not resolved
        shown = run_dir_for(c.out) / record.name if record.name == "checkpoint.h5" else c.out
    return prepared_again(shown, data, before, dataset.fingerprint)


def fingerprint_before(meta, dataset):
    """The sha256 of its meta.json that a checkpoint's root attributes ``meta`` record of the dataset folder its
    run trained on, where ``dataset`` is that folder, prepared again since (its fingerprint another now); else
    None (no folder or fingerprint recorded, the same dataset, or another folder)."""
    before, trained_on = meta.get("dataset_fingerprint"), recorded_path((meta.get("config") or {}).get("data"))
    if not (before and isinstance(trained_on, str)) or before == dataset.fingerprint or \
            os.path.realpath(trained_on) != os.path.realpath(dataset.path):
        return None
    return before


def differences(saved, plan):
    """{field: "`field` stored -> current"} of every field whose value in the configuration checkpoint
    ``saved`` records differs from ``plan``'s, but those a resumption may change."""
    stored = dict(saved.meta.get("config", {}))
    current = plan.config.to_dict()
    free = free_fields(plan.config, unset=plan.unset)
    differ = {key: _difference(key, stored.get(key, DEFAULTS.get(key)), current[key], saved, plan)
              for key in current if key not in free}
    return {key: text for key, text in differ.items() if text}


def network_differences(path, plan):
    """(differ, recorded) where the checkpoint or weights at ``path`` record another network than
    ``plan`` trains: differ, {field: text} as :func:`differences` says them, another precision (which
    `allow_precision_change` continues) or another `out` alone (weights copied to that name) aside;
    recorded, the configuration the file records. ({}, {}) for a file that cannot be read or records
    none. Read from its attributes (:func:`minitransfer.checkpoint.read_meta`: no array read, no file
    hashed), all :func:`differences` needs besides its path."""
    try:
        meta = checkpoints.read_meta(path)
    except (checkpoints.CheckpointError, fileio.StorageError):
        return {}, {}
    recorded = meta.get("config") or {}
    if not recorded:
        return {}, {}
    saved = types.SimpleNamespace(path=pathlib.Path(path), meta=meta)
    return {key: text for key, text in differences(saved, plan).items() if key not in ("precision", "out")}, recorded


def recorded_options(plan):
    """The options the run of ``plan`` records, in config.json and in every checkpoint and weights
    file it writes: its configuration in one form, whatever folder the run is started or resumed in
    and however its options were typed, so that a config.json unlike its checkpoint's record was
    edited by hand (:func:`minitransfer.config_edits.hand_edits`): its weights file `out` where it
    is, absolute, symbolic links followed, as `data` and `copy_from` are
    (:func:`minitransfer.config.resolve`; a run moved and resumed records its new place, and a finished
    run resumed keeps its weights' own record instead: its weights file is kept byte for byte, and its
    config.json records what they record, :func:`minitransfer.final_weights.final_weights`), and the
    `device` it resolved to ('auto' -> 'cpu'); :data:`INVOCATION_FIELDS` left out. Its paths are
    recorded as UTF-8 text (:func:`record_path`), whatever the locale."""
    record = {key: value for key, value in plan.config.to_dict().items() if key not in INVOCATION_FIELDS}
    record["out"] = os.path.realpath(plan.config.out)
    record["device"] = plan.device
    return {key: record_path(value) if key in PATH_FIELDS else value for key, value in record.items()}


def precision_change(plan):
    """{iteration, from, to} when ``plan`` continues its checkpoint in another precision
    (--allow-precision-change), else None."""
    saved = plan.resume_from
    if saved is None:
        return None
    before = saved.meta["config"].get("precision", DEFAULTS["precision"])
    if before == plan.config.precision:
        return None
    return {"iteration": saved.iteration, "from": before, "to": plan.config.precision}


def precision_changes(plan):
    """Every precision change of the run up to now, oldest first: what its checkpoint recorded, and
    this resumption's own (so the weights say which precisions trained them)."""
    earlier = list(plan.resume_from.meta["precision_changes"]) if plan.resume_from is not None else []
    change = precision_change(plan)
    return earlier + ([change] if change is not None else [])


def precision_history(meta):
    """The precision checkpoint ``meta`` was trained in, with those it was continued in where a
    resumption changed it: "tf32", "tf32 until iteration 200, then ieee"."""
    changes = meta["precision_changes"]
    first = changes[0]["from"] if changes else meta["config"].get("precision", DEFAULTS["precision"])
    return first + "".join(f" until iteration {change['iteration']}, then {change['to']}" for change in changes)


def _difference(key, stored, current, saved, plan):
    """How the checkpoint ``saved`` and ``plan`` disagree on field ``key`` ("`key` stored ->
    current"), else "", by :func:`recorded_change`; a run directory moved or copied whole (``saved``
    is its own checkpoint, or its weights) continues where it is: its ``out`` is the weights file of
    the same name beside it. A base or dataset given now is shown as the user gave it
    (:attr:`minitransfer.config.Plan.named`), though compared as resolved."""
    if key == "out" and stored is not None and current is not None and os.path.realpath(saved.path) in \
            (os.path.realpath(plan.run_dir / "checkpoint.h5"), os.path.realpath(plan.config.out)):
        same = recorded_name(stored) == pathlib.PurePath(current).name
        return "" if same else f"`{key}` {stored!r} -> {current!r}"
    digests_now = {"copy_from": lambda _: _base_sha256(saved, plan.parent), "data": lambda _: plan.dataset.fingerprint}
    shown = getattr(plan.named, key) if key in digests_now else None
    change = recorded_change(key, stored, current, saved.meta, digests_now.get(key), shown)
    return change and f"`{key}` {change}"


def _base_sha256(saved, parent):
    """The sha256 of the base ``parent`` given now, as it compares with the one checkpoint ``saved`` recorded of
    the base it copied: that one where ``parent`` is another file of the same network
    (:func:`minitransfer.checkpoint_identity.copied_sha256`: the same base trained in another folder, gathered
    with the run); not for a base known only by what the run recorded of it (``recorded_in``). Its digest is
    kept (:func:`~minitransfer.checkpoint_identity.file_network_sha256`) for the copy's record of its base."""
    if parent.recorded_in is not None:
        return parent.sha256
    return copied_sha256(saved.meta, parent.sha256, lambda: file_network_sha256(parent))


# What a checkpoint records of the content a path field named, and what another content is.
_CONTENT = {"copy_from": ("parent_sha256", "another network: sha256"),
            "data": ("dataset_fingerprint", "another dataset: sha256 of its meta.json")}


def recorded_change(key, stored, current, meta, digest_now, shown=None):
    """How field ``key`` of a trained run (``stored``; ``meta``, its checkpoint's provenance)
    differs from ``current``: "stored -> current", or "" for the same. The base a run copied
    (``copy_from``) and its dataset (``data``) are known by the digest ``meta`` recorded of them
    (the base file's sha256, the dataset's fingerprint: the sha256 of its meta.json, which lists
    every shard's) against ``digest_now(current)``, wherever they now lie: moved or copied with
    the runs they are the same, trained or prepared again in their place they are not. Without a
    recorded digest, and for another path, the paths must name the same file; any other field is
    compared by value. ``shown``: ``current`` as the user gave it (a relative path), which the text
    names, where given."""
    now = current if shown is None else shown
    text = f"{stored!r} -> {(str(now) if isinstance(now, os.PathLike) else now)!r}"  # a path as written, no PosixPath
    if stored is None or current is None or key not in PATH_FIELDS:
        return "" if stored == current else text
    digest_field, other = _CONTENT.get(key, (None, None))
    recorded = meta.get(digest_field) if digest_field else None
    now = digest_now(current) if recorded else None
    if recorded and now:
        return "" if recorded == now else f"{text} ({other} {recorded[:12]} -> {now[:12]})"
    return "" if os.path.realpath(recorded_path(stored)) == os.path.realpath(current) else text
