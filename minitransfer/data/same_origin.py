"""Whether a dataset folder holds one prepared from the same source and options as this import: a
finished dataset is replaced only with ``overwrite`` (--overwrite), and the check names what differs."""

import os

from minitransfer import fileio

from . import shard_format


def check_same_origin(out, source, size):
    """``ValueError`` naming what differs, as the options that set it, when ``out`` holds a finished
    dataset prepared from another source or at another size (replacing it needs --overwrite); else the
    ``source`` to record. Only what both record is compared: a dataset prepared before an option was
    recorded (--is-a, --words, --family-a) reruns as it did. The source recorded is kept (without such an
    option; naming a file moved since by its former path), so that a rerun writes nothing: meta.json's
    sha256 is the fingerprint runs trained on the dataset check."""
    try:
        old = fileio.parse_json((out / shard_format.META_FILE).read_bytes())
    except (OSError, ValueError):
        return source  # no finished dataset there (or no readable one): nothing to lose
    old = old if isinstance(old, dict) else {}
    old_source = old.get("source") if isinstance(old.get("source"), dict) else {}
    if old_source.get("kind") != source.get("kind"):
        differences = [f"made by 'prepare {old_source.get('kind')}', now 'prepare {source.get('kind')}'"]
    else:
        differing = [key for key in sorted(old_source.keys() & source.keys())
                     if not _same_value(old_source.get(key), source.get(key))]
        differences = [f"{_SOURCE_WORDS.get(key, '--' + key.replace('_', '-'))} {_given(old_source.get(key))}, "
                       f"now {_given(source.get(key))}" for key in differing]
        old_size = old.get("image_size")
        if old_size != [size, size] and "size" not in differing:  # synthetic sets record --size in their source
            square = isinstance(old_size, list) and len(old_size) == 2 and old_size[0] == old_size[1]
            differences.append(f"--size {old_size[0] if square else repr(old_size)}, now {size}")
    if differences:
        raise ValueError(f"{out} holds a dataset prepared from another source or with other options "
                         f"({'; '.join(differences)}): pass --overwrite to replace it, or choose another output folder")
    return {key: old_source[key] for key in source if key in old_source}  # the same: a file moved is not rewritten


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
    recorded by its path alone (--families, before its bytes were recorded) is the file of that path."""
    if old == new:
        return True
    if _is_file_record(old) and _is_file_record(new):
        return old["sha256"] == new["sha256"]
    new = new["path"] if isinstance(old, str) and _is_file_record(new) else new
    try:
        return isinstance(old, str) and isinstance(new, str) and os.path.samefile(old, new)
    except OSError:
        return False
