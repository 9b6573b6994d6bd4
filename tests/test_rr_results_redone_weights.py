"""A run stopped during its last evaluation and resumed from a copy of its checkpoint (``--resume COPY.h5``): the
resumption makes that row again and writes checkpoint.h5 again recording it (review66b), but wrote the weights file
from the copy as read, whose record of the rows had none of that row. The weights file, the final checkpoint but its
solver state, then recorded other sums than checkpoint.h5, and one written again later from checkpoint.h5 (the
weights file deleted, `--resume auto`) had another sha256 than the one train wrote. Now it is written from the
checkpoint written again. And a resumption killed after it made the row again, before it wrote the checkpoint again,
left that checkpoint recording no such row to the next resumption, which kept it so."""

import json
import shutil

import h5py
import pytest

from minitransfer import fileio
from minitransfer import train as training
from minitransfer import training_run
from minitransfer.result_digests import CURVE_SUMS
from minitransfer.resumed_logs import RunLogError
from test_integ2_curve_digest import OPTIONS, _edit_row
from test_review66b_redone_row import stop_in_last_evaluation


@pytest.fixture
def resumed_from_a_copy(tmp_path, micro_data, monkeypatch):
    """baseA (4 iterations, an evaluation after each) stopped during its 4th evaluation, then resumed to its end
    from a copy of its checkpoint.h5: its folder."""
    config = dict(out=str(tmp_path / "baseA.h5"), data=micro_data, max_iter=4, **OPTIONS)
    stop_in_last_evaluation(training.TrainConfig(**config), monkeypatch)
    shutil.copy(tmp_path / "baseA.run" / "checkpoint.h5", tmp_path / "copy.h5")
    training.train(training.TrainConfig(**config, resume=str(tmp_path / "copy.h5")))
    return tmp_path


def _sums(path):
    with h5py.File(path, "r") as f:
        return json.loads(f.attrs[CURVE_SUMS])


def test_the_weights_file_records_the_redone_last_row(resumed_from_a_copy):
    run = resumed_from_a_copy / "baseA.run"
    last_top1 = float((run / "eval.csv").read_text().splitlines()[4].split(",")[1])
    assert _sums(resumed_from_a_copy / "baseA.h5")["at"]["top1"] == [last_top1, last_top1 ** 2]
    assert _sums(resumed_from_a_copy / "baseA.h5") == _sums(run / "checkpoint.h5")


def test_the_weights_file_written_again_is_the_one_train_wrote(resumed_from_a_copy, micro_data):
    weights = resumed_from_a_copy / "baseA.h5"
    written = fileio.sha256_file(weights)
    weights.unlink()
    training.train(training.TrainConfig(out=str(weights), data=micro_data, max_iter=4, resume="auto", **OPTIONS))
    assert fileio.sha256_file(weights) == written


class Killed(BaseException):
    """kill -9, as far as the run can tell: nothing after it runs."""


def test_a_resumption_killed_before_it_wrote_the_checkpoint_again_leaves_the_row_recorded_next_time(
        tmp_path, micro_data, monkeypatch):
    """The row made again and the resumption killed before it wrote the checkpoint again: the next resumption finds
    the row there (it makes it no more) beside a checkpoint recording no row of its iteration, which it writes again
    too; the run finished, its last row edited and result.json deleted, is refused, not finished from the edit."""
    def killed(self):
        raise Killed

    config = dict(out=str(tmp_path / "baseA.h5"), data=micro_data, max_iter=4, **OPTIONS)
    stop_in_last_evaluation(training.TrainConfig(**config), monkeypatch)
    with monkeypatch.context() as patched:
        patched.setattr(training_run.Run, "_record_redone_row", killed)
        with pytest.raises(Killed):
            training.train(training.TrainConfig(**config, resume="auto"))
    training.train(training.TrainConfig(**config, resume="auto"))
    run = tmp_path / "baseA.run"
    _edit_row(run / "eval.csv", 4, 3, "0.125")  # the last evaluation's loss: no final, best or mean10 top-1
    (run / "result.json").unlink()
    with pytest.raises(RunLogError, match="its evaluation of iteration 4 is not the one .*checkpoint.h5 records "
                                          r"\(their loss values sum to 0.125, it recorded"):
        training.train(training.TrainConfig(**config, resume="auto"))
    assert not (run / "result.json").exists()
