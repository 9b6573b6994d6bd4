"""The weights file of a finished run resumed (:func:`final_weights`): kept as the copy of its final
checkpoint it is, or restored from that checkpoint's bytes, so that a run folder copied or moved and
resumed there keeps the sha256 its transfers recorded when they copied from it.
"""

import hashlib
import pathlib

import numpy as np

from minitransfer import checkpoint as checkpoints
from minitransfer import fileio


def final_weights(saved, out, named=None):
    """The weights file ``out`` of a run resumed at its end and trained no further (``saved``, its
    checkpoint as :func:`minitransfer.checkpoint.load` read it, at max_iter): left as it is where it
    holds that network (:func:`_holding`), else restored from the checkpoint's bytes, which train
    writes alike at the end of a run (``named``: how a failed write names ``out``). Rewritten from the
    net, they recorded the run's paths as they are now: in a folder copied or moved, the weights got
    another sha256 than the one the transfers copied from them record, which a grid then refused as
    copied from another network. Returns (the weights' sha256, the configuration they record), or
    None where the checkpoint is no longer the file read (replaced or removed since)."""
    held = _holding(out, saved)
    if held is not None:
        return held.sha256, held.meta["config"]
    try:
        data = pathlib.Path(saved.path).read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != saved.sha256:
        return None
    fileio.write_bytes(out, data, named=named)
    return saved.sha256, saved.meta["config"]


def _holding(out, saved):
    """The weights file ``out`` read, where it holds the network of checkpoint ``saved``: the same
    bytes, or the same layers (weights and frozen flags) after the same iterations with another record
    (its paths), as a resumption that rewrote it in a folder moved left it; else None (not there,
    unreadable, another network)."""
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
