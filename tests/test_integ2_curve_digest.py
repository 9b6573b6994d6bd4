"""An eval.csv row edited in the middle (a top-5, a loss, a top-1 below the 10 best: no final, best or mean10
changed) passed report, and a finished run whose result.json and eval.csv were edited alike, finished again by a
grid's rerun (`resume='auto'`: train writes an edited result.json again from the run's files), got a fresh digest
over the edit. result.json now records the sums of the rows it sums up (``eval_csv_sums``,
result_digests.curve_sums): report refuses rows that no longer sum to them (exit 65, naming eval.csv and the sums
that differ), and so does train's mend of an edited result.json (a resumption at the iteration it was written at). A
result.json without that digest (written before) is read, and mended, as before."""

import json
import shutil

import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import results
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.resumed_logs import RunLogError
from minitransfer.result_checks import ResultContradicted
from minitransfer.result_digests import CURVE_SUMS, RESULT_SHA256, result_sha256

OPTIONS = dict(half="A", seed=0, eval_every=1, batch_size=4, preset="micro", quiet=True, device="cpu")


def trained_run(tmp_path_factory, micro_data, max_iter):
    """A folder holding one run trained for real, baseA (``max_iter`` evaluations)."""
    folder = tmp_path_factory.mktemp("runs")
    training.train(training.TrainConfig(out=str(folder / "baseA.h5"), data=micro_data, max_iter=max_iter, **OPTIONS))
    return folder


@pytest.fixture(scope="module")
def trained(tmp_path_factory, micro_data):
    """baseA of 4 evaluations (:func:`trained_run`): its source, copied by each test."""
    return trained_run(tmp_path_factory, micro_data, 4)


@pytest.fixture
def runs(trained, tmp_path):
    """A copy of :func:`trained`'s folder: (the folder, its run's result.json, its eval.csv)."""
    folder = shutil.copytree(trained, tmp_path / "runs")
    return folder, folder / "baseA.run" / "result.json", folder / "baseA.run" / "eval.csv"


def _edit_row(eval_csv, number, column, value):
    """eval.csv with row ``number`` (from 1)'s ``column`` (1: top1, 2: top5, 3: loss) made ``value``."""
    lines = eval_csv.read_text().splitlines()
    fields = lines[number].split(",")
    fields[column] = value
    lines[number] = ",".join(fields)
    eval_csv.write_text("\n".join(lines) + "\n")


def _edit(path, edit):
    record = json.loads(path.read_text())
    edit(record)
    path.write_text(json.dumps(record, indent=2) + "\n")


def _resume(folder, micro_data):
    return training.train(training.TrainConfig(out=str(folder / "baseA.h5"), data=micro_data, max_iter=4,
                                               resume="auto", **OPTIONS))


@pytest.mark.parametrize("column", [2, 3], ids=["top5", "loss"])
def test_a_middle_row_edited_is_refused_by_report_naming_eval_csv(runs, tmp_path, column, placeholder_figures):
    folder, result, eval_csv = runs
    name = ["top5", "loss"][column - 2]
    _edit_row(eval_csv, 2, column, "0.25")  # the 2nd of 4 evaluations: no final, best or mean10 changed
    done = CliRunner().invoke(main, ["report", str(folder), "-o", str(tmp_path / "report")])
    assert done.exit_code == 65, done.output
    assert done.output.splitlines()[-1].startswith(
        f"error: bad data: {eval_csv}: its 4 evaluations up to iteration 4 are not those {result} sums up "
        f"(their {name} values sum to "), done.output
    assert done.output.splitlines()[-1].endswith("edited since train wrote it: restore the files train wrote, or "
                                                 "train the run again"), done.output
    assert not (tmp_path / "report" / "results.csv").exists()


def test_a_row_dropped_in_the_middle_is_refused_counting_the_rows(runs):
    folder, result, eval_csv = runs
    lines = eval_csv.read_text().splitlines()
    eval_csv.write_text("\n".join(lines[:2] + lines[3:]) + "\n")
    with pytest.raises(ResultContradicted, match=r"its 3 evaluations up to iteration 4 \(result.json counts 4\) are "
                                                 r"not those "):
        results.read_run(folder / "baseA.run")


def test_eval_csv_saved_again_with_its_values_as_they_were_is_read(runs):
    """Quoted, as a spreadsheet's "quote all fields" saves it: the same rows, the same digest."""
    folder, result, eval_csv = runs
    eval_csv.write_text("".join(",".join(f'"{field}"' for field in line.split(",")) + "\n"
                                for line in eval_csv.read_text().splitlines()))
    assert results.read_run(folder / "baseA.run").evaluations == 4


def test_result_json_and_eval_csv_edited_alike_are_not_written_again_by_a_resumption(runs, micro_data):
    """The mend of an edited result.json (a grid's rerun) summed up the edited rows and wrote a fresh digest of
    both: report read the edit as the run's result."""
    folder, result, eval_csv = runs
    _edit_row(eval_csv, 1, 1, "0.875")  # the first evaluation's top-1 raised above the rest: the best
    _edit(result, lambda record: record.update(best_top1=0.875))
    edited = result.read_text()
    with pytest.raises(RunLogError, match=f"^{eval_csv}: its 4 evaluations up to iteration 4 are not those {result} "
                                          f"sums up .*: edited since train wrote them, and a result written again "
                                          f"from them would pass the edit off as the run's: start the run over"):
        _resume(folder, micro_data)
    assert result.read_text() == edited


def test_a_result_json_written_before_the_rows_digest_is_read_and_mended_as_before(runs, micro_data):
    """The run as a version before wrote it: its checkpoint and weights file record no sums of the rows either."""
    folder, result, eval_csv = runs
    for path in (folder / "baseA.run" / "checkpoint.h5", folder / "baseA.h5"):
        saved = checkpoints.load(path)
        del saved.meta[CURVE_SUMS]
        checkpoints.save(saved.path, saved)
    _edit(result, lambda record: (record.pop(CURVE_SUMS), record.update({RESULT_SHA256: result_sha256(record)})))
    _edit_row(eval_csv, 2, 2, "0.25")
    assert results.read_run(folder / "baseA.run").evaluations == 4  # nothing tells the edit: as before
    _edit(result, lambda record: record.update(seconds=-1))  # edited: finished again from eval.csv, as before
    _resume(folder, micro_data)
    assert CURVE_SUMS in json.loads(result.read_text())
    assert results.read_run(folder / "baseA.run").evaluations == 4


# info (and report) of a result.json edited since train wrote it named the digests only: now the field edited,
# result.json's value and the one the run's own files give, in the one line that says the digests


def test_info_names_the_field_edited_its_value_and_the_one_eval_csv_gives(runs):
    folder, result, eval_csv = runs
    _edit(result, lambda record: record.update(evaluations=3))
    done = CliRunner().invoke(main, ["info", str(folder / "baseA.run")])
    assert done.exit_code == 65, done.output
    last = done.output.splitlines()[-1]
    assert last.startswith(f"error: bad data: {result}: {RESULT_SHA256} ") and last.endswith(
        f"; evaluations is 3, but {eval_csv}'s rows give 4: edited since train wrote it: restore the files train "
        f"wrote, or train the run again"), done.output


@pytest.mark.parametrize("field, value, words", [
    (("final", "loss"), 0.125, "final.loss is 0.125, but {eval_csv}'s rows give {was}"),
    (("weights", "size"), 12, "weights.size is 12, but {weights} holds {was}"),
    (("weights", "sha256"), "0" * 64, "weights.sha256 is \"{value}\", but {weights}'s is \"{was}\""),
], ids=["final-loss", "weights-size", "weights-sha256"])
def test_the_field_edited_is_named_with_what_the_runs_files_give(runs, field, value, words):
    folder, result, eval_csv = runs
    was = json.loads(result.read_text())[field[0]][field[1]]
    _edit(result, lambda record: record[field[0]].update({field[1]: value}))
    expected = words.format(eval_csv=eval_csv, weights=folder / "baseA.h5", was=was, value=value)
    with pytest.raises(ResultContradicted, match="; " + expected.replace(".", r"\.") + ": edited since"):
        results.read_run(folder / "baseA.run")


def test_a_field_no_other_file_records_is_said_to_be_the_one_edited(runs):
    folder, result, _ = runs
    _edit(result, lambda record: record.update(seconds=1000.0))
    with pytest.raises(ResultContradicted, match=r"; none of its fields the run's other files record differs "
                                                 r"\(evaluations, final\.iteration, .*, iterations, weights\.size, "
                                                 r"weights\.mtime_ns, weights\.sha256\): the one edited is another "
                                                 r"\(seconds, "):
        results.read_run(folder / "baseA.run")


def test_both_files_edited_alike_name_eval_csv_edited_too(runs):
    folder, result, eval_csv = runs
    _edit_row(eval_csv, 1, 1, "0.875")
    top1 = [float(line.split(",")[1]) for line in eval_csv.read_text().splitlines()[1:]]
    _edit(result, lambda record: record.update(best_top1=max(top1), mean10_top1=sum(top1) / len(top1)))
    with pytest.raises(ResultContradicted, match=f"; {eval_csv} was edited too: its 4 evaluations up to iteration 4 "
                                                 f"are not those {result} sums up "):
        results.read_run(folder / "baseA.run")


# eval.csv opened in a spreadsheet and saved (its values to 15 significant digits, or 7) was read by report before
# result.json recorded its rows (result_checks.SUMMARY_SLACK: "this much slack still reads one saved by a
# spreadsheet"); a digest of the values' repr refused it as edited (exit 65), a correct result refused. The sums
# result.json records are compared within a slack such a save keeps to; a value changed is still told. A torn last
# row is evaluated again by the mend, as before.


def _saved(trained, tmp_path, digits):
    """A copy of ``trained`` whose eval.csv a spreadsheet saved, each value to ``digits`` significant digits."""
    folder = shutil.copytree(trained, tmp_path / "copy")
    eval_csv = folder / "baseA.run" / "eval.csv"
    header, *lines = eval_csv.read_text().splitlines()
    rows = [[line.split(",")[0], *(format(float(value), f".{digits}g") for value in line.split(",")[1:])]
            for line in lines]
    eval_csv.write_text("\r\n".join([header, *(",".join(row) for row in rows)]) + "\r\n")
    return folder, eval_csv


@pytest.mark.parametrize("digits", [15, 7])
def test_an_eval_csv_a_spreadsheet_saved_is_read(trained, tmp_path, digits):
    folder, eval_csv = _saved(trained, tmp_path, digits)
    assert eval_csv.read_text() != (trained / "baseA.run" / "eval.csv").read_text().replace("\n", "\r\n")
    assert results.read_run(folder / "baseA.run").mean10_top1 == pytest.approx(
        json.loads((trained / "baseA.run" / "result.json").read_text())["mean10_top1"], abs=1e-6)


def test_a_loss_changed_in_its_6th_digit_is_still_told(trained, tmp_path):
    folder, eval_csv = _saved(trained, tmp_path, 15)
    lines = eval_csv.read_text().splitlines()
    fields = lines[2].split(",")
    fields[3] = format(float(fields[3]) * (1 + 1e-5), ".15g")
    eval_csv.write_text("\n".join(lines[:2] + [",".join(fields)] + lines[3:]) + "\n")
    with pytest.raises(ResultContradicted, match="are not those"):
        results.read_run(folder / "baseA.run")


def test_a_finished_run_whose_weights_are_gone_and_last_row_torn_is_finished_again(trained, tmp_path, micro_data):
    """Resumed at its end (its weights file deleted), the run's torn last row is evaluated again, as before the
    digest: its mend was refused as edited rows (exit 65), telling to start the run over."""
    folder = shutil.copytree(trained, tmp_path / "copy")
    (folder / "baseA.h5").unlink()
    eval_csv = folder / "baseA.run" / "eval.csv"
    whole = eval_csv.read_text()
    eval_csv.write_text(whole[:-5])
    done = training.train(training.TrainConfig(out=str(folder / "baseA.h5"), data=micro_data, max_iter=4,
                                               resume="auto", **OPTIONS))
    assert done.evaluations == 4 and eval_csv.read_text() == whole
