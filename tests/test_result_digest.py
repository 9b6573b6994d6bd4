"""A finished run's result.json edited to a plausible number (its top-1 0.5 made 0.25) went into results.csv
without a word, though the run's eval.csv said otherwise. Train now writes beside the result's fields their digest
(``content_sha256``, result_digests.result_sha256), and report refuses (exit 65, one line naming the file and both
values) a run whose result.json is not the summary of its eval.csv, or not as train wrote it (both files edited
alike). A result.json written before the digest is read as it was. The oracle of every value is the run's own
eval.csv, summed up here by hand (final: the last row; mean10: the mean of the 10 best rows, all where fewer)."""

import json
import shutil

import pytest
from click.testing import CliRunner

from minitransfer import results
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.result_checks import ResultContradicted
from minitransfer.result_digests import RESULT_SHA256


@pytest.fixture(scope="module")
def trained(tmp_path_factory, micro_data):
    """A folder holding one run trained for real, baseA (4 evaluations): its source, copied by each test."""
    folder = tmp_path_factory.mktemp("runs")
    training.train(training.TrainConfig(out=str(folder / "baseA.h5"), data=micro_data, half="A", seed=0, max_iter=4,
                                        eval_every=1, batch_size=4, preset="micro", quiet=True, device="cpu"))
    return folder


@pytest.fixture
def runs(trained, tmp_path):
    """A copy of :func:`trained`'s folder: (the folder, its run's result.json, its eval.csv)."""
    folder = shutil.copytree(trained, tmp_path / "runs")
    return folder, folder / "baseA.run" / "result.json", folder / "baseA.run" / "eval.csv"


def _rows(eval_csv):
    return [line.split(",") for line in eval_csv.read_text().splitlines()[1:]]


def report_refuses(folder, out, error):
    """`minitransfer report FOLDER -o OUT` refuses the runs (exit 65), its last line ``error``, writing no
    results.csv."""
    done = CliRunner().invoke(main, ["report", str(folder), "-o", str(out)])
    assert done.exit_code == 65, done.output
    assert done.output.splitlines()[-1] == error, done.output
    assert not (out / "results.csv").exists()


def _edit(path, edit):
    record = json.loads(path.read_text())
    edit(record)
    path.write_text(json.dumps(record, indent=2) + "\n")


def test_an_accuracy_edited_in_result_json_is_refused_by_report_naming_both_values(runs, tmp_path,
                                                                                    placeholder_figures):
    folder, result, eval_csv = runs
    top1 = [float(row[1]) for row in _rows(eval_csv)]
    mean10 = sum(sorted(top1, reverse=True)[:10]) / len(top1)  # 4 evaluations: the mean of them all
    assert json.loads(result.read_text())["mean10_top1"] == pytest.approx(mean10) and mean10 > 0
    _edit(result, lambda record: record.update(mean10_top1=mean10 / 2))
    report_refuses(folder, tmp_path / "report",
                   f"error: bad data: {result}: mean10_top1 is {mean10 / 2!r}, but the mean of the 4 best of "
                   f"{eval_csv}'s 4 evaluations is {mean10!r}: edited since train wrote it: restore the files train "
                   f"wrote, or train the run again")


def test_result_json_and_eval_csv_edited_alike_are_refused_by_the_digest_train_wrote(runs):
    folder, result, eval_csv = runs
    rows = _rows(eval_csv)
    rows[-1][1] = repr(float(rows[-1][1]) / 2)  # the last evaluation's top-1 halved in both files
    eval_csv.write_text("iteration,top1,top5,loss\n" + "".join(",".join(row) + "\n" for row in rows))
    top1 = [float(row[1]) for row in rows]
    _edit(result, lambda record: (record["final"].update(top1=top1[-1]),
                                  record.update(best_top1=max(top1), mean10_top1=sum(top1) / len(top1))))
    with pytest.raises(ResultContradicted, match=rf"^{result}: {RESULT_SHA256} [0-9a-f]{{16}}\.\.\., recorded by "
                                                 rf"train, but its content now hashes to [0-9a-f]{{16}}\.\.\. "
                                                 rf"\(final top1 {top1[-1]}, "):
        results.read_run(folder / "baseA.run")


def test_an_eval_csv_edited_alone_is_refused_naming_it(runs):
    folder, result, eval_csv = runs
    rows = _rows(eval_csv)
    last = float(rows[-1][1])
    rows[-1][1] = repr(last / 2)
    eval_csv.write_text("iteration,top1,top5,loss\n" + "".join(",".join(row) + "\n" for row in rows))
    with pytest.raises(ResultContradicted, match=f"^{result}: final top1 is {last!r}, but {eval_csv}'s last "
                                                 rf"evaluation \(iteration 4\) says {last / 2!r}: "):
        results.read_run(folder / "baseA.run")


def test_a_result_json_written_before_its_digest_is_read_as_before(runs):
    """Every run trained before this version: its result.json without ``content_sha256``, read (and reported)."""
    folder, result, _ = runs
    written = json.loads(result.read_text())
    assert RESULT_SHA256 in written  # as train writes it now
    _edit(result, lambda record: record.pop(RESULT_SHA256))
    found, unfinished, left_out = results.collect(folder)
    assert (unfinished, left_out) == ([], [])
    assert [(r.run.name, r.final_top1, r.best_top1, r.mean10_top1) for r in found] == [
        ("baseA", written["final"]["top1"], written["best_top1"], written["mean10_top1"])]


def test_train_resumed_on_a_finished_run_whose_result_json_was_edited_writes_it_again(runs, micro_data):
    """What a grid does for a result.json report cannot read (its checkpoint at the end): train writes it again
    from eval.csv. An edited one it took as finished ("already finished", the edit kept; the grid said FAILED)."""
    folder, result, _ = runs
    written = json.loads(result.read_text())
    _edit(result, lambda record: record.update(mean10_top1=written["mean10_top1"] / 2))
    training.train(training.TrainConfig(out=str(folder / "baseA.h5"), data=micro_data, half="A", seed=0, max_iter=4,
                                        eval_every=1, batch_size=4, preset="micro", quiet=True, device="cpu",
                                        resume="auto"))
    assert results.read_run(folder / "baseA.run").mean10_top1 == written["mean10_top1"]


def test_a_runs_result_json_and_eval_csv_are_each_opened_once_by_its_reading(runs, monkeypatch):
    """The check of result.json against eval.csv read both files, then read_result, the curve's reader and a base's
    weights digests read them again (result.json 3 times, eval.csv twice): one read serves all now."""
    from counting import opens_of
    folder, result_json, eval_csv = runs
    result_opens, eval_opens = opens_of(monkeypatch, result_json), opens_of(monkeypatch, eval_csv)
    assert results.read_run(folder / "baseA.run").run.name == "baseA"
    assert (len(result_opens), len(eval_opens)) == (1, 1)
