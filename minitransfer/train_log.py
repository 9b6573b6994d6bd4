"""The output of a grid's train kept apart from its run's train.log until the train holds the run's lock.

A local grid starts minitransfer's own train with its command line and its output (stdout, stderr) in a
file of their own beside the run's log (:data:`OUTPUT_APART` names it to the train, :data:`RUN_LOG` the
log); once the train holds the run's lock it appends that file to the log and writes on there
(:func:`join_once_locked`). A train that ends before then leaves it to its grid, which joins it to the log,
or drops it where the train lost the race for the run (:func:`minitransfer.grid_launch.lost_race_apart`).

Why: the grid wrote the command line, and the train its output, straight into train.log. With two grids
started on one folder at once, the train that lost the race wrote its command line and its refusal
("error: ... is in use by another minitransfer process") into the log of the run the other grid's train was
training: a finished run's log read as though the run had failed; and the losing grid, which told the lost
race by the log's last line, counted the run FAILED once the winner had written more lines.
"""

import os
import sys

from minitransfer import file_owners, fileio

OUTPUT_APART = "MINITRANSFER_OUTPUT_APART"  # the file a grid's train writes to until it holds its run's lock
RUN_LOG = "MINITRANSFER_RUN_LOG"  # the run's log, where it writes on from then


def environment(apart, log):
    """What a grid adds to the environment of a train whose output goes to ``apart`` until it holds its run's
    lock, then to ``log``."""
    return {OUTPUT_APART: str(apart), RUN_LOG: str(log)}


def join_once_locked():
    """In a train that holds its run's lock, started by a grid with its output apart (:func:`environment`):
    append that output to the run's log and send what the train writes from now on there (its stdout and
    stderr); a train started otherwise is left as it is. A log that cannot be written raises
    :class:`~minitransfer.fileio.StorageError` (exit 74), said where the output still goes: the grid joins
    it to the log as the train ends, or leaves it apart where it cannot."""
    apart, log = os.environ.pop(OUTPUT_APART, None), os.environ.pop(RUN_LOG, None)
    if apart is None or log is None:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        with open(apart, "rb") as stream:
            text = stream.read()
    except OSError:  # removed meanwhile: nothing to join
        text = b""
    try:
        descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, file_owners.LOCK_FILE_MODE)
        try:
            with open(descriptor, "ab", closefd=False) as stream:
                stream.write(text)
            os.dup2(descriptor, 1)  # the descriptors the grid gave it, whatever sys.stdout is now
            os.dup2(descriptor, 2)
        finally:
            os.close(descriptor)
    except OSError as error:
        raise fileio.storage_error(log, error, len(text)) from error
    try:
        os.unlink(apart)
    except OSError:  # removed meanwhile
        pass
