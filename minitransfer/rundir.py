"""A run directory: where it lies beside its weights file, the files it holds, and what result.json
records of the weights (trusted without hashing them again while they are unchanged).

The weights file ``out`` (e.g. ``baseA.h5``) is written once, at the end; a run that starts over
(``overwrite``) removes the previous run's weights first. Beside it, the *run directory*
``<out without suffix>.run/`` (``baseA.run/``) holds:

    config.json      the fully resolved configuration (every default filled in); a resumed run
                     rewrites it with its checkpoint's, the options it goes on with
    config.json.edited  config.json as a hand had edited it when the run resumed (the edit had no
                     effect, and a warning said so: :func:`minitransfer.config_edits.hand_edits`)
    metrics.jsonl    one JSON object every log_every iterations ({"iteration", "loss", "top1", "lr",
                     "seconds"}: that iteration's batch loss and top-1, as Caffe displays them; seconds
                     the run has trained, evaluations included, counted on across resumptions from the
                     last row kept, without the time a stopped process spent after it, redone)
                     and per evaluation ({"event": "eval", "iteration", "top1", "top5", "loss"})
    eval.csv         iteration,top1,top5,loss: one row per evaluation on the half's val images
    checkpoint.h5    the latest resumable checkpoint (weights + momentum + iteration + data cursor)
    result.json      final, best and mean-of-10-best top-1 (the original code's metric), and more: the
                     weights file's sha256, size and mtime as written (:func:`recorded_sha256`), and the
                     digest of its network, the same wherever the file lies (``network_sha256``)
    lock             held (flock) by the one process training into the directory; on a file
                     system without locks (Lustre mounted without -o flock, NFS without its lock
                     daemon) a run goes on unlocked, with a warning:
                     :func:`minitransfer.run_lock.try_lock`

JSON files hold strict JSON: a non-finite number is written as null.

The files written as a run trains, and the check of its logs on resume, are
:mod:`minitransfer.run_files`. The lock, the reading of its logs, what a run shows while it trains
and its stop requests are modules of their own (:mod:`minitransfer.run_lock`,
:mod:`minitransfer.run_logs`, :mod:`minitransfer.progress`, :mod:`minitransfer.stop_requests`).
"""

import math
import os
import pathlib

from minitransfer import fileio
from minitransfer.data.inputs import fs_name, fs_text
from minitransfer.data.schema import SHA256
from minitransfer.run_logs import DIVERGED, divergence

__all__ = ["run_dir_for", "weights_for", "recorded_out", "PATH_FIELDS", "record_path", "recorded_path", "recorded_file",
           "recorded_name", "RUN_FILES", "is_run_dir", "nearest_above",
           "enclosing_run_dir", "BEST_EVALUATIONS",
           "DIVERGED", "divergence", "weights_record", "recorded_sha256", "recorded_weights", "finite"]


def run_dir_for(out):
    """The run directory of weights file ``out``: ``baseA.h5`` → ``baseA.run``."""
    out = pathlib.Path(out)
    return out.with_name(out.stem + ".run") if out.suffix else out.with_name(out.name + ".run")


def weights_for(run_dir):
    """The weights file of run directory ``baseA.run`` (:func:`run_dir_for`'s inverse): the one its
    config.json names (``train -o`` chose it; looked for beside the folder, wherever it has been
    moved), else ``baseA.h5``; not another file of that stem (``baseA.err``, ``baseA.csv``)."""
    run_dir = pathlib.Path(run_dir)
    name = recorded_out(run_dir)
    weights = run_dir.with_name(name) if name else None
    return weights if weights is not None and run_dir_for(weights) == run_dir else run_dir.with_suffix(".h5")


def recorded_out(run_dir):
    """The name of the weights file (``out``) the config.json of ``run_dir`` records, without its
    folder; None where there is no readable record of one (an empty name is none either)."""
    try:
        recorded = fileio.parse_json((pathlib.Path(run_dir) / "config.json").read_text())["out"]
        return recorded_name(recorded) or None
    except (OSError, ValueError, KeyError, TypeError):
        return None


# The fields of a run's configuration that are paths, recorded as UTF-8 text (:func:`record_path`).
PATH_FIELDS = ("out", "data", "copy_from")


def record_path(path):
    """How a record (config.json, result.json, a checkpoint's attributes) holds ``path`` (a name as Python
    reads it, in the locale's encoding of file names): its bytes as UTF-8 text
    (:func:`minitransfer.data.inputs.fs_text`); None stays None. Under LC_ALL=C (PYTHONUTF8=0) "données" was
    recorded as "donn\\udcc3\\udca9es", in a UTF-8 locale as "données": the same run's records differed,
    and one written in a UTF-8 locale named no file LC_ALL=C can open. :func:`recorded_path` reads it back."""
    return fs_text(os.fspath(path)) if isinstance(path, (str, os.PathLike)) else path


def recorded_path(text):
    """The path (a name to open, in this locale's encoding of file names) a record's ``text`` names:
    :func:`record_path`'s, or an earlier version's (surrogate escapes, as LC_ALL=C read the name) alike
    (:func:`minitransfer.data.inputs.fs_name`); anything but text is returned as it is."""
    if not isinstance(text, str):
        return text
    try:
        return fs_name(text)
    except UnicodeEncodeError:  # a surrogate no name holds (a hand-edited record): named as it is
        return text


def recorded_file(text):
    """The path a record's ``text`` names (:func:`recorded_path`) as a :class:`pathlib.Path`, to open or look
    into: its meta.json, its run folder. TypeError for anything but a path."""
    return pathlib.Path(recorded_path(text))


def recorded_name(text):
    """The last part of the path a record's ``text`` names (:func:`recorded_path`), as this locale lists it
    in its folder: "baseA.h5" of "grid/random0/baseA.h5", "" of "". TypeError for anything but a path."""
    return pathlib.PurePath(recorded_path(text)).name


RESULT_FILE = "result.json"
RUN_FILES = ("config.json", "metrics.jsonl", "eval.csv", "checkpoint.h5", RESULT_FILE)


def is_run_dir(folder):
    """Whether ``folder`` is a run directory: named ``*.run`` and holding a run's files. One that cannot be
    looked into (under a folder this user may not enter) is none: passed over, where Path.is_dir raised."""
    folder = pathlib.Path(folder)
    return folder.suffix == ".run" and os.path.isdir(folder) and \
        any(os.path.exists(folder / name) for name in RUN_FILES)


def nearest_above(path, predicate, itself=True):
    """The nearest folder for which ``predicate`` holds along ``path`` resolved (links followed, ``..``
    undone: where what is written at ``path`` lands): ``path`` itself first (unless not ``itself``),
    then the folders above it, up to the root; None where there is none."""
    resolved = pathlib.Path(path).resolve()
    return next((folder for folder in (*([resolved] if itself else []), *resolved.parents) if predicate(folder)),
                None)


def enclosing_run_dir(path):
    """The run directory (:func:`is_run_dir`) that ``path`` is or lies inside, the nearest; None where it
    is in none. Looked for along ``path`` resolved (links followed, ``..`` undone), where what is
    written at ``path`` lands: ``link/net.h5``, ``link`` leading to ``baseA.run``, writes into that
    run's folder, and ``baseA.run/../net.h5`` beside it, not in it. The one answer for a grid's folder
    (:func:`minitransfer.grid_folder.check_outside_run_dirs`), a report's
    (:func:`minitransfer.report_folder.other_kind`) and a run's weights file
    (:func:`minitransfer.run_destination.check_destination`)."""
    return nearest_above(path, is_run_dir)


BEST_EVALUATIONS = 10  # the original code's metric: the mean of this many best evaluations (all where fewer)
# How train's line of a run it found finished ends (a grid counts such a run as trained by another process)
NOTHING_TO_DO = "nothing to do"


def train_again(run="it"):
    """What to do with a ``run`` (how it is named) that nothing else finishes (its checkpoint gone or
    damaged): "train it again (its train command with --overwrite)"."""
    return f"train {run} again (its train command with --overwrite)"


def weights_record(out, sha256, named=None):
    """What result.json records of the weights file ``out`` train has just written, whose sha256 is
    ``sha256``: ``{"sha256", "size", "mtime_ns"}``, the digest with the file's size and modification
    time, which :func:`recorded_sha256` trusts while they are unchanged. ``named``: how an error
    names ``out`` (:func:`minitransfer.fileio.storage_error`)."""
    try:
        status = os.stat(out)
    except OSError as error:
        raise fileio.storage_error(out, error, named=named) from error
    return {"sha256": sha256, "size": status.st_size, "mtime_ns": status.st_mtime_ns}


def recorded_sha256(out, status):
    """The sha256 that the result.json of the weights file ``out`` recorded of it (:func:`weights_record`)
    while the file, whose ``os.stat`` is ``status``, has the size and modification time it was written
    with; else None, and the file is to be hashed (a run trained again, a file copied over it or edited
    has another modification time; a folder copied with its times kept, e.g. ``cp -a``, keeps them). So
    a grid checks each base it holds without reading its weights, hundreds of MB each."""
    record = recorded_weights(out, status)
    return None if record is None else record["sha256"]


def recorded_weights(out, status):
    """What the result.json of the weights file ``out`` recorded of it (:func:`weights_record`'s fields, and
    the digest of its network where train recorded one), read once, while it holds of the file, whose
    ``os.stat`` is ``status``, as :func:`recorded_sha256` trusts it; else None. Read as the report reads a
    run's files (:func:`minitransfer.run_file_readers.read_json`): inside its ``reads_shared`` the report's
    read of it serves, and one that is no file train writes (a named pipe, a device) is none, not read."""
    from minitransfer.run_file_readers import read_json  # here: it imports the report's modules, which import this

    try:
        record = read_json(run_dir_for(out) / RESULT_FILE, dict)["weights"]
        sha256, size, modified = record["sha256"], record["size"], record["mtime_ns"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    known = isinstance(sha256, str) and SHA256.fullmatch(sha256)
    return record if known and (size, modified) == (status.st_size, status.st_mtime_ns) else None


def finite(value):
    """``value`` with every non-finite float (a diverged evaluation's loss) replaced by None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def config_text(path):
    """The text of the config.json ``path`` as it is now (a hand may have edited it), or None where it
    cannot be read (deleted, unreadable, not UTF-8)."""
    try:
        return pathlib.Path(path).read_text()
    except (OSError, UnicodeDecodeError):
        return None
