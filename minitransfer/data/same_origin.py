"""Whether a dataset folder holds one prepared from the same source and options as this import: a
finished dataset, or the shards of an unfinished import (interrupted: hours of decoding), is replaced
only with ``overwrite`` (--overwrite), and the check names what differs.

An unfinished import is told by ``importing.json`` (:func:`record_import`, written before its first
shard and removed once meta.json is written). A folder an older version left unfinished has none: its
rerun resumes as it always did, keeping the shards built from the same inputs and rebuilding the
others (the shards record a digest of their inputs, not the source they came from)."""

import json
import os
import shlex

from minitransfer import fileio
from minitransfer.rundir import recorded_path

from . import shard_format
from .inputs import fs_name
from .schema import ImportUsageError


def check_same_origin(out, source, size, shard_length):
    """``ImportUsageError`` (a ValueError, a usage error: exit code 2) naming what differs, as the options that set
    it, when ``out`` holds a finished dataset, or shards of an unfinished import, prepared from another source or at
    another size (replacing it needs --overwrite); else the ``source`` to record. It was a plain ValueError, which a
    script's ``except MinitransferError`` let through. Only what both record is
    compared: a dataset prepared before an option was recorded (--is-a, --words, --family-a) reruns
    as it did, and an importer may check the options it knows before it lists its source (minutes for
    ImageNet) with a ``source`` of those alone. An unfinished import is compared with the source as its
    import was given it (:func:`record_import`: absolute paths) and with ``shard_length``, its images
    per shard: finished with another --shard-size, every shard built would be built again. The
    source recorded is kept (without such an option; naming a file moved since by its former path), so
    that a rerun writes nothing: meta.json's sha256 is the fingerprint runs trained on the dataset check."""
    old = read_record(out / shard_format.META_FILE)
    finished = old is not None
    if not finished:
        old = read_record(out / shard_format.IMPORTING_FILE) if holds_shards(out) else None
        if old is None:
            return source  # no dataset there, nor shards of a known other import: nothing to lose
    old_source = old.get("source") if isinstance(old.get("source"), dict) else {}
    compared = old_source if finished else {**old_source, **_given_source(old)}
    differences = _differences(compared, old.get("image_size"), source, size)
    old_length = old.get("shard_size")
    if not finished and isinstance(old_length, int) and old_length != shard_length:
        differences.append(f"--shard-size {old_length}, now {shard_length}")
    if differences and finished:
        raise ImportUsageError(f"{out} holds a dataset prepared from another source or with other options "
                               f"({'; '.join(differences)}): pass --overwrite to replace it, or choose another output "
                               f"folder")
    if differences:
        began = f" ({finishing_command(out, {**old, 'source': old_source})})" if old_source.get("kind") else ""
        raise ImportUsageError(f"{out} holds the shards of an unfinished import (interrupted) from another source or "
                               f"with other options ({'; '.join(differences)}): rerun the command that began it to "
                               f"finish it{began}, pass --overwrite to replace it, or choose another output folder")
    return {key: old_source[key] for key in source if key in old_source}  # the same: a file moved is not rewritten


def same_folder(old_source, source):
    """Whether two sources as meta.json records them are one class-folder tree (``prepare folder`` of one SOURCE,
    whatever its options): a rerun's images then number otherwise only where the tree's files changed."""
    return all(isinstance(each, dict) and each.get("kind") == "folder" for each in (old_source, source)) and \
        _same_value(old_source.get("path"), source.get("path"))


def record_import(out, source, size, given, shard_length):
    """Write ``out``'s ``importing.json`` (atomically; unless it holds the same already): the ``source``
    (as meta.json will record it) and ``size`` of the import about to write shards there, which
    :func:`check_same_origin` compares with another import's until meta.json is written; ``given``, the
    source as this import was given it (its paths absolute, where ``source`` keeps those a dataset an
    older version prepared recorded relative to the folder it ran in), and ``shard_length``, its images
    per shard: what :func:`finishing_command` names, so that its command works from any folder and
    builds the shards this import began."""
    record = {"format": shard_format.FORMAT_NAME, "schema": shard_format.SCHEMA_VERSION, "source": source,
              "image_size": [size, size], "shard_size": shard_length}
    if given != source:
        record["given_source"] = given
    fileio.write_text(out / shard_format.IMPORTING_FILE, json.dumps(record, indent=1, sort_keys=True) + "\n",
                      keep_same=True)


def recorded_import(out):
    """What ``out``'s ``importing.json`` records of the import left unfinished there (no meta.json yet):
    the dict :func:`record_import` wrote, its ``source`` a dict; None where ``out`` holds a finished
    dataset, no such file, or one that cannot be read as such a record."""
    if (out / shard_format.META_FILE).is_file():
        return None
    recorded = read_record(out / shard_format.IMPORTING_FILE)
    return recorded if recorded and isinstance(recorded.get("source"), dict) else None


def finishing_command(out, recorded):
    """The prepare command that finishes the import left unfinished in ``out``, as ``recorded``
    (:func:`recorded_import`) says, shell-quoted: its kind, SOURCE (as the import was given it: an
    absolute path, so the command works from any folder), OUT (as given here) and each option recorded
    as ``--key`` (a file by its path; None, flags, lists and the keys no option sets, :data:`_NOT_OPTIONS`,
    left out), --size and --shard-size last, e.g. ``minitransfer prepare folder /home/me/photos data --seed 0
    --size 64 --shard-size 2730``."""
    source = {**recorded["source"], **_given_source(recorded)}
    words = ["minitransfer", "prepare", str(source.get("kind"))]
    words += [recorded_path(source["path"])] if isinstance(source.get("path"), str) else []
    words.append(str(out))
    for key in sorted(source.keys() - {"kind", "path", "size", *_NOT_OPTIONS}):
        value = source[key]
        value = recorded_path(value["path"]) if _is_file_record(value) else \
            recorded_path(value) if key in _PATH_OPTIONS and isinstance(value, str) else value
        if value is not None and not isinstance(value, (dict, list, bool)):
            words += [f"--{key.replace('_', '-')}", str(value)]
    size = recorded.get("image_size")
    if isinstance(size, list) and len(size) == 2 and size[0] == size[1]:
        words += ["--size", str(size[0])]
    if isinstance(recorded.get("shard_size"), int):
        words += ["--shard-size", str(recorded["shard_size"])]
    return shlex.join(words)


def _given_source(recorded):
    """The source an unfinished import was given (``given_source``: :func:`record_import`), {} where it
    records none (the same as its ``source``, or an earlier version wrote it)."""
    given = recorded.get("given_source")
    return given if isinstance(given, dict) else {}


# recorded of the source, set by no option (Tiny ImageNet's words.txt: a file of SOURCE, read from it)
_NOT_OPTIONS = ("layout", "generator_version", "words_txt")
# options recorded as a path alone (ImageNet's), as UTF-8 text: named to a command as this locale lists them
# (rundir.recorded_path: under a Latin-1 locale "donn\\udce9es" was written escaped, no such folder)
_PATH_OPTIONS = ("val_labels", "devkit")


def read_record(path):
    """The JSON object in ``path`` (meta.json, importing.json); None where there is no readable JSON,
    {} where it holds JSON other than an object."""
    try:
        recorded = fileio.parse_json(path.read_bytes())
    except (OSError, ValueError):
        return None
    return recorded if isinstance(recorded, dict) else {}


def holds_shards(out):
    """Whether the folder ``out`` holds a shard (a stop before any was finished keeps nothing); False where
    it cannot be listed (not there)."""
    try:
        return any(shard_format.SHARD_NAME.fullmatch(name) for name in os.listdir(out))
    except OSError:
        return False


def _differences(old_source, old_size, source, size):
    """What differs between the recorded ``old_source`` and ``old_size`` and this import's, as the options
    that set it."""
    if old_source.get("kind") != source.get("kind"):
        return [f"made by 'prepare {old_source.get('kind')}', now 'prepare {source.get('kind')}'"]
    differing = [key for key in sorted(old_source.keys() & source.keys())
                 if not _same_value(old_source.get(key), source.get(key))]
    differences = [f"{_SOURCE_WORDS.get(key, '--' + key.replace('_', '-'))} {_given(old_source.get(key))}, "
                   f"now {_given(source.get(key))}" for key in differing]
    if old_size != [size, size] and "size" not in differing:  # synthetic sets record --size in their source
        square = isinstance(old_size, list) and len(old_size) == 2 and old_size[0] == old_size[1]
        differences.append(f"--size {old_size[0] if square else repr(old_size)}, now {size}")
    return differences


_SOURCE_WORDS = {"path": "SOURCE", "layout": "SOURCE's layout", "generator_version": "generator version",
                 "words_txt": "SOURCE's words.txt"}


def _given(value):
    """An option's recorded value as the command line gives it (None: the option was left out; a file
    recorded by :func:`.text_files.file_record`: its path and the start of its sha256)."""
    if _is_file_record(value):
        return f"{value['path']!r} (sha256 {str(value['sha256'])[:12]})"
    return "not given" if value is None else repr(value) if isinstance(value, str) else str(value)


def _is_file_record(value):
    return isinstance(value, dict) and {"path", "sha256"} <= value.keys()


def _same_value(old, new):
    """Equal values, two names of one existing file (a source given by another relative path), or two
    records of files (:func:`.text_files.file_record`) with the same bytes, wherever they lie; a file
    recorded by its path alone (--families, before its bytes were recorded) is the file of that path. Paths
    are compared as the names they record, whatever the locale that recorded them (:func:`.inputs.fs_name`):
    under LC_ALL=C (PYTHONUTF8=0) a source "photos-猫" recorded in a UTF-8 locale is no name Python can
    encode, and its rerun died of a UnicodeEncodeError ("'ascii' codec can't encode character")."""
    if old == new:
        return True
    if _is_file_record(old) and _is_file_record(new):
        return old["sha256"] == new["sha256"]
    new = new["path"] if isinstance(old, str) and _is_file_record(new) else new
    if not (isinstance(old, str) and isinstance(new, str)):
        return False
    try:
        old, new = fs_name(old), fs_name(new)
        return old == new or os.path.samefile(old, new)
    except (OSError, ValueError):  # not there; a surrogate no name holds (a hand-edited record)
        return False
