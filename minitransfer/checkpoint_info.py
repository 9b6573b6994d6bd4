"""What ``minitransfer info`` says of a checkpoint (:func:`describe`): its layers, shapes, frozen
flags and provenance, whether it is its run's trained network or a resumable one, and of the run
folder it lies in, its weights file, the process training there now and whether the training
diverged after it; and how a reviewer makes it again (:func:`minitransfer.checkpoint_remake.provenance`: the
train command of its recorded options, its dataset's prepare command, the digest of its network wherever its
file lies). Read with :func:`minitransfer.checkpoint.load`, which checks it first.
"""

import os
import pathlib
import shlex
import types

from minitransfer import results, run_files, run_lock, rundir, stopping
from minitransfer.checkpoint import CheckpointError, load, read_meta
from minitransfer.checkpoint_runs import divergence_in, run_folder_of, warn_weights_of_another_run
from minitransfer.checkpoint_check import RUN_CHECKPOINT_LOST, Faults, check_classes
from minitransfer.checkpoint_remake import provenance, result_record, train_command
from minitransfer.config import evaluates_after
from minitransfer.dataset_recipe import import_command
from minitransfer.run_lines import network_words
from minitransfer.result_checks import read_result
from minitransfer.run_file_readers import FileUnreadable, is_there, read_json, reads_shared
from minitransfer.left_out import UnreadableRun
from minitransfer.own_presets import pasted, preset_of
from minitransfer.remade_here import where_now
from minitransfer.resume_options import refuse_damaged_record
from minitransfer.treatments import CONFIG_FILE, TREATMENT_FILE, treatment_unknown


def _split(meta):
    """The split a checkpoint was trained on, as :meth:`minitransfer.data.splits.Half.describe` names it:
    a seed for the random split only (the others are not drawn, whatever ``split_seed`` was given), no
    half for the all split."""
    kind = meta["split_kind"]
    return {"kind": kind, "seed": meta["split_seed"] if kind == "random" else None, "half": meta["split_half"] or None}


def describe(path):
    """A JSON-serialisable summary of the checkpoint at ``path``: layers, shapes, frozen flags and
    provenance (what ``minitransfer info`` prints). ``network``: which network it is, in the words of train's
    opening line (:func:`minitransfer.run_lines.network_words`), but for the base it copies from, named by the
    path its record holds (absolute), where train's line named it as ``copy_from`` was typed. ``finished``:
    its iteration is its run's last (max_iter), so it is the trained network, not ``resumable`` (which it is
    with its solver state before then, unless a resume would refuse its run folder's logs: ``resume_refused``,
    why, else None: a folder left holding the checkpoint alone lacks the evaluations made before it), and its run
    folder, where it has one, holds the run's result.json, as ``report`` counts a run finished.
    ``unwritten_result``: where it is at max_iter but its run folder holds no result.json (its training
    ended before writing it: a full disk), the ``result`` path it lacks and whether the run is
    ``resumable``, which writes it (its checkpoint.h5 there, and taken by a resume), else why not where
    it is there (``resume_refused``, as above); else None.
    ``unreadable``: where it is at max_iter and a file of its run folder that ``report`` reads first
    cannot be read as report reads it, which leaves the run out: its result.json
    (:func:`minitransfer.result_checks.read_result`: not JSON, truncated, empty, of the wrong
    shape, a folder, unreadable) or, that read, its config.json (not a JSON object): ``what`` it is
    ("result" or "configuration"), its ``path``, ``why`` (report's words), whether the system would
    not read it (``io_error``), whether it is ``missing``, or something not a file ``in_the_way`` (a folder),
    and whether the run is ``resumable`` (its checkpoint.h5 there and taken: train --resume writes a result
    again; ``resume_refused`` as for ``unwritten_result``); else None. A configuration that is missing,
    in a run folder without the treatment.json of a grid's run, is one report cannot read too.
    ``left_out``: where it is at max_iter and its run's files can be read, but report leaves the run out all
    the same, for what they say (:func:`minitransfer.results.read_run`, report's own reading: a result of
    another iteration count than its config.json's max_iter, a grid's treatment.json that is not its
    folder's or contradicts its configuration, layers copied from another base than its treatment says
    or from one none of the paper's treatments copy): its run ``folder`` and report's reason (``why``); else None.
    None of them is ``finished``.
    ``run``: the run folder of the network, where it has one (``path`` is its checkpoint.h5, or the weights
    file its config.json names, beside it): that ``folder`` (absolute, a link to it resolved, however the
    network was named: a link of another name does not name its weights file), its ``weights_file``
    (:func:`minitransfer.rundir.weights_for`: where a finished run's weights are, or would be),
    whether it ``weights_file_exists``, whether the network ``is_weights_file`` (else it is the run's
    checkpoint.h5), the PID ``training`` it now (None when no process does; -1
    for one starting up: :func:`minitransfer.run_lock.holder`), the ``training_host`` that PID is
    on where that is another machine (a SLURM task on another node; else None), and where a SLURM task
    trains it, its ``training_job`` ("1234_5", as scancel takes it) and ``training_node`` (else None:
    :class:`minitransfer.lock_holder.Holder`); None for a network without a run folder (a weights file
    copied elsewhere, its run folder deleted).
    ``diverged``: where the run's training diverged after this checkpoint, what
    :func:`minitransfer.run_logs.divergence` says (resumed, it would diverge again); else None, as
    every other field that does not apply is."""
    return described(path)[0]


def described(path):
    """:func:`describe`'s summary of the checkpoint at ``path``, and the error report raised reading the
    run's file its ``unreadable`` names (an :class:`UnreadableRun`; a :class:`FileUnreadable` where the
    system would not read it), which ``info`` raises after showing the network; None where there is none. The
    run's result.json is read once (:func:`minitransfer.run_file_readers.reads_shared`), though report's reading
    (:func:`_run_faults`), a base's digests and :func:`minitransfer.checkpoint_remake.provenance` each look at it."""
    with reads_shared():
        return _described(path)


def _described(path):
    """:func:`described`, inside its :func:`minitransfer.run_file_readers.reads_shared`."""
    saved = loaded(path)
    check_classes(saved.meta, Faults(path))  # "0 classes" is no network's
    meta = saved.meta
    run_folder, weights_folder, at_end, result_folder = _folders(path, meta)
    unwritten, unreadable, refusal, left_out = _run_faults(result_folder) if result_folder else (None,) * 4
    finished = at_end and unwritten is None and unreadable is None and left_out is None
    refused = resume_refused(run_folder, saved.meta) if saved.solver is not None and not finished else None
    run = _run(run_folder if weights_folder is None else weights_folder.resolve(), weights_folder is not None)
    # read once, where _run_faults read it: for the provenance and the import command (each read it again before)
    result = result_record(result_folder or weights_folder or run_folder)
    # info baseA.run: maybe another's; its result.json the one just read where path is its run's weights file
    warn_weights_of_another_run(path, saved, "it is described as it is",
                                result if weights_folder is not None else None)
    diverged = (divergence_in(run_folder) or None) if saved.solver is not None and run_folder else None
    summary = {
        "path": str(path), "sha256": saved.sha256, "preset": saved.preset,
        "parameters": int(sum(w.size + b.size for w, b in saved.weights.values())),
        "layers": [{"name": name, "W": list(w.shape), "b": list(b.shape), "frozen": saved.frozen[name]}
                   for name, (w, b) in saved.weights.items()],
        "classes": len(meta["classes"]),
        "class_table": [{"label": label, **entry} for label, entry in enumerate(meta["classes"])],  # fc8's outputs
        "split": _split(meta),
        "n_copied": meta["n_copied"], "n_frozen": meta["n_frozen"], "random_frozen": meta["random_frozen"],
        "parent_sha256": meta["parent_sha256"], "source": meta["source"], "mean_source": meta["mean_source"],
        "network": network_words(meta["config"], meta["source"], meta["source"].get("checkpoint")
                                 or meta["config"].get("copy_from")),
        "iteration": meta["iteration"], "finished": finished,
        "resumable": saved.solver is not None and not finished and refused is None,
        "resume_refused": None if refused is None else str(refused),
        "unwritten_result": unwritten, "unreadable": unreadable, "left_out": left_out,
        "run": run, "diverged": diverged,
        "dataset_fingerprint": meta["dataset_fingerprint"],
        "precision": meta["config"].get("precision"), "precision_changes": meta["precision_changes"],
        "config": meta["config"],
        **provenance(saved, result),
    }
    here = where_now(meta["config"], run, meta["parent_sha256"])  # its run folder copied or moved: made again there
    if here is not meta["config"]:
        summary["command"] = train_command(here)
    if summary["dataset_command"] is None:  # an importer's dataset: imported again from its source's images
        size = saved.mean.shape[:2] if saved.mean is not None else None
        summary["dataset_command"] = import_command(summary["dataset_source"], meta["config"].get("data"), size,
                                                    result, meta["dataset_fingerprint"])
    return summary, refusal


def loaded(path, solver=True):
    """The checkpoint at ``path`` (:func:`minitransfer.checkpoint.load`), as info and eval read it; where it is a
    run's checkpoint.h5 that cannot be read, the error says what to do (:func:`unreadable_in_run`)."""
    try:
        return load(path, solver=solver)
    except CheckpointError as error:
        raise unreadable_in_run(path, error) from None


def unreadable_in_run(path, error):
    """``error``, the :class:`CheckpointError` reading ``path``, saying what to do where ``path`` is the
    checkpoint.h5 of a run folder: give the run's weights file where it is there (the finished network), else
    how that run is started over, as `train --resume` says it (:func:`minitransfer.resume.starting_over`): "not an
    HDF5 file" alone left a researcher with a run folder nothing would read. Another error (its subclasses: a
    file the system would not read, ...), or one that says what to do already, is given back as it is."""
    folder = named_run_folder(path)
    if folder is None or type(error) is not CheckpointError or RUN_CHECKPOINT_LOST in str(error):
        return error  # a run's checkpoint cut short: checkpoint_check said what to do already
    from minitransfer.resume import starting_over  # here: resume reads this module's warnings as it copies a base

    weights = rundir.weights_for(folder)
    advice = (f"the finished network of its run is its weights file {weights}: give that" if weights.is_file() else
              f"it is the checkpoint of the run {folder}, which cannot continue from it either: "
              f"{starting_over(folder / 'checkpoint.h5', str(folder))}")
    return CheckpointError(f"{error}; {advice}")


def _folders(path, meta):
    """(its run folder: the one of ``path``, its checkpoint.h5; the run folder of which ``path`` is the
    weights file; whether the network is at its run's last iteration, ``meta`` its root attributes; the
    folder whose result.json and config.json tell whether that run is finished, where it is at its last)
    of :func:`described`; None for each that is not."""
    run_folder = run_folder_of(path)
    weights_folder = _weights_run_folder(path) if run_folder is None else None  # path: its run's weights file
    at_end = int(meta.get("iteration", 0)) == meta["config"].get("max_iter")  # as Checkpoint.iteration reads it
    result_folder = (weights_folder if run_folder is None else as_named(path, run_folder)) if at_end else None
    return run_folder, weights_folder, at_end, result_folder


def unreadable_run_file(path, meta=None):
    """The error ``report`` raises reading a file of the run of the network at ``path`` (``meta``: its
    root attributes, read where not given), at its run's last iteration: its result.json or config.json
    that report cannot read (not JSON, not an object, missing without a grid's treatment.json), for
    which report leaves the run out and ``info`` exits 65 (:func:`described`'s ``unreadable``); None where
    there is none. Without the network's weights: eval and a transfer's base, which need neither file
    (the network records its configuration), warn with it (:func:`left_out_warning`)."""
    folder = _folders(path, read_meta(path) if meta is None else meta)[3]
    with reads_shared():  # its result.json read once: report's reading of it, then a base's digests
        return _run_faults(folder)[2] if folder is not None else None


def left_out_warning(path, going_on, meta=None):
    """A warning where report leaves the run of the network at ``path`` out for a file it cannot read
    (:func:`unreadable_run_file`), naming the file, saying what the command does all the same
    (``going_on``) and where to learn how to write the file again; "" where there is none."""
    error = unreadable_run_file(path, meta)
    if error is None:
        return ""
    info = pasted(f"info {shlex.quote(str(path))}", preset_of((meta or {}).get("config")))
    return f"warning: {error}, so report leaves the run of {path} out; {going_on} (`{info}` says how to write the " \
           f"file again)"


def warn_left_out(path, going_on, meta=None):
    """:func:`left_out_warning` said (:func:`minitransfer.stopping.warn`: on stderr, and among a library
    call's warnings), where there is one: eval scoring, or a transfer copying from, the network at ``path``."""
    warning = left_out_warning(path, going_on, meta)
    if warning:
        stopping.warn(warning)


def resume_refused(run_folder, meta):
    """The error a resume from a checkpoint with its solver state (``meta``, its root attributes) in
    ``run_folder`` is refused with for its record's solver (one no run trains with, a base_lr NaN:
    :func:`minitransfer.resume_options.refuse_damaged_record`) or for its logs (the resume's own check:
    :func:`minitransfer.run_files.resume_refusal`), its evaluations as its recorded configuration schedules
    them; None where it is not, or it lies in no run folder."""
    if run_folder is None:
        return None
    config = meta["config"]
    try:
        refuse_damaged_record(pathlib.Path(run_folder) / "checkpoint.h5", config)  # the resume's check of its record
    except CheckpointError as error:
        return error
    every, max_iter = config.get("eval_every"), config.get("max_iter")
    if type(every) is not int or every < 1:
        return None
    schedule = types.SimpleNamespace(eval_every=every, max_iter=max_iter)
    made = run_files.evaluations_made(meta["iteration"], lambda done: evaluates_after(schedule, done))
    return run_files.resume_refusal(run_folder, meta["iteration"], made, meta)


def _training(run_folder):
    """The PID of the process training in ``run_folder`` now (:func:`minitransfer.run_lock.holder`);
    None where none does, or its lock cannot be read (``info`` shows the rest)."""
    try:
        return run_lock.holder(run_folder)
    except OSError:
        return None


def _run(folder, is_weights_file):
    """:func:`describe`'s ``run`` of the run folder ``folder`` (absolute, links resolved, as
    :func:`minitransfer.checkpoint_runs.run_folder_of` names it), None for none; ``is_weights_file``: the
    network is its weights file, not its checkpoint."""
    if folder is None:
        return None
    weights = rundir.weights_for(folder)  # reads its config.json
    training = _training(folder)
    return {"folder": str(folder), "weights_file": str(weights), "weights_file_exists": weights.is_file(),
            "is_weights_file": is_weights_file, "training": training, "training_host": getattr(training, "host", None),
            "training_job": getattr(training, "job", None), "training_node": getattr(training, "node", None)}


def _weights_run_folder(path):
    """The run folder of ``path`` where it is that run's weights file (beside it, its config.json naming
    it, or, without one, as report reads it: baseA.h5), named as ``path`` is; None where ``path`` has
    none (a weights file copied elsewhere, its run folder deleted)."""
    folder = rundir.run_dir_for(path)
    try:
        return folder if rundir.is_run_dir(folder) and os.path.samefile(rundir.weights_for(folder), path) else None
    except OSError:
        return None


def named_run_folder(path):
    """The run folder of ``path``, its checkpoint.h5 (:func:`minitransfer.checkpoint_runs.run_folder_of`), as
    ``path`` names it (:func:`as_named`); None where ``path`` is no run's checkpoint.h5."""
    folder = run_folder_of(path)
    return as_named(path, folder) if folder is not None else None


def as_named(path, run_folder):
    """``run_folder``, the run folder of ``path`` (its checkpoint.h5), as ``path`` names it where it does
    (not "checkpoint.h5" given inside it, nor through a link of another name)."""
    path, run_folder = pathlib.Path(path), pathlib.Path(run_folder)
    return path.parent if path.parent.name == run_folder.name else run_folder


def _run_faults(folder):
    """(``unwritten_result``, ``unreadable``, the error of that, ``left_out``) of ``describe`` for the run in
    ``folder``. A run whose result.json is there is read as report reads it (:func:`minitransfer.results.read_run`),
    each of its files once; only where report leaves it out are its result.json and config.json looked at one by
    one (:func:`_run_file_faults`) to tell a file report cannot read from report's reason for leaving out a run
    whose files it reads (``left_out``)."""
    try:
        if is_there(folder / rundir.RESULT_FILE):  # without one, _run_file_faults names it unwritten
            results.read_run(folder)
            return None, None, None, None
    except UnreadableRun as error:
        faults = _run_file_faults(folder)
        return (*faults, None) if faults != (None, None, None) else (None, None, None, _left_out(folder, error))
    return (*_run_file_faults(folder), None)


def _run_file_faults(folder):
    """(``unwritten_result``, ``unreadable``, the error of that) of ``describe`` for the run in ``folder``:
    the result.json it lacks (its training ended before it wrote it), or the first of its result.json and
    config.json that ``report`` cannot read and leaves the run out for (:func:`minitransfer.results.collect`
    reads them in that order), its reason in report's words, and the error report raised; None for each
    that is not so."""
    result, config = folder / rundir.RESULT_FILE, folder / CONFIG_FILE
    what, path = "result", result
    try:
        if not is_there(result):  # as report tells it: a link to nothing is none
            return {"result": str(result), **_resumable(folder)}, None, None
        read_result(result)
        what, path = "configuration", config
        if is_there(config):
            read_json(config, dict)
        elif not is_there(folder / TREATMENT_FILE):  # a grid's run needs none: its treatment.json says what it is
            raise UnreadableRun(treatment_unknown(folder))
    except UnreadableRun as error:
        return None, _unreadable(what, path, error, _resumable(folder)), error  # asked only here: its logs read
    return None, None, None


def _resumable(folder):
    """``resumable``: whether a resume finishes the run in ``folder`` from its checkpoint.h5 (there, readable,
    its logs taken: :func:`resume_refused`, the resume's own check), and ``resume_refused``: why not, where
    it is there (the resume refuses it: `train --resume` exits 65); else None."""
    checkpoint = folder / "checkpoint.h5"
    try:
        refused = resume_refused(folder, read_meta(checkpoint)) if checkpoint.is_file() else None
    except (CheckpointError, OSError) as error:
        refused = error
    return {"resumable": refused is None and checkpoint.is_file(),
            "resume_refused": None if refused is None else str(refused)}


def _left_out(folder, error):
    """``describe``'s ``left_out`` of the run in ``folder``, whose files report can read: report's
    reason for leaving it out all the same, ``error`` (:func:`minitransfer.results.read_run`'s)."""
    return {"folder": str(folder), "why": str(error)}


def _unreadable(what, path, error, resumable):
    """``describe``'s ``unreadable`` of the run's file ``path`` (its ``what``) that report refused with ``error``;
    ``resumable``: :func:`_resumable`'s."""
    there = os.path.lexists(path)
    return {"what": what, "path": str(path), "why": str(error), "io_error": isinstance(error, FileUnreadable),
            "missing": not there, "in_the_way": there and not os.path.isfile(path), **resumable}
