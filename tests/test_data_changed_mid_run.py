"""The dataset changed while a run trains on it, where its readers keep every shard open (a small dataset):
a shard replaced by another dataset's, deleted, the folder moved or meta.json edited went unnoticed, and the
run finished as trained on a dataset no longer there. The next checkpoint stops it now, naming the file."""

import json
import os
import shutil

import pytest

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.data import synthetic
from minitransfer.data.dataset import DatasetError

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 100, "checkpoint_every": 2, "quiet": True, "device": "cpu",
        "split": "all"}


def _replaced(data, other):
    os.replace(other / "train-00000.h5", data / "train-00000.h5")
    return "train-00000.h5: replaced after its checksum was checked"


def _deleted(data, other):
    os.unlink(data / "train-00000.h5")
    return "train-00000.h5: missing: deleted or moved after its checksum was checked"


def _moved(data, other):
    os.rename(data, data.with_name("moved"))
    return f"{data}: the dataset folder was moved or deleted"


def _meta_edited(data, other):
    meta = json.loads((data / "meta.json").read_text())
    meta["classes"][0]["name"] = "edited"
    (data / "meta.json").write_text(json.dumps(meta))
    return "meta.json: the dataset was prepared again (or its meta.json edited) after this process opened it"


@pytest.mark.parametrize("change", [_replaced, _deleted, _moved, _meta_edited],
                         ids=["shard-replaced", "shard-deleted", "folder-moved", "meta-edited"])
def test_a_dataset_changed_mid_run_stops_it_at_the_next_checkpoint_which_resumes(micro_data, tmp_path, change):
    data, other, kept = tmp_path / "data", tmp_path / "other", tmp_path / "kept"
    shutil.copytree(micro_data, data)
    shutil.copytree(micro_data, kept)
    # another dataset of the same shape: its shard holds other images under the same name
    synthetic.build_synthetic(other, classes=4, train_per_class=8, val_per_class=4, size=14, seed=2)
    said = []

    def changing_at_1(done):
        if done == 1:
            said.append(change(data, other))

    config = training.TrainConfig(out=str(tmp_path / "net.h5"), data=str(data), **FAST)
    with pytest.raises(DatasetError) as raised:
        training.train(config, on_iteration=changing_at_1)
    assert said[0] in str(raised.value)
    assert "the 2 iterations done are saved in " in str(raised.value)
    checkpoint = tmp_path / "net.run" / "checkpoint.h5"
    assert checkpoints.load(checkpoint).iteration == 2
    # the data restored (copied back: other files, the same bytes), the run continues from its checkpoint
    for gone in (data, data.with_name("moved")):
        shutil.rmtree(gone, ignore_errors=True)
    shutil.copytree(kept, data)
    result = training.train(training.TrainConfig(**{**config.__dict__, "resume": "auto"}))
    assert result.iterations == 4
    assert checkpoints.load(checkpoint).iteration == 4
