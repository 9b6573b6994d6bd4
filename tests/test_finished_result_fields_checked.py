"""A finished run whose result.json was edited into no result train writes, its digest of itself recomputed after
the edit (``evaluations: -1``, or 10**400), which report leaves out ("not a result train writes") and a grid has
written again from its checkpoint: train --resume auto read it as TrainResult(**recorded), without
result_checks.read_result's checks, and said it "already finished; nothing to do" (exit 0), so the grid printed
"FAILED random0/A1B (exit 0)" and exited 1. It is now finished again from its checkpoint, as a result.json whose
digest differs is: result.json written anew from eval.csv's rows, as report reads it."""

import json
import shutil

import pytest
import test_train66_edited_finished
from test_integ2_curve_digest import _edit
from test_train66_edited_finished import _train

from minitransfer.result_checks import read_result
from minitransfer.result_digests import RESULT_SHA256, result_sha256
from minitransfer.run_file_readers import read_json

trained = test_train66_edited_finished.trained  # the fixture: baseA trained to its end, 4 evaluations


@pytest.mark.parametrize("evaluations", [-1, 10 ** 400], ids=["negative", "400-digits"])
def test_a_result_edited_into_none_train_writes_is_written_again(trained, tmp_path, micro_data, evaluations):
    folder = shutil.copytree(trained, tmp_path / "runs")
    result = folder / "baseA.run" / "result.json"
    written = json.loads(result.read_text())
    _edit(result, lambda record: (record.update(evaluations=evaluations),
                                  record.update({RESULT_SHA256: result_sha256(record)})))
    with pytest.raises(ValueError, match="evaluations is .*not a result train writes"):  # as report reads it
        read_result(result)
    done = _train(folder, micro_data)
    assert done.exit_code == 0, done.output
    assert "already finished" not in done.output, done.output
    # written again from the run's 4 evaluations (a header and 4 rows): read as report reads it, the values it had
    assert len((folder / "baseA.run" / "eval.csv").read_text().splitlines()) == 1 + 4
    again = read_json(result, dict)
    assert again["evaluations"] == 4 and read_result(result, again)[:4] == (
        written["final"]["top1"], written["best_top1"], written["mean10_top1"], 4)
    assert _train(folder, micro_data).output.count("already finished") == 1  # then finished, as train says
