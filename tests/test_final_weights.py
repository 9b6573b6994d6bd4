"""final_weights: the weights file of a finished run resumed, restored from its final checkpoint's
bytes where it does not hold that network, and not written at all where that checkpoint is no longer
the file read (replaced or removed since), whose bytes are another network's or none."""

import hashlib
import shutil

import pytest

from minitransfer import checkpoint as checkpoints
from minitransfer import config
from minitransfer import train as training
from minitransfer.final_weights import final_weights


@pytest.fixture
def finished(micro_data, tmp_path):
    """(the final checkpoint of a finished run, read; the weights file to restore, removed)."""
    out = tmp_path / "net.h5"
    training.train(config.TrainConfig(out=str(out), data=micro_data, preset="micro", max_iter=2, batch_size=8,
                                      device="cpu", quiet=True))
    saved = checkpoints.load(tmp_path / "net.run" / "checkpoint.h5", solver=False)
    out.unlink()
    return saved, out


def test_weights_missing_are_restored_from_the_checkpoints_bytes(finished):
    saved, out = finished
    assert final_weights(saved, out) == (saved.sha256, saved.meta["config"])
    assert hashlib.sha256(out.read_bytes()).hexdigest() == saved.sha256 == \
        hashlib.sha256(saved.path.read_bytes()).hexdigest()


def test_a_checkpoint_removed_since_it_was_read_restores_nothing(finished):
    saved, out = finished
    saved.path.unlink()
    assert final_weights(saved, out) is None
    assert not out.exists()


def test_a_checkpoint_replaced_since_it_was_read_restores_nothing(finished, tmp_path):
    saved, out = finished
    other = tmp_path / "other.h5"
    shutil.copyfile(saved.path, other)
    with open(other, "ab") as grown:  # another file's bytes under the checkpoint's name
        grown.write(b"\0")
    other.replace(saved.path)
    assert hashlib.sha256(saved.path.read_bytes()).hexdigest() != saved.sha256
    assert final_weights(saved, out) is None
    assert not out.exists()
