"""The run folder a checkpoint lies in (:func:`run_folder_of`: the one whose checkpoint.h5 it is), and whether
that run's training diverged after it (:func:`diverged_after`, :func:`divergence_in`), which a resume from it would
do again: what ``info``, ``eval``, a transfer's preflight and a run's remedies say of a checkpoint beside its
contents (:mod:`minitransfer.checkpoint` reads those).
"""

import pathlib

from minitransfer import rundir
from minitransfer.left_out import UnreadableRun


def run_folder_of(path):
    """The run folder whose checkpoint.h5 ``path`` is, under its own name (``.`` inside it, a link to it:
    the folder itself, whose name names its weights file); None for another file. A folder renamed by
    hand is still one: it holds the run's config.json, whatever it is called now."""
    path = pathlib.Path(path)
    try:
        folder = path.absolute().parent.resolve()
        in_run = path.name == "checkpoint.h5" and (rundir.is_run_dir(folder) or (folder / "config.json").is_file())
    except (OSError, RuntimeError):  # RuntimeError: a loop of links on the way (Python < 3.13)
        return None
    return folder if in_run and folder.name else None


def diverged_after(path):
    """Where ``path`` is the checkpoint.h5 of a run folder whose training diverged after it, what
    :func:`minitransfer.run_logs.divergence` says of that run; else ""."""
    run_folder = run_folder_of(path)
    return divergence_in(run_folder) if run_folder is not None else ""


def divergence_in(run_folder):
    """What :func:`minitransfer.run_logs.divergence` says of ``run_folder`` (:func:`run_folder_of`: a
    caller that found it already asks this, not :func:`diverged_after`); "" where its metrics.jsonl
    cannot be read (``info`` shows the rest)."""
    metrics = run_folder / "metrics.jsonl"
    try:
        return rundir.divergence(metrics) if metrics.is_file() else ""
    except OSError:
        return ""


def _run_folder_beside(weights):
    """The run folder beside the weights file ``weights``, whose result.json records its network; None for a run's
    checkpoint.h5 (inside its folder) or where no such folder is there."""
    folder = rundir.run_dir_for(weights)
    return None if pathlib.Path(weights).name == "checkpoint.h5" or not folder.is_dir() else folder


def weights_result(weights):
    """The record of the result.json in the run folder of the weights file ``weights`` (beside it), which
    :func:`warn_weights_of_another_run` compares its network with: {} where none tells (``weights`` a run's
    checkpoint.h5, no run folder beside it, a result.json that cannot be read or is no JSON object)."""
    from minitransfer.run_file_readers import read_json  # here: it imports checkpoint, which imports this module

    folder = _run_folder_beside(weights)
    if folder is None:
        return {}
    try:
        return read_json(folder / rundir.RESULT_FILE, dict)
    except (OSError, ValueError, UnreadableRun):
        return {}


def warn_weights_of_another_run(weights, saved, going_on="it is scored as it is", result=None):
    """Warn (:func:`minitransfer.stopping.warn`) where the weights file ``weights``, read as ``saved``, holds
    another network than the result.json of its run folder beside it records (``weights.network_sha256``): a
    weights file of another run copied in its place. ``eval baseA.run`` scored it, named as the run's network,
    with the classes, dataset and scores of the other, and nothing said so. Silent where it is the run's, for a
    run's checkpoint.h5, and where nothing recorded tells (no run folder beside it, a result.json unreadable:
    warned of as such, or written before the digest). ``going_on``: what the command does with it all the same
    (``info`` describes it). ``result``: the record of that result.json where the caller read it already
    (:func:`minitransfer.checkpoint_remake.result_record`, {} where it could not: ``info``'s; :func:`weights_result`:
    ``eval``'s), not read again; None: read here."""
    from minitransfer import stopping  # here: these import checkpoint, which imports this module
    from minitransfer.checkpoint_identity import network_sha256

    folder = _run_folder_beside(weights)
    if folder is None:
        return
    try:
        recorded = (weights_result(weights) if result is None else result)["weights"]["network_sha256"]
    except (KeyError, TypeError):
        return
    found = network_sha256(saved)
    if isinstance(recorded, str) and found != recorded:
        stopping.warn(f"warning: {weights} is not the network of its run {folder}: its network sha256 is "
                      f"{found[:12]}, the run's {rundir.RESULT_FILE} records {recorded[:12]} (a weights file of "
                      f"another run copied in its place?); {going_on}: {folder / 'checkpoint.h5'} is the "
                      f"run's own network")
