"""An import's hold on its OUT folder's lock (:func:`import_lock`): exclusive where it writes, shared with the
readers of a finished dataset where it only checks that a rerun would write nothing (:func:`.build.build_dataset`).
"""

import contextlib

from minitransfer import file_owners, fileio

from . import lock
from .shard_format import META_FILE


@contextlib.contextmanager
def import_lock(out, may_check=False):
    """Hold ``out``'s lock exclusively (:func:`.lock.writing`, which creates ``out``): refused while
    another import writes there (:class:`.lock.BeingPrepared`, which :func:`.build.build_dataset` waits out where that
import has this one's options) or a training reads the dataset; yields False. With ``may_check``, while
    readers (trainings, evaluations, verifies) hold it, it is held shared instead, as theirs, and yields True:
    the import may then only check that the dataset is as it would write it (a rerun with the same options,
    "already prepared"), writing nothing; :class:`.shard_builder.WouldWrite` otherwise (the import then takes
    the lock anew, exclusively: refused, naming the readers, while they read). A writer is refused while it
    is held shared, and the shared lock while a writer holds it (named), so no import writes while a reader
    reads; neither waits for the other, so none deadlocks. Where it cannot be written, on a
    read-only file system or in a finished dataset's folder this user may not write (another user's),
    nobody else can write either: it is held shared (:func:`.lock.shared`: opened read-only where it is
    there), so a finished dataset is checked and its rerun writes nothing, or anything left to write fails
    as usual (exit 74). Not where ``out`` may be written and only its lock file may not (another user's,
    0o644 in a folder a group shares): a rerun could write there, under a lock that keeps nobody out, so it
    is refused (exit 74, naming the lock file's owner: :meth:`.run_lock.RunLock._refused`)."""
    with contextlib.ExitStack() as held:
        read_by_others = False
        try:
            held.enter_context(lock.writing(out))
        except lock.DatasetBusy:
            if not may_check:
                raise
            read_by_others = True
        except fileio.StorageError as error:
            unwritable = error.errno in fileio.UNWRITABLE and not file_owners.lock_file_alone(out / lock.LOCK_FILE)
            if not (file_owners.read_only(out) or unwritable and (out / META_FILE).is_file()):
                raise
            held.enter_context(lock.shared(out))
        if read_by_others:  # a prepare that took it meanwhile is named (DatasetBusy)
            held.enter_context(lock.shared(out))
        yield read_by_others
