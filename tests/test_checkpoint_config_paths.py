"""The paths a checkpoint's configuration records (`out`, `copy_from`, `data`) are text, checked as it is read: a
run checkpoint recording an `out` of 5 (edited by hand, another program's) made `train --resume` end in a TypeError
traceback (exit 1) as its configuration was compared, not the one line of bad data naming the file (exit 65)."""

import json

import h5py
import pytest
from in_folder import invoke

from minitransfer import checkpoint as checkpoints
from minitransfer import config, hdf5_files
from minitransfer import train as training

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 1, "eval_every": 1, "quiet": True, "device": "cpu"}


@pytest.fixture(scope="module")
def run(micro_data, tmp_path_factory):
    """A finished run's folder (its weights, its run folder with its checkpoint): the folder holding it."""
    folder = tmp_path_factory.mktemp("run")
    training.train(config.TrainConfig(out=str(folder / "baseA.h5"), data=micro_data, **FAST))
    return folder


def _recording(source, path, key, value):
    """A copy of checkpoint ``source`` at ``path`` whose configuration records ``value`` as ``key``."""
    path.write_bytes(source.read_bytes())
    with h5py.File(path, "r+") as f:
        recorded = json.loads(f.attrs["config"])
        f.attrs["config"] = hdf5_files.text_attribute(json.dumps({**recorded, key: value}))
    return path


@pytest.mark.parametrize("key", ["out", "copy_from", "data"])
def test_a_path_the_configuration_records_is_text(run, tmp_path, key):
    for value in (5, ["baseA.h5"], {"a": 1}, True, 1.5):
        path = _recording(run / "baseA.h5", tmp_path / "net.h5", key, value)
        for read in (checkpoints.load, checkpoints.read_meta):
            with pytest.raises(checkpoints.CheckpointError) as refused:
                read(path)
            assert str(refused.value) == f"checkpoint {path}: attribute config field {key} must be str, got {value!r}"
    unset = _recording(run / "baseA.h5", tmp_path / "unset.h5", key, None)  # a default left unresolved: absent
    assert checkpoints.load(unset).meta["config"][key] is None


def test_a_run_whose_checkpoint_records_an_out_of_no_text_is_refused_as_bad_data(run, tmp_path):
    folder = tmp_path / "copy"
    folder.mkdir()
    (folder / "baseA.h5").write_bytes((run / "baseA.h5").read_bytes())
    (folder / "baseA.run").mkdir()
    for name in ("config.json", "eval.csv", "metrics.jsonl", "result.json"):
        (folder / "baseA.run" / name).write_bytes((run / "baseA.run" / name).read_bytes())
    _recording(run / "baseA.run" / "checkpoint.h5", folder / "baseA.run" / "checkpoint.h5", "out", 5)
    result = invoke(["train", "--resume", "baseA.run", "--max-iter", "2", "--device", "cpu"], folder)
    assert result.exit_code == 65, result.output
    assert result.output.startswith("error: bad data: checkpoint baseA.run/checkpoint.h5: attribute config field out "
                                    "must be str, got 5"), result.output
    assert "Traceback" not in result.output
