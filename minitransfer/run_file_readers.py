"""A run's files read back for the report (:func:`minitransfer.results.collect`), trusting none of
them: its result.json, config.json and treatment.json (:func:`read_json`; result.json then judged as train's
summary of its run by :mod:`minitransfer.result_checks`), its eval.csv (:func:`read_curve`, :func:`read_log`)
and metrics.jsonl (:func:`is_loss_record`; at most :data:`LOSS_POINTS` training losses, which
:mod:`minitransfer.results` samples), and of its weights file the two root attributes that tell its eval.csv rows
(:func:`read_weights_sums`). A file that
is not one (a folder, a named pipe, a device) or holds more than train writes there
(:func:`checked`) is refused, as is a damaged one, with an :class:`UnreadableRun` naming it (a
:class:`FileUnreadable` where the system would not read it);
:func:`stamp` tells one version of a file from the next, so a run started over while it is read is
told.
"""

import contextlib
import contextvars
import json
import math
import os
import stat

from minitransfer import fileio, hdf5_files, run_logs
from minitransfer.checkpoint_check import HDF5_DAMAGE
from minitransfer.file_owners import owner_and_mode
from minitransfer.left_out import UnreadableRun
from minitransfer.result_digests import CURVE_SUMS
from minitransfer.shared_blocks import shared_within


def is_there(path):
    """Whether a run's file is there (a link to nothing is not); :class:`UnreadableRun` where that
    cannot be told (its folder cannot be read)."""
    return stamp(path) is not None


class FileUnreadable(UnreadableRun):
    """A run's file the system would not read (permissions, an I/O error), not one holding the wrong
    thing: ``info`` exits 74 for it, 65 for the rest (``report`` leaves the run out either way)."""


def _cannot_read(path, error, owned=False):
    """The :class:`FileUnreadable` for ``path``, which ``error`` kept from being read; ``owned``: naming its owner
    and mode too, as a run's log another user keeps private (mode 600) is named (:func:`read_log`)."""
    why = error.strerror or error
    if owned:
        owner, mode = owner_and_mode(path)
        why = f"{why}; it is {owner}'s, {mode}"
    return FileUnreadable(f"{path}: cannot be read ({why})")


def stamp(path):
    """What tells a version of a file from the next (train replaces result.json whole, as a new
    file): its inode, size and time of change; None where it is not there. :class:`UnreadableRun`
    where that cannot be told (its folder cannot be read)."""
    try:
        status = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise _cannot_read(path, error) from None
    return status.st_ino, status.st_size, status.st_ctime_ns


# The training losses of a run drawn in curves.png: a panel is a few hundred pixels wide, and the
# 22,500 batches a CaffeNet run logs, read for each of a grid's 1,000 runs, took most of the report's
# time and memory (and 100 MB of SVG).
LOSS_POINTS = 500


def is_loss_record(record):
    """A training-loss line of metrics.jsonl as train writes it, a finite loss at an iteration (train
    stops at a non-finite one; a hand-edited line is skipped, as a torn one is)."""
    iteration, loss = record.get("iteration"), record.get("loss")
    return type(iteration) is int and type(loss) in (int, float) and math.isfinite(loss)


# The most a run's file holds as train writes it (ImageNet's metrics.jsonl, logged at every one of
# 450,000 iterations, ~60 MB; a result.json or config.json, a few kB): a larger one is no run's file
# (a crash can leave a tail of zeros, a sparse file of any size), and reading it whole ends the
# report in a MemoryError.
LOG_BYTES = 1 << 30
JSON_BYTES = 16 << 20


def read_curve(path):
    """(iteration, top-1) of each evaluation in the eval.csv ``path``, its columns found by the names of
    its header (:func:`minitransfer.run_logs.eval_csv_lines`: a spreadsheet's or pandas' save may reorder
    them); one without an iteration or top1 column has no curve."""
    return tuple((row["iteration"], row["top1"]) for row in run_logs.read_eval_rows(path))


def read_log(read, path):
    """``read(path)``, :mod:`minitransfer.rundir`'s reader of a run's log (none where it is missing),
    once :func:`checked`; a log the system would not read (another user's, mode 600) a :class:`FileUnreadable`
    naming it, its owner and mode: ``info`` shows the network, and says why."""
    try:
        return read(path) if not is_there(path) else read(checked(path, LOG_BYTES))
    except OSError as error:
        raise _cannot_read(path, error, owned=True) from None


def checked(path, most):
    """``path``, a run's file: :class:`UnreadableRun` naming it where it is not a file, which would
    be read for ever (a named pipe, a device) or fail the report (a folder), or holds more than
    ``most`` bytes."""
    try:
        status = os.stat(path)
    except OSError as error:
        raise _cannot_read(path, error) from None
    if not stat.S_ISREG(status.st_mode):
        kind = ("a folder" if stat.S_ISDIR(status.st_mode) else "a named pipe" if stat.S_ISFIFO(status.st_mode)
                else "a device" if stat.S_ISCHR(status.st_mode) or stat.S_ISBLK(status.st_mode) else "a socket")
        raise UnreadableRun(f"{path}: not a file ({kind})")
    if status.st_size > most:
        raise UnreadableRun(f"{path}: {status.st_size:,} bytes, more than train writes there ({most:,} at most): "
                            f"not read")
    return path


_shared_reads = contextvars.ContextVar("shared_reads", default=None)


@contextlib.contextmanager
def reads_shared():
    """Inside, each version of a file (:func:`stamp`) is read once (:func:`file_bytes`, :func:`read_json`): a
    report read a base's result.json three times (its accuracies, its weights' digests, its own digest in
    "Made from"). A file replaced meanwhile is another version, read anew; a block inside another shares the
    outer block's reads; nothing is kept once the outermost ends."""
    with shared_within(_shared_reads):
        yield


def file_bytes(path):
    """The bytes of the file ``path``, read once per version inside :func:`reads_shared`; OSError where it
    cannot be read (:class:`UnreadableRun` where its folder cannot be)."""
    shared = _shared_reads.get()
    version = stamp(path) if shared is not None else None  # None: not shared, or not there (open says why)
    key = (os.path.abspath(path), version)  # a runs_dir given relative too
    if version is not None and key in shared:
        return shared[key]
    with open(path, "rb") as file:
        data = file.read()
    if version is not None:
        shared[key] = data
    return data


def read_json(path, kind):
    """The JSON document in ``path``, which must be a ``kind``; :class:`UnreadableRun` naming the file otherwise.
    Read once per version of the file inside :func:`reads_shared`."""
    checked(path, JSON_BYTES)
    try:
        record = fileio.parse_json(file_bytes(path).decode("utf-8"))
    except OSError as error:
        raise _cannot_read(path, error) from None
    except ValueError as error:  # or nested too deep: fileio.parse_json
        why = "empty, truncated or corrupt" if isinstance(error, json.JSONDecodeError) else error
        raise UnreadableRun(f"{path}: not valid JSON ({why})") from None
    if not isinstance(record, kind):
        raise UnreadableRun(f"{path}: expected a JSON {'object' if kind is dict else kind.__name__}, "
                            f"got {json.dumps(record):.80}")
    return record


def read_weights_sums(path):
    """(its iteration, its record of the eval.csv rows up to it: :func:`minitransfer.result_digests.checkpoint_sums`)
    of the weights file ``path``, the run's final checkpoint but its solver state, as train wrote them: two root
    attributes, no array read. None where it is not a file (missing, a named pipe), cannot be read, or records no
    such sums (written before 0.11.5) or no iteration as train writes them."""
    if not os.path.isfile(path):
        return None
    try:
        with hdf5_files.open_hdf5(path, locked=False) as f:
            iteration = hdf5_files.plain_attribute(f.attrs["iteration"])
            sums = fileio.parse_json(hdf5_files.plain_attribute(f.attrs[CURVE_SUMS]))
    except (*HDF5_DAMAGE, ValueError, TypeError):  # KeyError too: an attribute it lacks
        return None
    return (iteration, sums) if type(iteration) is int and isinstance(sums, dict) else None
