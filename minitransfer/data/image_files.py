"""Which file each image of a dataset came from (``prepare overlap`` names them): ``image-files.json`` beside the
shards of a dataset prepared from a folder (``prepare folder``), written with its cache files, before meta.json
(:func:`.build.build_dataset`, its ``file_root``), atomically::

    {"format": "minitransfer-image-files", "root": the source folder,
     "shards": {subset: [[shard file, its sha256], ...]},  as meta.json lists them
     "files": {subset: [each image's file, relative to the root, in the dataset's order]}}

No shard or meta.json records it, so no shard's digest, plan or layout changed: a dataset prepared before has
none, and reads, trains and verifies as before; a rerun of its prepare folder writes it (not while trainings read the
dataset: such a rerun writes nothing), its shards kept. It is believed only where its shards are meta.json's, shard for
shard and digest for digest, and its counts the subsets': a list left by an import that was stopped, or by an
older version before a rerun, is not read (:func:`recorded_files` says None, and the images are named by number).
A rerun that cannot write it (a folder in its place, a file not writable) says so (:func:`not_written`), its exit
code unchanged."""

import json

from minitransfer import warnings_told

from . import inputs

FILE = "image-files.json"
FORMAT = "minitransfer-image-files"


def listing(table, subsets, skipped, root):
    """{:data:`FILE`: its text} of an import's shard ``table`` ({subset: {"count", "shards"}}), made of ``subsets``
    ({subset: (items, labels, extras)}: :class:`.decode.ImportItem` s) less the files ``skipped`` (entries naming
    their subset) from the folder ``root`` (text, as meta.json records it); {} where the images kept do not add up
    to the table's counts (nothing then is better than names one image off)."""
    shards, files = {}, {}
    for subset, part in table.items():
        left_out = {entry["file"] for entry in skipped if entry.get("subset") == subset}
        named = [inputs.display_name(item.text()) for item in subsets.get(subset, ([], [], {}))[0]]
        files[subset] = [_relative(name, root) for name in named if name not in left_out]
        if len(files[subset]) != part["count"]:
            return {}
        shards[subset] = [[entry["file"], entry["sha256"]] for entry in part["shards"]]
    text = json.dumps({"format": FORMAT, "root": root, "shards": shards, "files": files}, indent=0, sort_keys=True)
    return {FILE: text + "\n"}


def _relative(name, root):
    prefix = root.rstrip("/") + "/"
    return name[len(prefix):] if name.startswith(prefix) else name


def not_written(error):
    """Warn that :data:`FILE` could not be written (``error``: the :class:`minitransfer.fileio.StorageError` naming
    it), in one line: a rerun said "already prepared ... nothing written" and its list was never there, so
    ``prepare overlap`` named the images by number, no line saying why."""
    warnings_told.warn(f"warning: {error}; `prepare overlap` names this dataset's images by number until it is "
                       f"written (by a rerun of this prepare)")


def recorded_files(data):
    """{subset: [each image's file, relative to the folder it was prepared from]} of the opened dataset ``data``,
    where its :data:`FILE` is there, readable and of its shards (see the module); else None."""
    try:
        path = data.path / FILE
        if not path.is_file():  # none, or no regular file (a named pipe there, read, waited for a writer)
            return None
        recorded = json.loads(path.read_text(encoding="utf-8"))
        if recorded.get("format") != FORMAT:
            return None
        for subset, part in data.meta["subsets"].items():
            listed = [[entry["file"], entry["sha256"]] for entry in part["shards"]]
            files = recorded["files"].get(subset, [])
            if recorded["shards"].get(subset) != listed or len(files) != part["count"] \
                    or not all(isinstance(name, str) for name in files):
                return None
        return recorded["files"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def shown(name):
    """A file ``name`` of :func:`recorded_files` as a line shows it: as :func:`listing` wrote it, its bytes that are
    not UTF-8 and its control and format characters escaped already (:func:`.inputs.display_name`); escaped again,
    but for its backslashes (the escapes' own), where the file was written otherwise: a newline, a terminal's escape
    sequence or a right-to-left override in a name split or garbled ``prepare overlap``'s lines."""
    return "\\".join(inputs.display_name(part) for part in name.split("\\"))
