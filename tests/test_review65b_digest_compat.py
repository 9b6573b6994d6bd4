"""result.json's digest of eval.csv's rows was of each value's repr until f95a192a hashed them to 7 significant
digits: a run finished by the code before (a822e221) was refused by report, info and train's mend as edited (exit
65, "its 4 evaluations ... are not those result.json sums up"), a correct result refused. Such a digest is read
as it was written; a row edited since is still told."""

import hashlib
import json
import shutil

import pytest

from minitransfer import results, run_files
from minitransfer import train as training
from minitransfer.run_file_readers import ResultContradicted
from minitransfer.run_logs import read_eval_rows

OPTIONS = dict(half="A", seed=0, eval_every=1, batch_size=4, preset="micro", quiet=True, device="cpu")


@pytest.fixture(scope="module")
def trained(tmp_path_factory, micro_data):
    folder = tmp_path_factory.mktemp("runs")
    training.train(training.TrainConfig(out=str(folder / "baseA.h5"), data=micro_data, max_iter=4, **OPTIONS))
    return folder


def _as_before(trained, tmp_path):
    """A copy of ``trained`` whose result.json is as a822e221's train wrote it: the digest of its rows' repr."""
    folder = shutil.copytree(trained, tmp_path / "copy")
    run = folder / "baseA.run"
    rows = read_eval_rows(run / "eval.csv")
    text = "".join(",".join(repr(row[key]) for key in run_files.EVAL_COLUMNS) + "\n" for row in rows)
    record = json.loads((run / "result.json").read_text())
    record[run_files.CURVE_SHA256] = hashlib.sha256(text.encode()).hexdigest()
    record[run_files.RESULT_SHA256] = run_files.result_sha256(record)
    (run / "result.json").write_text(json.dumps(record, indent=2) + "\n")
    return folder, record


def test_a_run_finished_before_the_7_digit_digest_is_read(trained, tmp_path):
    folder, record = _as_before(trained, tmp_path)
    assert record[run_files.CURVE_SHA256] != json.loads((trained / "baseA.run" / "result.json").read_text())[
        run_files.CURVE_SHA256]
    assert results.read_run(folder / "baseA.run").mean10_top1 == pytest.approx(record["mean10_top1"])


def test_a_row_edited_under_the_repr_digest_is_still_told(trained, tmp_path):
    folder, _ = _as_before(trained, tmp_path)
    eval_csv = folder / "baseA.run" / "eval.csv"
    lines = eval_csv.read_text().splitlines()
    fields = lines[2].split(",")
    fields[3] = repr(float(fields[3]) * (1 + 1e-5))
    eval_csv.write_text("\n".join(lines[:2] + [",".join(fields)] + lines[3:]) + "\n")
    with pytest.raises(ResultContradicted, match="are not those"):
        results.read_run(folder / "baseA.run")


def _record(rows):
    return {run_files.CURVE_SHA256: run_files.curve_sha256(rows), "iterations": rows[-1]["iteration"],
            "evaluations": len(rows), "final": {"iteration": rows[-1]["iteration"]}}


ROWS = [{"iteration": 10, "top1": 0.096, "top5": 0.5, "loss": 2.369176497},
        {"iteration": 20, "top1": 0.11, "top5": 0.526, "loss": 2.3652654447555542}]


@pytest.mark.parametrize("digits", [8, 9])
def test_an_eval_csv_saved_to_more_than_7_digits_is_read(digits):
    """A tool that saves 8 to 11 significant digits (a spreadsheet's as shown, pandas' float_format) rounds a value
    near a 7-digit boundary across it: 2.369176497 is 2.369176 to 7 digits, saved to 9 it is 2.3691765, 2.369177
    to 7. Of 60 rows saved to 9 digits, one time in four was refused as edited (exit 65), to 8 almost always."""
    saved = [{key: float(format(value, f".{digits}g")) if type(value) is float else value
              for key, value in row.items()} for row in ROWS]
    assert run_files.curve_sha256(saved) != run_files.curve_sha256(ROWS)  # the boundary crossed
    assert run_files.rows_resummed(_record(ROWS), saved) is None
    saved[1]["loss"] *= 1 + 1e-5
    assert "are not those" in run_files.rows_resummed(_record(ROWS), saved)
