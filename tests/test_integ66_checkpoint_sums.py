"""A finished run's eval.csv edited (a middle row's top-1), its result.json then deleted or replaced, was finished
again by `train --resume auto`: result.json written anew from the edited rows, fresh digests and all, and report read
the edit as the run's. Every checkpoint now records the sums of the eval.csv rows up to its iteration
(``eval_csv_sums``, result_digests.checkpoint_sums): a resumption from it, at the run's end or mid-way, refuses rows
that no longer sum to them (exit 65, naming eval.csv, the checkpoint and what differs). A checkpoint written before
records none, and resumes as before."""

import csv
import math
import shutil

import h5py
import pytest
from click.testing import CliRunner

from interrupting import interrupted_after
from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.checkpoint_info import resume_refused
from minitransfer.cli import main
from minitransfer import result_digests
from minitransfer.result_digests import CURVE_SUMS
from minitransfer.resumed_logs import RunLogError
from test_integ2_curve_digest import OPTIONS, _edit_row, trained_run

ROWS = [{"iteration": 1, "top1": 0.25, "top5": 1.0, "loss": 1.5}, {"iteration": 2, "top1": 0.5, "top5": 1.0,
                                                                      "loss": 0.75}]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, micro_data):
    """baseA trained to its end, 4 iterations, an evaluation after each: its folder."""
    return trained_run(tmp_path_factory, micro_data, 4)


@pytest.fixture(scope="module")
def stopped(tmp_path_factory, micro_data):
    """baseA stopped after iteration 2 of 4 (as Ctrl-C stops it), its checkpoint of iteration 2 written."""
    folder = tmp_path_factory.mktemp("stopped")
    interrupted_after(_config(folder, micro_data), 2)
    return folder


def _config(folder, micro_data, **options):
    return training.TrainConfig(out=str(folder / "baseA.h5"), data=micro_data, max_iter=4, **OPTIONS, **options)


def _copy(source, tmp_path):
    """A copy of the run folder ``source``: (the folder, its run's eval.csv)."""
    folder = shutil.copytree(source, tmp_path / "runs")
    return folder, folder / "baseA.run" / "eval.csv"


def _top1s(eval_csv):
    with open(eval_csv, newline="") as rows:
        return [float(row["top1"]) for row in csv.DictReader(rows)]


def _written_before(checkpoint):
    """The ``checkpoint`` file as a version before wrote it: without its rows' sums."""
    saved = checkpoints.load(checkpoint)
    del saved.meta[CURVE_SUMS]
    checkpoints.save(checkpoint, saved)


def test_a_finished_run_resumed_without_its_result_json_refuses_a_middle_row_edited(trained, tmp_path, micro_data):
    folder, eval_csv = _copy(trained, tmp_path)
    recorded = math.fsum(_top1s(eval_csv)[:3])
    _edit_row(eval_csv, 2, 1, "0.99")  # the 2nd of 4 evaluations' top-1 (mean10: all 4)
    (folder / "baseA.run" / "result.json").unlink()
    done = CliRunner().invoke(main, ["train", "--data", micro_data, "--preset", "micro", "--half", "A", "--max-iter",
                                     "4", "--eval-every", "1", "--batch-size", "4", "--device", "cpu", "--quiet",
                                     "-o", str(folder / "baseA.h5"), "--resume", "auto"])
    assert done.exit_code == 65, done.output
    checkpoint = folder / "baseA.run" / "checkpoint.h5"
    assert done.output.splitlines()[-1].startswith(
        f"error: bad data: {eval_csv}: its 3 evaluations before iteration 4 are not those {checkpoint} records "
        f"(their top1 values sum to {math.fsum(_top1s(eval_csv)[:3]):.9g}, it recorded {recorded:.9g}): edited "
        f"since train wrote them"), done.output
    assert done.output.splitlines()[-1].endswith("start the run over (--overwrite), or restore the file"), done.output
    assert not (folder / "baseA.run" / "result.json").exists()
    told = CliRunner().invoke(main, ["info", str(folder / "baseA.h5")])  # info says the refusal in the same words
    assert "not resumable" in told.output and "start the run over (--overwrite), or restore" in told.output, told.output
    assert "=True" not in done.output + told.output, done.output + told.output  # a library's words, not the CLI's


def test_a_finished_run_whose_result_json_another_replaced_refuses_its_edited_row(trained, tmp_path, micro_data):
    """A result.json of another iteration count in its place (an older one's, or another run's; its digest no
    longer its content, so train finishes the run again): result.json's own check passes over rows it did not sum
    up at the checkpoint's iteration; the checkpoint's does not."""
    folder, eval_csv = _copy(trained, tmp_path)
    result = folder / "baseA.run" / "result.json"
    result.write_text(result.read_text().replace('"iterations": 4', '"iterations": 3'))  # not the checkpoint's
    _edit_row(eval_csv, 3, 3, "0.5")  # the 3rd evaluation's loss
    with pytest.raises(RunLogError, match=r"its 3 evaluations before iteration 4 are not those .*checkpoint\.h5 "
                                          r"records \(their loss values sum to"):
        training.train(_config(folder, micro_data, resume="auto"))


def test_a_run_stopped_midway_refuses_an_earlier_row_edited_and_info_says_so(stopped, tmp_path, micro_data):
    folder, eval_csv = _copy(stopped, tmp_path)
    _edit_row(eval_csv, 1, 2, "0.5")  # the 1st evaluation's top-5, before the checkpoint of iteration 2
    checkpoint = folder / "baseA.run" / "checkpoint.h5"
    words = (f"{eval_csv}: its 1 evaluation before iteration 2 is not the one {checkpoint} records (their top5 "
             f"values sum to 0.5, it recorded 1): edited since train wrote them")
    refused = resume_refused(folder / "baseA.run", checkpoints.read_meta(checkpoint))  # info's and a grid's check
    assert str(refused).startswith(words)
    with pytest.raises(RunLogError, match="^" + words.replace("(", r"\(").replace(")", r"\)")):
        training.train(_config(folder, micro_data, resume="auto"))
    assert eval_csv.read_text().count("\n") == 3  # nothing rewritten: its header and 2 rows


def test_the_row_of_the_checkpoints_own_iteration_edited_is_refused(stopped, tmp_path, micro_data):
    folder, eval_csv = _copy(stopped, tmp_path)
    _edit_row(eval_csv, 2, 1, "0.75")
    with pytest.raises(RunLogError, match="its evaluation of iteration 2 is not the one .* records "
                                          r"\(their top1 values sum to 0.75, it recorded 0.5\)"):
        training.train(_config(folder, micro_data, resume="auto"))


def test_a_run_stopped_midway_resumes_to_the_rows_of_one_never_stopped(stopped, trained, tmp_path, micro_data):
    """Its row of the checkpoint's own iteration cut off too: the resumption makes it again, as before."""
    folder, eval_csv = _copy(stopped, tmp_path)
    eval_csv.write_text("".join(eval_csv.read_text().splitlines(keepends=True)[:2]))
    training.train(_config(folder, micro_data, resume="auto"))
    assert eval_csv.read_text() == (trained / "baseA.run" / "eval.csv").read_text()


def test_a_checkpoint_written_before_resumes_midway_as_before(stopped, trained, tmp_path, micro_data):
    folder, eval_csv = _copy(stopped, tmp_path)
    _written_before(folder / "baseA.run" / "checkpoint.h5")
    training.train(_config(folder, micro_data, resume="auto"))
    assert eval_csv.read_text() == (trained / "baseA.run" / "eval.csv").read_text()
    assert CURVE_SUMS in checkpoints.read_meta(folder / "baseA.run" / "checkpoint.h5")  # its own, written since


def test_a_finished_run_of_a_checkpoint_written_before_is_finished_again_as_before(trained, tmp_path, micro_data):
    """Nothing tells its rows edited (as before): its result.json is written again, its weights file too, as the
    checkpoint but its solver state, without the sums."""
    folder, eval_csv = _copy(trained, tmp_path)
    _written_before(folder / "baseA.run" / "checkpoint.h5")
    _edit_row(eval_csv, 2, 1, "0.99")
    (folder / "baseA.run" / "result.json").unlink()
    (folder / "baseA.h5").unlink()
    done = training.train(_config(folder, micro_data, resume="auto"))
    assert done.mean10_top1 == pytest.approx(sum(_top1s(eval_csv)) / 4) and 0.99 in _top1s(eval_csv)
    with h5py.File(folder / "baseA.h5", "r") as weights:
        assert CURVE_SUMS not in weights.attrs


def test_a_finished_runs_weights_file_written_again_is_the_one_train_wrote(trained, tmp_path, micro_data):
    folder, _ = _copy(trained, tmp_path)
    written = (folder / "baseA.h5").read_bytes()
    (folder / "baseA.h5").unlink()
    (folder / "baseA.run" / "result.json").unlink()
    training.train(_config(folder, micro_data, resume="auto"))
    assert (folder / "baseA.h5").read_bytes() == written


def test_a_stop_during_the_checkpoints_evaluation_leaves_its_row_to_the_resumption():
    """A checkpoint written without its own iteration's row (a stop during that evaluation): the row the resumption
    made is taken, the rows before it still compared."""
    recorded = result_digests.checkpoint_sums(ROWS[:1], 2)
    assert result_digests.rows_resummed_at(recorded, ROWS, 2, "c.h5") is None
    edited = [{**ROWS[0], "loss": 1.25}, ROWS[1]]
    assert result_digests.rows_resummed_at(recorded, edited, 2, "c.h5") == (
        "its 1 evaluation before iteration 2 is not the one c.h5 records (their loss values sum to 1.25, it recorded "
        "1.5)")


@pytest.mark.parametrize("digits", [7, 15])
def test_rows_saved_again_at_7_significant_digits_still_match(digits):
    rows = [{**row, "loss": row["loss"] / 3} for row in ROWS]
    saved = [{key: float(f"{value:.{digits}g}") if key != "iteration" else value for key, value in row.items()}
             for row in rows]
    assert result_digests.rows_resummed_at(result_digests.checkpoint_sums(rows, 2), saved, 2, "c.h5") is None
    assert result_digests.rows_resummed_at(None, [], 2, "c.h5") is None  # a checkpoint written before records none
