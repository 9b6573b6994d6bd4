"""A finished run's eval.csv edited (a middle row's top-5) and its result.json put back as a version before 0.11.4
wrote it (its digest valid, no ``eval_csv_sums``) was reported with the edit as the run's: report had nothing to
compare the rows with. The weights file records the sums of the rows up to its iteration (integ66: the run's final
checkpoint but its solver state); report compares with those where result.json records none, and refuses edited
rows as for result.json's (exit 65, naming eval.csv, the weights file and the column). It opens the weights file
only then: a run whose result.json records the sums costs nothing more. A grid counts such a run not finished, as
report refuses it, and train --resume auto, which said it "already finished" (exit 0), refuses the rows as report
does (exit 65: train_finished.reported), writing nothing."""

import csv
import json
import math
import shutil
import types

import h5py
import pytest

from minitransfer import grid_status, result_checks, results
from minitransfer import train as training
from minitransfer.result_checks import ResultContradicted
from minitransfer.result_digests import CURVE_SUMS, RESULT_SHA256, result_sha256
from minitransfer.resumed_logs import RunLogError
from test_integ2_curve_digest import OPTIONS, _edit, _edit_row, trained_run
from test_result_digest import report_refuses


@pytest.fixture(scope="module")
def trained(tmp_path_factory, micro_data):
    """baseA trained to its end, 4 iterations, an evaluation after each: its folder."""
    return trained_run(tmp_path_factory, micro_data, 4)


@pytest.fixture
def older(trained, tmp_path):
    """A copy of :func:`trained`'s folder, its result.json as a version before 0.11.4 wrote it: (the folder, its
    run's eval.csv)."""
    folder = shutil.copytree(trained, tmp_path / "runs")
    _edit(folder / "baseA.run" / "result.json",
          lambda record: (record.pop(CURVE_SUMS), record.update({RESULT_SHA256: result_sha256(record)})))
    return folder, folder / "baseA.run" / "eval.csv"


def _column(eval_csv, name):
    with open(eval_csv, newline="") as rows:
        return [float(row[name]) for row in csv.DictReader(rows)]


def test_a_middle_row_edited_under_an_older_result_json_is_refused_by_its_weights_files_sums(older, tmp_path,
                                                                                           placeholder_figures):
    folder, eval_csv = older
    recorded = math.fsum(_column(eval_csv, "top5")[:3])
    _edit_row(eval_csv, 2, 2, "0.25")  # the 2nd of 4 evaluations' top-5: no final, best or mean10 changed
    report_refuses(folder, tmp_path / "report",
                   f"error: bad data: {eval_csv}: its 3 evaluations before iteration 4 are not those "
                   f"{folder / 'baseA.h5'} records (their top5 values sum to {recorded - 0.75:.9g}, it recorded "
                   f"{recorded:.9g}): edited since train wrote it: restore the files train wrote, or train the run "
                   f"again")


def test_the_last_rows_loss_edited_is_refused_too(older):
    folder, eval_csv = older
    _edit_row(eval_csv, 4, 3, "0.5")
    with pytest.raises(ResultContradicted, match=r"its evaluation of iteration 4 is not the one .*baseA\.h5 records "
                                                 r"\(their loss values sum to 0\.5, it recorded"):
        results.read_run(folder / "baseA.run")


def test_the_rows_as_train_wrote_them_are_read_as_before(older):
    folder, _ = older
    assert results.read_run(folder / "baseA.run").evaluations == 4


def test_an_eval_csv_cut_short_is_said_cut_not_refused(older):
    """Its last row cut off (a copy cut short): said as an eval.csv not of the run's evaluations, as with result.json's
    sums."""
    folder, eval_csv = older
    eval_csv.write_text("".join(eval_csv.read_text().splitlines(keepends=True)[:4]))
    read = results.read_run(folder / "baseA.run")
    assert (read.evaluations, len(read.curve), read.eval_log) == (4, 3, str(eval_csv))


def test_a_weights_file_written_before_0_11_4_tells_nothing_as_before(older):
    folder, eval_csv = older
    with h5py.File(folder / "baseA.h5", "r+") as weights:
        del weights.attrs[CURVE_SUMS]
    _edit_row(eval_csv, 2, 2, "0.25")
    assert results.read_run(folder / "baseA.run").evaluations == 4


def test_the_weights_file_is_not_opened_where_result_json_records_the_sums(trained, tmp_path, monkeypatch):
    folder = shutil.copytree(trained, tmp_path / "runs")
    assert CURVE_SUMS in json.loads((folder / "baseA.run" / "result.json").read_text())
    opened = []
    monkeypatch.setattr(result_checks, "read_weights_sums", opened.append)
    results.read_run(folder / "baseA.run")
    assert opened == []
    _edit(folder / "baseA.run" / "result.json",
          lambda record: (record.pop(CURVE_SUMS), record.update({RESULT_SHA256: result_sha256(record)})))
    results.read_run(folder / "baseA.run")
    assert opened == [folder / "baseA.h5"]


def test_a_grid_counts_it_unfinished_and_train_refuses_to_finish_it_again(older, micro_data):
    folder, eval_csv = older
    recorded = math.fsum(_column(eval_csv, "top5")[:3])
    _edit_row(eval_csv, 2, 2, "0.25")
    refused = (f"{eval_csv}: its 3 evaluations before iteration 4 are not those {folder / 'baseA.h5'} records (their "
               f"top5 values sum to {recorded - 0.75:.9g}, it recorded {recorded:.9g})")
    assert grid_status.unreadable_result(folder, types.SimpleNamespace(name="baseA")).startswith(refused)
    files = {path: path.read_bytes() for path in (eval_csv, eval_csv.with_name("result.json"), folder / "baseA.h5")}
    with pytest.raises(RunLogError) as error:  # "already finished" before
        training.train(training.TrainConfig(out=str(folder / "baseA.h5"), data=micro_data, max_iter=4, resume="auto",
                                            **OPTIONS))
    assert str(error.value).startswith(f"{refused}: edited since train wrote them"), error.value  # as report says
    assert {path: path.read_bytes() for path in files} == files


def test_train_finds_the_unedited_run_finished(older, micro_data):
    folder, eval_csv = older
    files = {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}
    done = training.train(training.TrainConfig(out=str(folder / "baseA.h5"), data=micro_data, max_iter=4,
                                               resume="auto", **OPTIONS))
    assert done.mean10_top1 == pytest.approx(sum(_column(eval_csv, "top1")) / 4)
    assert {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()} == files
