"""A finished run resumed to write what it lacks (its result.json emptied, its weights file deleted)
keeps its weights file's bytes: rewritten from the net, the weights recorded the run's paths as they
are now, so in a copied or moved folder they got another sha256, and a grid refused the transfers
that had copied from them ("trained with other options ... another network: sha256 A -> B")."""

import hashlib
import json
import shutil

import h5py
import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "quiet": True, "device": "cpu"}


@pytest.fixture(scope="module")
def finished(micro_data, tmp_path_factory):
    """The weights b.h5 of a finished run, in a folder of its own (its run folder b.run beside them)."""
    out = tmp_path_factory.mktemp("finished") / "grid" / "b.h5"
    training.train(training.TrainConfig(out=out, data=micro_data, **FAST))
    return out


@pytest.fixture
def copied(finished, tmp_path):
    """b.h5 in a copy of the finished run's folder, its result.json emptied."""
    shutil.copytree(finished.parent, tmp_path / "copy")
    out = tmp_path / "copy" / "b.h5"
    (out.with_suffix(".run") / "result.json").write_text("")
    return out


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _resumed(out):
    """``train --resume`` of the run of ``out``, which must end with exit code 0 and leave ``info``
    saying the run is finished."""
    run = out.with_suffix(".run")
    result = CliRunner().invoke(main, ["train", "--resume", str(run)])
    assert result.exit_code == 0, result.output
    info = CliRunner().invoke(main, ["info", str(run)])
    assert info.exit_code == 0 and f"iteration {FAST['max_iter']} (finished)" in info.output, info.output
    recorded = json.loads((run / "result.json").read_text())
    assert recorded["weights"]["sha256"] == _sha256(out)


def test_weights_of_a_copied_run_are_left_as_they_are(finished, copied):
    before = copied.stat()
    _resumed(copied)
    assert _sha256(copied) == _sha256(finished)
    assert copied.stat().st_mtime_ns == before.st_mtime_ns  # not even rewritten alike


def test_weights_deleted_from_a_copied_run_are_restored_as_they_were(finished, copied):
    copied.unlink()
    _resumed(copied)
    assert _sha256(copied) == _sha256(finished)
    run = copied.with_suffix(".run")
    assert json.loads((run / "config.json").read_text()) == checkpoints.read_meta(copied)["config"]


def test_weights_of_the_same_network_recording_other_paths_are_left_as_they_are(copied):
    """Weights an earlier resumption rewrote in the folder's new place (their record of `out`
    another than the checkpoint's) are still the run's network: not rewritten again."""
    with h5py.File(copied, "r+") as f:
        record = json.loads(f.attrs["config"])
        f.attrs["config"] = json.dumps({**record, "out": str(copied)})
    rewritten = _sha256(copied)
    _resumed(copied)
    assert _sha256(copied) == rewritten
    assert json.loads((copied.with_suffix(".run") / "config.json").read_text())["out"] == str(copied)


def test_weights_of_another_network_are_replaced_by_the_final_checkpoints_network(finished, copied):
    """Written again as train wrote them: the final checkpoint without its momentum (/solver)."""
    with h5py.File(copied, "r+") as f:
        f["weights/fc8/b"][...] = f["weights/fc8/b"][...] + 1
    _resumed(copied)
    assert _sha256(copied) == _sha256(finished) != _sha256(copied.with_suffix(".run") / "checkpoint.h5")
    with h5py.File(copied, "r") as weights, h5py.File(copied.with_suffix(".run") / "checkpoint.h5", "r") as saved:
        assert "solver" not in weights and "solver" in saved
        assert (weights["weights/fc8/b"][...] == saved["weights/fc8/b"][...]).all()
