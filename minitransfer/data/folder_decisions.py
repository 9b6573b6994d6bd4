"""The decisions a folder's import made of whole classes, made again on a rerun: a class left out for want of a
decodable training image, a class given its held-out files back (:func:`.folder.import_folder`). meta.json records
each with the digest of the files it was made from (:func:`decision_inputs`), so a rerun over the same files plans
the shards the import wrote rather than trying the first split again."""

import hashlib
import pathlib

from . import inputs, same_origin, shard_format
from .decode import ImportItem
from .shard_builder import DECODER

NO_TRAINING_IMAGE = "no decodable training image"  # why a class is left out (meta.json excluded_classes)


def take_recorded_decisions(out, train, val, states, excluded, returned, decided, known_bad):
    """Make again the decisions the meta.json in ``out`` records (classes left out as without a decodable
    training image, classes given their held-out files back) for each class whose files, split as now, are
    those they were made from (:func:`decision_inputs`: paths, sizes, modification times): a rerun then plans
    the shards the import wrote, so it writes nothing and decodes nothing, rather than trying the first split
    again (and rebuilding every shard twice). A class whose files changed (one repaired) is decided anew; every
    class where ``out`` is None (--overwrite: one mended keeping its files' sizes and times is tried again)."""
    if out is None:
        return
    meta = same_origin.read_record(pathlib.Path(out) / shard_format.META_FILE)
    if not meta:  # none, unreadable, or no JSON object
        return
    try:
        recorded, skipped = dict(meta.get("decision_inputs", {})), list(meta.get("skipped", []))
        left_out = {entry["name"] for entry in meta.get("excluded_classes", [])
                    if entry.get("reason") == NO_TRAINING_IMAGE}
        given_back = set(meta.get("returned_to_training", []))
    except (ValueError, TypeError, KeyError, AttributeError):  # not one this version wrote
        return
    still = {name for name, inputs_digest in recorded.items()
             if name in train and inputs_digest == decision_inputs(name, train, val, states)}
    for name in sorted(still & given_back - left_out):
        decided[name] = recorded[name]
        train[name], val[name] = sorted(train[name] + val.get(name, [])), []
        returned.append(name)
    left_out &= still
    left_out_files = {inputs.path_text(path) for name in left_out for path in train[name] + val.get(name, [])}
    known_bad += [entry for entry in skipped if isinstance(entry, dict) and entry.get("file") in left_out_files]
    for name in sorted(left_out):
        decided[name] = recorded[name]
        excluded.append({"name": name, "reason": NO_TRAINING_IMAGE})
        del train[name]


def decision_inputs(name, train, val, states):
    """The SHA-256 of what decides whether class ``name`` has a decodable training image: its training and
    held-out files, each's path, size and modification time as listed (``states``; :meth:`.decode.ImportItem.identity`,
    as shard plans record them), and the decoder."""
    digest = hashlib.sha256(DECODER.encode() + b"\n")
    for subset, files in (("train", train.get(name, [])), ("val", val.get(name, []))):
        for path in files:
            identity = ImportItem(path=path, listed=states.get(path)).identity()
            digest.update(f"{subset}\t{inputs.fs_text(identity)}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()
