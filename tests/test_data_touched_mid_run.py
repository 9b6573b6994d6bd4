"""A dataset's files touched, or their same bytes copied over them, while a run trains on it: no image it reads
changed, and its checkpoint's check (Dataset.check_unchanged) must not stop it (it did, with exit 65: a moved
stat was taken for other bytes). Other bytes are still refused (test_data_changed_mid_run)."""

import os
import shutil

import pytest

from minitransfer import train as training

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 100, "checkpoint_every": 2, "quiet": True, "device": "cpu",
        "split": "all"}


def _mean_touched(data, kept):
    os.utime(data / "mean.h5", ns=(1, 1))


def _mean_copied_over(data, kept):
    shutil.copy(kept / "mean.h5", data / "copy.h5")
    os.replace(data / "copy.h5", data / "mean.h5")


def _shard_touched(data, kept):  # the open shard's own stat moves: its reader hashes it, as for a chmod
    for shard in data.glob("train-*.h5"):
        os.utime(shard, ns=(1, 1))


def _shard_copied_over(data, kept):
    shutil.copy(kept / "train-00000.h5", data / "copy.h5")
    os.replace(data / "copy.h5", data / "train-00000.h5")


@pytest.mark.parametrize("change", [_mean_touched, _mean_copied_over, _shard_touched, _shard_copied_over],
                         ids=["mean-touched", "mean-copied-over", "shard-touched", "shard-copied-over"])
def test_the_same_bytes_under_a_new_stat_do_not_stop_a_run(micro_data, tmp_path, change):
    data, kept = tmp_path / "data", tmp_path / "kept"
    shutil.copytree(micro_data, data)
    shutil.copytree(micro_data, kept)
    done = []

    def changing_at_1(iteration):
        done.append(iteration)
        if iteration == 1:
            change(data, kept)

    config = training.TrainConfig(out=str(tmp_path / "net.h5"), data=str(data), **FAST)
    training.train(config, on_iteration=changing_at_1)
    assert done[-1] == 4 and (tmp_path / "net.h5").is_file()
