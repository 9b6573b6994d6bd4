"""Data that fails mid-run right after a checkpoint was written: the error says the iterations done
are saved and how to continue, as it does when it saves them itself. It said only "rerun the prepare
command that built it" (the checkpoint already held every iteration, so nothing was written)."""

import os
import shutil

import pytest

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.data.dataset import DatasetError


@pytest.mark.parametrize("checkpoint_every", [2, 3], ids=["checkpointed-at-the-cut", "checkpointed-before"])
def test_a_shard_cut_short_just_after_a_checkpoint_says_the_iterations_are_saved(micro_data, tmp_path,
                                                                                 checkpoint_every):
    data = tmp_path / "data"
    shutil.copytree(micro_data, data)

    def cut_after_4(done):
        if done == 4:
            for shard in data.glob("train-*.h5"):
                os.truncate(shard, 4096)

    config = training.TrainConfig(out=str(tmp_path / "net.h5"), data=str(data), batch_size=4, max_iter=8,
                                  eval_every=8, checkpoint_every=checkpoint_every, quiet=True, device="cpu", workers=0)
    checkpoint = tmp_path / "net.run" / "checkpoint.h5"
    with pytest.raises(DatasetError, match=r"(truncated|cut short to 4,096 bytes).*; the 4 iterations done are saved in "
                                           rf"{checkpoint}: once the data is repaired, rerun with `resume='auto'`"):
        training.train(config, on_iteration=cut_after_4)
    assert checkpoints.load(checkpoint).solver.iteration == 4
