"""final_weights: the weights file of a finished run resumed, written again from its final checkpoint
where it does not hold that network (the bytes train wrote at the end of the run: the checkpoint without
its momentum), and not written at all where that checkpoint is no longer the file read (replaced or
removed since), whose bytes are another network's or none."""

import hashlib
import shutil

import h5py
import pytest

from minitransfer import checkpoint as checkpoints
from minitransfer import config
from minitransfer import train as training
from minitransfer.final_weights import final_weights


@pytest.fixture
def finished(micro_data, tmp_path):
    """(the final checkpoint of a finished run, read; the weights file to restore, removed; the sha256 of the
    weights file train wrote)."""
    out = tmp_path / "net.h5"
    training.train(config.TrainConfig(out=str(out), data=micro_data, preset="micro", max_iter=2, batch_size=8,
                                      device="cpu", quiet=True))
    saved = checkpoints.load(tmp_path / "net.run" / "checkpoint.h5", solver=False)
    written = hashlib.sha256(out.read_bytes()).hexdigest()
    out.unlink()
    return saved, out, written


def test_weights_missing_are_restored_as_train_wrote_them_without_the_momentum(finished):
    saved, out, written = finished
    assert final_weights(saved, out) == (written, saved.meta["config"])
    assert hashlib.sha256(out.read_bytes()).hexdigest() == written != saved.sha256 == \
        hashlib.sha256(saved.path.read_bytes()).hexdigest()
    with h5py.File(out, "r") as weights, h5py.File(saved.path, "r") as checkpoint:
        assert "solver" in checkpoint and "solver" not in weights  # the momentum in the checkpoint alone
        layers = sorted(checkpoint["weights"])
        assert sorted(weights["weights"]) == layers and layers
        for name in layers:
            assert weights["weights"][name].attrs["frozen"] == checkpoint["weights"][name].attrs["frozen"], name
            for array in ("W", "b"):
                assert (weights["weights"][name][array][...] == checkpoint["weights"][name][array][...]).all(), name
        assert (weights["mean"][...] == checkpoint["mean"][...]).all()


def test_a_checkpoint_removed_since_it_was_read_restores_nothing(finished):
    saved, out, _ = finished
    saved.path.unlink()
    assert final_weights(saved, out) is None
    assert not out.exists()


def test_a_checkpoint_replaced_since_it_was_read_restores_nothing(finished, tmp_path):
    saved, out, _ = finished
    other = tmp_path / "other.h5"
    shutil.copyfile(saved.path, other)
    with open(other, "ab") as grown:  # another file's bytes under the checkpoint's name
        grown.write(b"\0")
    other.replace(saved.path)
    assert hashlib.sha256(saved.path.read_bytes()).hexdigest() != saved.sha256
    assert final_weights(saved, out) is None
    assert not out.exists()
