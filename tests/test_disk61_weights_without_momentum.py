"""A finished run's weights file holds no momentum (/solver): only a resumption reads it, from the run's
checkpoint.h5, so the weights file is half its size. One without it copies, scores and describes as one of a
version before (a copy of the final checkpoint, byte for byte) does; the digests a copy records of its base
agree; a run still resumes bit for bit from its checkpoint; and a finished run resumed writes its weights
file again as train wrote it, the momentum left out or, for a run of a version before, kept."""

import hashlib
import json
import shutil

import h5py
import numpy as np
import pytest

from interrupting import interrupted_after
from minitransfer import checkpoint as checkpoints
from minitransfer import config, training_run
from minitransfer import train as training
from minitransfer.checkpoint_identity import copied_sha256, network_sha256
from minitransfer.checkpoint_info import describe
from minitransfer.evaluate import evaluate_checkpoint

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 4, "eval_every": 2, "quiet": True, "device": "cpu"}


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _recorded(out):
    return json.loads((out.with_suffix(".run") / "result.json").read_text())


def _trained_before(cfg):
    """``cfg`` trained as a version before did: its weights file a copy of its final checkpoint."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training_run, "weights_file_of", lambda checkpoint: checkpoint, raising=False)
        training.train(cfg)


@pytest.fixture(scope="module")
def runs(micro_data, tmp_path_factory):
    """(weights file of a finished run, the same run's as a version before wrote it), in folders of their own."""
    root = tmp_path_factory.mktemp("disk61")
    new, old = root / "new" / "b.h5", root / "old" / "b.h5"
    training.train(config.TrainConfig(out=str(new), data=micro_data, seed=5, **FAST))
    _trained_before(config.TrainConfig(out=str(old), data=micro_data, seed=5, **FAST))
    return new, old


def _same_network(a, b):
    assert list(a.weights) == list(b.weights) and a.frozen == b.frozen
    for name in a.weights:
        for mine, theirs in zip(a.weights[name], b.weights[name]):
            np.testing.assert_array_equal(mine, theirs)


def _copy_of(weights, tmp_path):
    """(the weights file ``weights`` in a copy of its folder under ``tmp_path``, its sha256)."""
    shutil.copytree(weights.parent, tmp_path / "copy")
    out = tmp_path / "copy" / weights.name
    return out, _sha256(out)


def test_the_weights_file_holds_the_network_without_its_momentum(runs):
    new, old = runs
    checkpoint = new.with_suffix(".run") / "checkpoint.h5"
    with h5py.File(new, "r") as weights, h5py.File(checkpoint, "r") as kept:
        assert "solver" not in weights and "velocity" in kept["solver"]
        assert weights.attrs["iteration"] == kept.attrs["iteration"] == FAST["max_iter"]
    with h5py.File(old, "r") as before:
        assert "velocity" in before["solver"]
    assert new.stat().st_size < 0.6 * checkpoint.stat().st_size
    saved, full = checkpoints.load(new), checkpoints.load(checkpoint)
    assert saved.solver is None and full.solver is not None
    _same_network(saved, full)
    np.testing.assert_array_equal(saved.mean, full.mean)
    assert saved.meta == full.meta
    # the record of train: the file's sha256, and the network's, which is the one a version before wrote
    assert _recorded(new)["weights"]["sha256"] == _sha256(new)
    assert _recorded(new)["weights"]["network_sha256"] == network_sha256(saved) == network_sha256(full) == \
        _recorded(old)["weights"]["network_sha256"]


def test_eval_scores_it_as_the_weights_of_a_version_before(runs, micro_data):
    new, old = runs
    scores, before = (evaluate_checkpoint(str(path), data=micro_data, device="cpu") for path in (new, old))
    assert scores.pop("checkpoint") == str(new) and before.pop("checkpoint") == str(old)
    assert scores == before


def test_info_says_it_is_finished_as_of_a_version_before(runs):
    new, old = runs
    said, before = describe(new), describe(old)
    assert said["finished"] and before["finished"] and not said["resumable"] and not before["resumable"]
    different = {key for key in said if said[key] != before[key]}
    assert different <= {"path", "sha256", "config", "command", "run"}, different  # where each lies, what each is
    assert {key for key in said["config"] if said["config"][key] != before["config"][key]} == {"out"}


def test_a_copy_from_it_trains_and_records_its_base_as_from_a_version_before(runs, micro_data, tmp_path):
    copies = {}
    for base in runs:
        out = tmp_path / base.parent.name / "b2b.h5"
        training.train(config.TrainConfig(out=str(out), data=micro_data, copy_from=str(base), n=2, frozen=True,
                                          seed=7, **FAST))
        copies[base] = checkpoints.load(out, solver=False)
    (new, copy_new), (old, copy_old) = copies.items()
    _same_network(copy_new, copy_old)
    assert copy_new.meta["parent_sha256"] == copy_new.meta["source"]["sha256"] == _sha256(new)
    assert copy_old.meta["parent_sha256"] == _sha256(old)
    assert copy_new.meta["source"]["network_sha256"] == copy_old.meta["source"]["network_sha256"] == \
        _recorded(new)["weights"]["network_sha256"]
    said = describe(copy_new.path)
    assert said["parent_sha256"] == _sha256(new) and said["finished"]
    # the base's weights file gone, its checkpoint.h5 (another sha256 now) is taken for it by the network it holds,
    # as a grid's check of the copy takes it
    checkpoint = new.with_suffix(".run") / "checkpoint.h5"
    assert _sha256(checkpoint) != _sha256(new)
    assert copied_sha256(copy_new.meta, _sha256(checkpoint),
                         lambda: network_sha256(checkpoints.load(checkpoint, solver=False))) == _sha256(new)


def test_a_run_resumes_from_its_checkpoint_bit_for_bit(runs, micro_data, tmp_path):
    new, _ = runs
    out = tmp_path / "b.h5"
    cfg = config.TrainConfig(out=str(out), data=micro_data, seed=5, checkpoint_every=2, **FAST)
    interrupted_after(cfg, 2)
    assert checkpoints.load(out.with_suffix(".run") / "checkpoint.h5").solver.iteration == 2
    training.train(config.TrainConfig(out=str(out), data=micro_data, seed=5, resume="auto", **FAST))
    _same_network(checkpoints.load(out), checkpoints.load(new))
    with h5py.File(out, "r") as weights:
        assert "solver" not in weights
    assert _recorded(out)["weights"]["network_sha256"] == _recorded(new)["weights"]["network_sha256"]


@pytest.mark.parametrize("result_lost", [False, True], ids=["result-kept", "result-lost"])
def test_weights_deleted_are_written_again_as_train_wrote_them(runs, micro_data, tmp_path, result_lost):
    out, before = _copy_of(runs[0], tmp_path)
    out.unlink()
    if result_lost:
        (out.with_suffix(".run") / "result.json").write_text("")
    training.train(config.TrainConfig(out=str(out), data=micro_data, seed=5, resume="auto", **FAST))
    assert _sha256(out) == before == _recorded(out)["weights"]["sha256"]


@pytest.mark.parametrize("deleted", [False, True], ids=["kept", "deleted"])
def test_weights_of_a_version_before_stay_a_copy_of_the_checkpoint(runs, micro_data, tmp_path, deleted):
    out, before = _copy_of(runs[1], tmp_path)
    assert before == _sha256(out.with_suffix(".run") / "checkpoint.h5")
    if deleted:
        out.unlink()
    else:
        (out.with_suffix(".run") / "result.json").write_text("")
    training.train(config.TrainConfig(out=str(out), data=micro_data, seed=5, resume="auto", **FAST))
    assert _sha256(out) == before == _recorded(out)["weights"]["sha256"]
    with h5py.File(out, "r") as weights:
        assert "velocity" in weights["solver"]
