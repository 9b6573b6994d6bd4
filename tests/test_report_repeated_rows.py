"""A run whose eval.csv holds a row train never writes (one repeated, or out of order) beside every row its
result.json counts: where result.json records no digest of those rows (written before 0.11.4), nothing proves
an edit, and the run was read without a word (results.py said a file only where its count of rows differed,
and the extra row, left out of the curve, left the count as result.json's). It is told now, as a file cut
short or edited is (run_caveats), naming the line; a file train wrote whole is not."""

import json

import pytest
from test_report import ACCURACY, write_curve, write_runs

from minitransfer import config, report, run_caveats
from minitransfer import train as training
from minitransfer.result_digests import CURVE_SUMS, RESULT_SHA256, result_sha256
from minitransfer.results import collect

CLIMBING = [(10 * i, 0.3 + 0.01 * i) for i in range(1, 31)]
INSERTED = {  # a line put in after eval.csv's line 8 (iteration 70) -> what is said of it, as line 9
    "a-row-repeated": ("70,0.37,1.0,0.5\n", "iteration 70, not after line 8's 70 (a row repeated, or out of order)"),
    "out-of-order": ("8,0.38,1.0,0.5\n", "iteration 8, not after line 8's 70 (a row repeated, or out of order)"),
}


@pytest.mark.parametrize("row, fault", INSERTED.values(), ids=INSERTED.keys())
def test_a_row_put_in_a_run_without_digests_is_told(tmp_path, row, fault):
    runs_dir = write_runs(tmp_path / "grid")
    for name in ACCURACY:  # without a digest, as a result.json before 0.11.3 (write_run's)
        write_curve(runs_dir / f"{name}.run", CLIMBING)
    edited = runs_dir / "random0" / "A5B+.run" / "eval.csv"
    lines = edited.read_text().splitlines(keepends=True)
    edited.write_text("".join(lines[:8] + [row] + lines[8:]))
    assert len(lines) == 31 and lines[7].startswith("70,")  # the oracle: header + 30 rows, line 8 at 70
    findings = report.write_report(runs_dir, tmp_path / "r", figures=False).files["findings.md"].read_text()
    told = (f"eval.csv edited or damaged, with rows train never writes, left out (1): random0/A5B+ ({edited} line "
            f"9: {fault}; 30 evaluations, result.json 30); their accuracies are result.json's")
    assert f"- {told}" in findings, findings
    assert findings.count("eval.csv edited or damaged") == 1


def test_a_run_written_whole_is_not_told(tmp_path):
    runs_dir = write_runs(tmp_path / "grid")
    for name in ACCURACY:
        write_curve(runs_dir / f"{name}.run", CLIMBING)
    results, _, _ = collect(runs_dir)
    assert [r.run.name for r in results if r.log_cut] == []
    assert not any("eval.csv" in line for line in run_caveats.warnings(results))


FAST = {"preset": "micro", "batch_size": 8, "max_iter": 4, "eval_every": 2, "quiet": True, "device": "cpu"}


def test_the_last_row_repeated_in_a_run_of_0_11_3_is_told(micro_data, tmp_path):
    """A run trained now, its result.json as 0.11.3 wrote it: a digest of itself, none of eval.csv's rows
    (its weights file records their sums, which the rows left still match: the repeated row is left out)."""
    out = tmp_path / "runs" / "net.h5"
    out.parent.mkdir()
    training.train(config.TrainConfig(out=str(out), data=micro_data, split="all", **FAST))
    result = out.with_suffix(".run") / "result.json"
    record = json.loads(result.read_text())
    del record[CURVE_SUMS]
    result.write_text(json.dumps({**record, RESULT_SHA256: result_sha256(record)}))
    assert [r.log_cut for r in collect(tmp_path / "runs")[0]] == [False]  # as 0.11.3 wrote it: nothing to say
    eval_csv = out.with_suffix(".run") / "eval.csv"
    lines = eval_csv.read_text().splitlines(keepends=True)
    assert len(lines) == 3 and lines[-1].startswith("4,")  # the oracle: header, rows at 2 and 4
    eval_csv.write_text("".join(lines + lines[-1:]))
    results, unfinished, left_out = collect(tmp_path / "runs")
    assert (len(results), unfinished, left_out) == (1, [], [])
    said = [line for line in run_caveats.warnings(results) if "eval.csv" in line]
    assert len(said) == 1 and said[0].startswith("eval.csv edited or damaged"), said
    assert f"net ({eval_csv} line 4: iteration 4, not after line 3's 4 (a row repeated, or out of order); " \
           f"2 evaluations, result.json 2)" in said[0], said
