"""``evaluate_checkpoint("runs/baseA.run")``: a run folder scored as ``minitransfer eval
runs/baseA.run`` scores it (its weights once finished, else its checkpoint); the library refused it,
"not a file: give its weights file"."""

import pytest

from minitransfer import train as training
from minitransfer.evaluate import evaluate_checkpoint

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True}


def test_a_finished_run_folder_is_scored_as_its_weights(micro_data, tmp_path):
    training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, **FAST))
    by_folder = evaluate_checkpoint(tmp_path / "net.run", device="cpu")
    assert by_folder == evaluate_checkpoint(tmp_path / "net.h5", device="cpu")
    assert by_folder["checkpoint"] == str(tmp_path / "net.h5")


def test_an_unfinished_run_folder_is_scored_as_its_checkpoint(micro_data, tmp_path):
    def stop(done):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(training.Interrupted):
        training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, **FAST), on_iteration=stop)
    scores = evaluate_checkpoint(tmp_path / "net.run", device="cpu")
    assert scores["checkpoint"] == str(tmp_path / "net.run" / "checkpoint.h5")
    assert (scores["iteration"], scores["max_iter"]) == (2, 4)
