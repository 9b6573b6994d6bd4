"""The data failing after one iteration: the message counts it as one, and the run continues from it."""

import pytest

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.data.dataset import DatasetError
from minitransfer.data.decoder_pool import WorkerDied

FAST = {"batch_size": 8, "max_iter": 3, "eval_every": 2, "quiet": True, "device": "cpu", "checkpoint_every": 100}


@pytest.mark.parametrize("error", [WorkerDied("a data loader process died (exit codes [-9])"),
                                   DatasetError("train-00000.h5: truncated")], ids=["worker-died", "shard-damaged"])
def test_data_failing_after_the_first_iteration_says_the_iteration_done_is_saved(micro_data, tmp_path, error):
    """It said "the 1 iterations done are saved"."""
    def failing_at_1(done):
        if done == 1:
            raise error

    out = tmp_path / "net.h5"
    with pytest.raises(type(error)) as raised:
        training.train(training.TrainConfig(out=str(out), data=micro_data, **FAST), on_iteration=failing_at_1)
    assert f"{error}; the iteration done is saved in " in str(raised.value)
    assert checkpoints.load(tmp_path / "net.run" / "checkpoint.h5").iteration == 1
