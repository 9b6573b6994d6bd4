"""The weights file of a finished run (:func:`weights_file_of`: its final checkpoint without the solver
state), and that file as a finished run resumed leaves it (:func:`final_weights`): kept where it holds the
run's network, or written again from its final checkpoint, the same bytes train wrote at the end of the
run, so that a run folder copied or moved and resumed there keeps the sha256 its transfers recorded when
they copied from it.

A weights file holds the weights, their frozen flags, the mean image and the run's record (the root
attributes), but not the momentum buffers (``/solver``): nothing reads them there. A run continues
(``train --resume``, a grid's resume) from its run folder's checkpoint.h5 alone, a run's options are
never changed on resuming (another ``max_iter`` is refused), and ``--copy-from``, ``eval``, ``info``,
``report`` and a grid's statuses read the weights and the record. For CaffeNet on a half's 500 classes
that is 236 MB a weights file instead of 472 MB (58,916,724 parameters, 4 bytes each, and the mean image),
beside the 472 MB of its checkpoint.h5. Weights files of versions before hold the momentum (a copy of the
final checkpoint, byte for byte): they load, copy and evaluate as before, and a run resumed keeps them.
"""

import dataclasses
import hashlib
import pathlib

import numpy as np

from minitransfer import checkpoint as checkpoints
from minitransfer import fileio
from minitransfer.rundir import RESULT_FILE, run_dir_for


def weights_file_of(checkpoint):
    """What the weights file of the run whose final checkpoint is ``checkpoint`` holds: all of it but its
    solver state (the momentum buffers and the loader's position, which only a resumption reads, from the
    run's checkpoint.h5). :func:`minitransfer.checkpoint.save` writes it alike (h5py's images are
    reproducible), from the checkpoint in memory or as read back from its file."""
    return dataclasses.replace(checkpoint, solver=None, path=None, sha256=None, recorded_in=None)


def final_weights(saved, out, named=None):
    """The weights file ``out`` of a run resumed at its end and trained no further (``saved``, its
    checkpoint as :func:`minitransfer.checkpoint.load` read it, at max_iter): left as it is where it
    holds that network (:func:`_holding`), else written again from the checkpoint (``named``: how a
    failed write names ``out``) as train wrote it at the end of the run: :func:`weights_file_of` the
    checkpoint, or, where the run's result.json records the checkpoint's own sha256 for its weights
    (written by a version before, which kept them as a copy of it), the checkpoint's bytes. Rewritten
    from the net, they recorded the run's paths as they are now: in a folder copied or moved, the
    weights got another sha256 than the one the transfers copied from them record, which a grid then
    refused as copied from another network. Returns (the weights' sha256, the configuration they
    record), or None where the checkpoint is no longer the file read (replaced or removed since)."""
    held = _holding(out, saved)
    if held is not None:
        return held.sha256, held.meta["config"]
    try:
        data = pathlib.Path(saved.path).read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != saved.sha256:
        return None
    if _recorded_sha256(out) == saved.sha256:  # a version before wrote the checkpoint's copy
        fileio.write_bytes(out, data, named=named)
        return saved.sha256, saved.meta["config"]
    return checkpoints.save(out, weights_file_of(saved), named=named), saved.meta["config"]


def _recorded_sha256(out):
    """The sha256 the result.json of the run of weights file ``out`` records of them, whatever the file is
    now (gone, or another); None where there is none to read."""
    try:
        sha256 = fileio.parse_json((run_dir_for(out) / RESULT_FILE).read_text())["weights"]["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return sha256 if isinstance(sha256, str) else None


def _holding(out, saved):
    """The weights file ``out`` read, where it holds the network of checkpoint ``saved``: the same
    bytes (a weights file of a version before), or the same layers (weights and frozen flags) after the
    same iterations with another record (its paths, as a resumption that rewrote it in a folder moved
    left it) or without the solver state (:func:`weights_file_of`); else None (not there, unreadable,
    another network)."""
    try:
        held = checkpoints.load(out, solver=False)
    except (checkpoints.CheckpointError, OSError):
        return None
    if held.sha256 == saved.sha256:
        return held
    facts = [(c.preset, c.iteration, c.frozen, list(c.weights)) for c in (held, saved)]
    same = facts[0] == facts[1] and all(np.array_equal(mine, theirs) for name in saved.weights
                                        for mine, theirs in zip(held.weights[name], saved.weights[name]))
    return held if same else None
