"""A finished run's eval.csv or result.json damaged by hand, told exactly, by report, by train finding the run
finished (`resume='auto'`) and by a grid (which asks what report asks: check_against_curve, read_result).

- eval.csv rows swapped, or a row's top-1 made NaN: report said "its 3 evaluations ... (result.json counts 4) are
  not those result.json sums up (their iterations are not the ones it recorded)" of a file holding 4 rows, and
  never which line was at fault, though eval.csv's reader knows it. Now the line is named, and what is wrong
  with it.
- The last row repeated: read as the rows result.json sums up (the repeat left out), it passed with no word,
  though train never writes it (a resumption refuses such a row). Refused as an edit now, as a row added in the
  middle is, where result.json records the sums of its rows.
- An accuracy made a string ("0.3") in a result.json whose digest is no longer its own: left out (exit 0), where
  one made NaN or 0.25 is refused as edited (exit 65). Both are edits, and refused alike.
- evaluations 10**400 (its digest made anew) was read, and said as a 400-digit count: train evaluates once an
  iteration at most, so more evaluations than iterations is no result it writes.
"""

import json
import shutil

import pytest
from click.testing import CliRunner
from fake_results import finished_result

from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.left_out import UnreadableRun
from minitransfer.result_checks import ResultContradicted, read_result
from minitransfer.result_digests import RESULT_SHA256, result_sha256
from minitransfer.resumed_logs import RunLogError

OPTIONS = dict(half="A", seed=0, eval_every=1, batch_size=4, preset="micro", quiet=True, device="cpu")
EDITED = "edited since train wrote it: restore the files train wrote, or train the run again"


@pytest.fixture(scope="module")
def trained(tmp_path_factory, micro_data):
    """A folder holding baseA trained for real for 4 iterations, evaluated after each: 4 rows in eval.csv."""
    folder = tmp_path_factory.mktemp("runs")
    training.train(training.TrainConfig(out=str(folder / "baseA.h5"), data=micro_data, max_iter=4, **OPTIONS))
    return folder


@pytest.fixture
def runs(trained, tmp_path):
    """A copy of :func:`trained`'s folder: (the folder, its run's result.json, its eval.csv)."""
    folder = shutil.copytree(trained, tmp_path / "runs")
    return folder, folder / "baseA.run" / "result.json", folder / "baseA.run" / "eval.csv"


def _lines(eval_csv, edit):
    """eval.csv's lines (its header first) made ``edit(lines)``."""
    lines = eval_csv.read_text().splitlines()
    assert len(lines) == 5 and lines[0] == "iteration,top1,top5,loss"  # what the edits below count on
    eval_csv.write_text("\n".join(edit(lines)) + "\n")


def _report(folder, tmp_path):
    done = CliRunner().invoke(main, ["report", str(folder), "-o", str(tmp_path / "report")])
    return done.exit_code, done.output.splitlines()[-1], done.output


def _swap(lines):  # rows of iterations 1 and 2 swapped: line 3 (iteration 1) comes after line 2 (iteration 2)
    return [lines[0], lines[2], lines[1], *lines[3:]]


def _nan(lines):  # the second row's (line 3's) top-1 made NaN
    fields = lines[2].split(",")
    return [*lines[:2], ",".join([fields[0], "nan", *fields[2:]]), *lines[3:]]


def _repeat(lines):  # the last row (line 5) written again: line 6
    return [*lines, lines[-1]]


@pytest.mark.parametrize("edit, line, fault", [
    (_swap, 3, "iteration 1, not after line 2's 2 (a row repeated, or out of order)"),
    (_nan, 3, "top1 nan, not an accuracy in [0, 1]"),
    (_repeat, 6, "iteration 4, not after line 5's 4 (a row repeated, or out of order)"),
], ids=["rows-swapped", "top1-nan", "last-row-repeated"])
def test_a_row_train_never_writes_is_refused_by_report_naming_its_line(runs, tmp_path, edit, line, fault,
                                                                       placeholder_figures):
    folder, result, eval_csv = runs
    _lines(eval_csv, edit)
    code, last, output = _report(folder, tmp_path)
    assert code == 65, output
    assert last == (f"error: bad data: {eval_csv}: line {line} is no row train writes: {fault}; its rows are not "
                    f"those {result} sums up: {EDITED}"), output
    assert not (tmp_path / "report" / "results.csv").exists()


@pytest.mark.parametrize("edit, line", [(_nan, 3), (_repeat, 6)], ids=["top1-nan", "last-row-repeated"])
def test_train_finding_the_run_finished_refuses_it_naming_the_line(runs, micro_data, edit, line):
    folder, _, eval_csv = runs
    _lines(eval_csv, edit)
    with pytest.raises(RunLogError, match=f"^{eval_csv}: line {line} is no row train writes: "):  # exit 65
        training.train(training.TrainConfig(out=str(folder / "baseA.h5"), data=micro_data, max_iter=4,
                                            resume="auto", **OPTIONS))


def test_a_copy_cut_short_before_its_last_row_is_still_read_with_its_curve_said_cut(runs, tmp_path,
                                                                                    placeholder_figures):
    folder, _, eval_csv = runs
    _lines(eval_csv, lambda lines: [*lines[:-1], lines[-1][:3]])  # the last row cut off in a copy, its line break kept
    code, _, output = _report(folder, tmp_path)
    assert code == 0, output
    assert f"{eval_csv} line 5: " in output, output  # said among the runs to read with care, as before


def test_a_blank_row_a_spreadsheet_saves_is_no_row_train_never_writes(runs, tmp_path, placeholder_figures):
    folder, _, eval_csv = runs
    _lines(eval_csv, lambda lines: [*lines[:3], ",,,", *lines[3:], '"","","",""'])  # blank rows, saved as cells
    code, _, output = _report(folder, tmp_path)
    assert code == 0, output
    assert "eval.csv" not in output, output  # its 4 rows are the run's: nothing to say of it


def _edited(path, **fields):
    """The result.json ``path`` with ``fields`` changed, its digest left as train wrote it."""
    record = json.loads(path.read_text())
    record.update(fields)
    path.write_text(json.dumps(record))


@pytest.mark.parametrize("value, said", [("0.3", "mean10_top1 is \"0.3\", but "), (float("nan"), "mean10_top1 is nan")],
                         ids=["a-string", "nan"])
def test_an_accuracy_edited_into_no_number_is_refused_as_an_edit(runs, tmp_path, value, said, placeholder_figures):
    folder, result, _ = runs
    _edited(result, mean10_top1=value)
    code, last, output = _report(folder, tmp_path)
    assert code == 65, output
    assert last.startswith(f"error: bad data: {result}: ") and said in last and last.endswith(EDITED), output


def test_an_accuracy_edited_into_nan_without_eval_csv_is_refused_naming_the_field(tmp_path):
    path = tmp_path / "result.json"
    path.write_text(json.dumps({**finished_result(), "mean10_top1": float("nan")}))
    with pytest.raises(ResultContradicted, match="mean10_top1 is nan, expected a top-1 accuracy in") as refused:
        read_result(path)
    assert str(refused.value).endswith(EDITED)


def _digested(path, **fields):
    """A result.json at ``path`` of :func:`finished_result` with ``fields``, its digest made anew over them: as
    train would have written it, but for the values."""
    record = {key: value for key, value in finished_result(iterations=20).items() if key != RESULT_SHA256}
    record.update(fields)
    path.write_text(json.dumps({**record, RESULT_SHA256: result_sha256(record)}))
    return path


@pytest.mark.parametrize("evaluations", [21, 10**400], ids=["one-more-than-iterations", "400-digits"])
def test_more_evaluations_than_iterations_is_no_result_train_writes(tmp_path, evaluations):
    path = _digested(tmp_path / "result.json", evaluations=evaluations)
    with pytest.raises(UnreadableRun, match="evaluations is .*, expected a count, 0 or more, at most its "
                                            "iterations, 20 ") as unread:
        read_result(path)
    assert not isinstance(unread.value, ResultContradicted) and len(str(unread.value)) < 400, unread.value


def test_as_many_evaluations_as_iterations_is_read(tmp_path):
    assert read_result(_digested(tmp_path / "result.json", evaluations=20))[3] == 20  # one after each iteration


def test_more_iterations_than_train_takes_is_no_result_train_writes(tmp_path):
    path = _digested(tmp_path / "result.json", iterations=2**31)  # --max-iter takes 2**31 - 1 at most
    with pytest.raises(UnreadableRun, match="iterations is 2147483648, expected a count, 1 or more, at most "
                                            "2,147,483,647"):
        read_result(path)
