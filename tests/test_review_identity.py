"""Review of the network digest (:mod:`minitransfer.checkpoint_identity`): costs that the digest's own
docstrings promise to avoid."""

import numpy as np

from counting import calls_of

from minitransfer import checkpoint_identity, recorded_config
from minitransfer.checkpoint import Checkpoint


def _base():
    rng = np.random.default_rng(3)
    weights = {"conv1": (rng.standard_normal((4, 3, 3, 3)).astype(np.float32), np.ones(4, np.float32)),
               "fc8": (rng.standard_normal((2, 4)).astype(np.float32), np.zeros(2, np.float32))}
    meta = {"classes": [{"index": 0, "wnid": "n0", "name": "a"}, {"index": 1, "wnid": "n1", "name": "b"}],
            "dataset_fingerprint": "f" * 64, "dataset_classes_sha256": "c" * 64, "split_kind": "random",
            "split_seed": 0, "split_half": "A", "iteration": 4}
    return Checkpoint(preset="micro", weights=weights, frozen={}, meta=meta, sha256="a" * 64)


def test_a_resumption_from_a_base_written_elsewhere_digests_its_network_once(monkeypatch):
    """train --resume of a copy given the same base at another file: the check of its configuration
    (recorded_config._base_sha256) and the record of its base at every checkpoint (transfer.source_of:
    file_network_sha256) digest the base's network once between them (CaffeNet's: about a second); it was
    digested twice, the check's digest not kept."""
    base = _base()
    saved = Checkpoint(preset="micro", weights={}, frozen={}, sha256="d" * 64,
                       meta={"parent_sha256": "b" * 64,
                             "source": {"network_sha256": checkpoint_identity.network_sha256(base)}})
    calls = calls_of(monkeypatch, checkpoint_identity, "network_sha256", recorded_config)
    monkeypatch.setattr(checkpoint_identity, "_of_files", {})
    assert recorded_config._base_sha256(saved, base) == "b" * 64  # the same network: the recorded sha256
    checkpoint_identity.file_network_sha256(base)  # transfer.source_of, at the resumption's first checkpoint
    checkpoint_identity.file_network_sha256(base)  # and at its next
    assert len(calls) == 1
