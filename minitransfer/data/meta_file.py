"""A dataset's meta.json read and checked (:func:`read_meta`), and its schema checked once per process and content
(:func:`opened_meta`): the reading :func:`.dataset.open_dataset` and the command line's ``--data`` share.
"""

import hashlib

from minitransfer import fileio

from . import integrity, schema
from .schema import REPREPARE, DatasetError
from .shard_format import FORMAT_NAME, SCHEMA_VERSION, SUBSETS

# The fingerprints of the meta.json files this process found well formed: a dataset opened again (each base of a
# grid resolves its own plan) checks its meta.json no second time; its shards' reads are kept alike (.read_once)
_metas_checked = set()


def opened_meta(meta_path):
    """The JSON object of the meta file ``meta_path`` (:func:`read_meta`) and its fingerprint (the sha256 of its
    bytes), its schema checked (:func:`.schema.check_meta`) unless this process found these bytes well formed."""
    raw, meta = read_meta(meta_path)
    fingerprint = hashlib.sha256(raw).hexdigest()
    if fingerprint not in _metas_checked:  # its bytes as found well formed before: the same verdict
        schema.check_meta(meta, meta_path, SUBSETS)
        _metas_checked.add(fingerprint)
    return meta, fingerprint


def read_meta(meta_path):
    """The bytes of the meta file ``meta_path`` and its JSON object, its format and schema checked: the
    one wording of a meta.json refused, the library's and the command line's (``--data``, checked as
    its options are read). :class:`DatasetUnreadable` (exit code 74) where the system refuses the read
    (no read permission: the chmod, as for a shard, not a bare "[Errno 13]"), a :class:`DatasetError`
    (65) where its content is not a meta file (truncated, garbled, another file's); each names it."""
    try:
        raw = meta_path.read_bytes()
    except OSError as error:
        raise integrity.unreadable(meta_path, "meta file", error) from error
    try:
        meta = fileio.parse_json(raw)
    except ValueError as error:  # UnicodeDecodeError is one too
        raise DatasetError(f"{meta_path}: not valid JSON ({error}): {REPREPARE}") from error
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise DatasetError(f"{meta_path}: not a {FORMAT_NAME} meta file: {REPREPARE}")
    if meta.get("schema") != SCHEMA_VERSION:
        raise DatasetError(f"{meta_path}: schema {meta.get('schema')!r}, this minitransfer reads {SCHEMA_VERSION}")
    return raw, meta
