"""A run stopped during its last evaluation (Ctrl-C, SIGTERM) keeps its checkpoint of that iteration without the
evaluation's row, which the resumption makes again; that checkpoint then records no sums of it (``at``:
result_digests.checkpoint_sums), and was kept as the run's checkpoint.h5 to the end (a run resumed at max_iter saved
none). Its row edited afterwards, result.json deleted, `train --resume auto` finished the run again from the edited
row, fresh digests and all. The resumption that makes the row again
now writes the checkpoint again, recording it. Found by review66b."""

import pytest

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer import training_run
from minitransfer.data import loader_workers
from minitransfer.result_digests import CURVE_SUMS
from minitransfer.resumed_logs import RunLogError
from test_integ2_curve_digest import OPTIONS, _edit_row


def stop_in_last_evaluation(config, monkeypatch):
    """The run of ``config`` (4 iterations, an evaluation after each) trained and stopped (SIGTERM) during its 4th
    evaluation."""
    evaluate, calls = training_run.evaluate, []

    def stopped_at_the_last(*arguments, **options):
        calls.append(1)
        if len(calls) == 4:
            raise loader_workers.StopRequested("SIGTERM")
        return evaluate(*arguments, **options)

    with monkeypatch.context() as patched:
        patched.setattr(training_run, "evaluate", stopped_at_the_last)
        with pytest.raises(training.Interrupted):
            training.train(config)


@pytest.fixture
def stopped_in_last_evaluation(tmp_path, micro_data, monkeypatch):
    """baseA (4 iterations, an evaluation after each) stopped during its 4th evaluation, then resumed to its end:
    its folder."""
    stop_in_last_evaluation(training.TrainConfig(out=str(tmp_path / "baseA.h5"), data=micro_data, max_iter=4,
                                                 **OPTIONS), monkeypatch)
    assert (tmp_path / "baseA.run" / "eval.csv").read_text().count("\n") == 4  # header and 3 rows
    training.train(training.TrainConfig(out=str(tmp_path / "baseA.h5"), data=micro_data, max_iter=4, resume="auto",
                                        **OPTIONS))
    return tmp_path


def test_the_checkpoint_of_a_redone_last_evaluation_records_its_row(stopped_in_last_evaluation):
    run = stopped_in_last_evaluation / "baseA.run"
    at = checkpoints.load(run / "checkpoint.h5").meta[CURVE_SUMS]["at"]
    assert at["top1"][0] == float((run / "eval.csv").read_text().splitlines()[4].split(",")[1])


def test_its_row_edited_then_finished_again_is_refused(stopped_in_last_evaluation, micro_data):
    run = stopped_in_last_evaluation / "baseA.run"
    eval_csv = run / "eval.csv"
    scored = eval_csv.read_text().splitlines()[4].split(",")[1]
    _edit_row(eval_csv, 4, 1, "0.75" if scored != "0.75" else "0.25")
    (run / "result.json").unlink()
    with pytest.raises(RunLogError) as refused:
        training.train(training.TrainConfig(out=str(stopped_in_last_evaluation / "baseA.h5"), data=micro_data,
                                            max_iter=4, resume="auto", **OPTIONS))
    assert str(refused.value).startswith(f"{eval_csv}: its evaluation of iteration 4 is not the one "), refused.value
    assert not (run / "result.json").exists()
