"""Reads of a finished run's files that refused or misnamed what a correct run holds.

A run folder copied without its files' times (`cp -r`, rsync without -t: the weights file gets a time of its
own) whose result.json was then edited: report's "what differs" named weights.mtime_ns, the copy's time, as the
field edited, whatever the edit was (the weights' sha256 was compared only where the time was as recorded), so a
researcher read the weights as changed. The time is now compared last, and said as a copy's where the weights'
bytes are the ones recorded.

An eval.csv cut short (a copy cut short, a full disk's torn last row) was read before result.json recorded the
digest of its rows, its accuracies result.json's, its curve said cut (Result.log_cut); the digest made report
refuse it as edited (exit 65). It is read as before; a row dropped in the middle is still refused."""

import json
import shutil

import pytest

from minitransfer import results
from minitransfer.result_checks import ResultContradicted
from test_integ2_curve_digest import trained_run

@pytest.fixture(scope="module")
def trained(tmp_path_factory, micro_data):
    return trained_run(tmp_path_factory, micro_data, 2)


def _run_copy(trained, tmp_path):
    folder = shutil.copytree(trained, tmp_path / "copy")
    return folder, folder / "baseA.run" / "eval.csv"


@pytest.mark.parametrize("cut", ["last-row", "torn-row"])
def test_an_eval_csv_cut_short_is_read_its_curve_said_cut(trained, tmp_path, cut):
    folder, eval_csv = _run_copy(trained, tmp_path)
    text = eval_csv.read_text()
    assert text.count("\n") == 3  # the header, 2 evaluations
    eval_csv.write_text(text[:text.rindex("\n", 0, -1) + 1] if cut == "last-row" else text[:-5])
    read = results.read_run(folder / "baseA.run")
    assert read.log_cut and len(read.curve) == 1 and read.evaluations == 2


def test_the_last_row_left_and_one_before_it_dropped_is_still_refused(trained, tmp_path):
    folder, eval_csv = _run_copy(trained, tmp_path)
    header, first, last = eval_csv.read_text().splitlines()
    eval_csv.write_text(f"{header}\n{last}\n")
    with pytest.raises(ResultContradicted, match=r"its 1 evaluation up to iteration 2 \(result\.json counts 2\) is "
                                                 r"not the one "):
        results.read_run(folder / "baseA.run")


def _copied_and_edited(trained, tmp_path, edit):
    """A copy of ``trained`` made as `cp -r` makes it (no file keeps its time), its result.json then ``edit``ed."""
    folder = shutil.copytree(trained, tmp_path / "copy", copy_function=shutil.copyfile)
    result = folder / "baseA.run" / "result.json"
    record = json.loads(result.read_text())
    assert record["weights"]["mtime_ns"] != (folder / "baseA.h5").stat().st_mtime_ns
    edit(record)
    result.write_text(json.dumps(record, indent=2) + "\n")
    return folder, record


def test_the_weights_sha256_edited_in_a_copy_is_named_not_the_copys_time(trained, tmp_path):
    folder, _ = _copied_and_edited(trained, tmp_path, lambda record: record["weights"].update(sha256="0" * 64))
    with pytest.raises(ResultContradicted, match=r"; weights\.sha256 is \"0{64}\", but .*baseA\.h5's is \"[0-9a-f]{64}"
                                                 r"\": edited since"):
        results.read_run(folder / "baseA.run")


def test_another_field_edited_in_a_copy_says_the_weights_bytes_are_as_recorded(trained, tmp_path):
    folder, record = _copied_and_edited(trained, tmp_path, lambda record: record.update(seconds=1000.0))
    with pytest.raises(ResultContradicted, match=r"; weights\.mtime_ns is \d+, but .*baseA\.h5, its bytes as recorded "
                                                 r"\(copied without its time\?\), has \d+: edited since"):
        results.read_run(folder / "baseA.run")
