"""A transfer resumed with `data` and all the run's own settings reads its record once before loading it: train
passed resolve nothing, which read it for the dataset compared and again for the seed it recorded."""

import test_resume_reads
from interrupting import interrupted_after

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training

FAST = test_resume_reads.FAST
reads = test_resume_reads.reads  # the fixture counting the reads


def test_a_transfer_resumed_with_data_and_its_settings_reads_its_record_once(micro_data, tmp_path, reads):
    """With its base there, resolve read the record for the dataset compared and again for the seed it recorded."""
    base, out = tmp_path / "base.h5", tmp_path / "t.h5"
    training.train(training.TrainConfig(out=str(base), data=micro_data, **FAST))
    transfer = {"data": micro_data, "copy_from": str(base), "n": 2, "eval_batch_size": 8, "log_every": 2, **FAST}
    interrupted_after(training.TrainConfig(out=str(out), **transfer), 2)
    checkpoint = (tmp_path / "t.run" / "checkpoint.h5").resolve()
    seed = checkpoints.read_meta(checkpoint)["config"]["seed"]
    reads.clear()
    resumed = training.train(training.TrainConfig(out=str(out), resume="auto", **transfer))
    assert resumed.iterations == FAST["max_iter"] and checkpoints.read_meta(out)["config"]["seed"] == seed
    assert reads[("meta", checkpoint)] <= 1 and reads[("load", checkpoint)] == 1, reads
