"""Where the record of a dataset's files found intact lives and how it is read (:func:`record_path`,
:func:`read_record`; :mod:`minitransfer.data.integrity` keeps it, and says its form), the cache's folders made for
a group to share (:func:`shared_folder`), and what to do about a record that cannot be written
(:func:`unrecorded_remedy`). The names :mod:`minitransfer.data.integrity` imports are importable from there too.
"""

import hashlib
import os
import pathlib
import stat

from minitransfer import file_owners, fileio

RECORDS = "verified"  # the records' folder in the cache folder
RECORD_LIMIT = 1 << 24  # bytes; a larger record is damaged (ImageNet's ~1300 files take ~250 KB): ignored


def record_path(folder):
    """The record of the dataset ``folder`` (None where the cache folder is unknown: no home folder)
    and the folder's resolved path."""
    from .synthetic import cache_dir  # which imports this module (through dataset, integrity)
    resolved = os.path.realpath(folder)
    try:
        root = cache_dir()
    except fileio.StorageError:
        return None, resolved
    return root / RECORDS / f"{hashlib.sha256(os.fsencode(resolved)).hexdigest()}.json", resolved


def read_record(path, resolved):
    """``{name: key}`` of the well-formed entries of the record at ``path`` (None: no cache folder) of the
    dataset folder ``resolved``; {} where there is none, or it cannot be read or parsed, or it is another
    folder's."""
    if path is None:
        return {}
    try:
        with open(path, "rb") as stream:
            text = stream.read(RECORD_LIMIT + 1)
        record = fileio.parse_json(text) if len(text) <= RECORD_LIMIT else None
    except (OSError, ValueError):
        return {}
    if not (isinstance(record, dict) and record.get("dataset") == resolved and isinstance(record.get("files"), dict)):
        return {}
    return {name: tuple(entry) for name, entry in record["files"].items() if _well_formed(entry)}


def _well_formed(entry):
    return isinstance(entry, list) and len(entry) == 6 and all(type(value) is int for value in entry[:5]) and \
        type(entry[5]) is str  # type(), not isinstance: JSON's true would pass for 1


def shared_folder(path):
    """Make the cache's folder ``path`` (the records', the built-in set's) where it is missing. In a cache folder
    its group may write (a lab's shared $MINITRANSFER_CACHE, mode 2775) one this user owns is made writable by
    the group too, and setgid where the cache folder is, whatever the umask: made 0o755 under a umask 022, no
    other user of the group could record there, and each hashed every dataset again at every run."""
    path = pathlib.Path(path)
    path.mkdir(parents=True, exist_ok=True)
    try:
        shared, status = os.stat(path.parent).st_mode, os.stat(path)
        mode = stat.S_IMODE(status.st_mode)
        wanted = mode | stat.S_IRWXG | shared & stat.S_ISGID
        if shared & stat.S_IWGRP and wanted != mode and status.st_uid == os.geteuid():
            os.chmod(path, wanted)
    except OSError:  # a file system without modes: as mkdir made it
        pass


def unrecorded_remedy(path):
    """What to do about a record ``path`` that cannot be written: where its folder is another user's, that
    this user may not write (made under a umask 022 by an older version), ask its owner to let the group
    write it; else set MINITRANSFER_CACHE to a folder that can be written."""
    folder = None if path is None else path.parent
    try:
        status = os.stat(folder)
    except (OSError, TypeError):
        status = None
    if status is not None and status.st_uid != os.geteuid() and not os.access(folder, os.W_OK | os.X_OK):
        owner, mode = file_owners.owner_and_mode(folder)
        return (f"{folder} is {owner}'s ({mode}), which this user may not write: "
                f"{file_owners.ask_to_share(owner, folder)}; or set MINITRANSFER_CACHE to a folder of this user's")
    return "set MINITRANSFER_CACHE to a folder that can be written"
