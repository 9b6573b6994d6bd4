"""A resume whose eval.csv holds its rows out of order: the reader leaves such a row out (train writes
its rows in order: :func:`minitransfer.rundir.eval_csv_lines`), so the rewrite of eval.csv before the
run goes on would have dropped the evaluation it holds, and result.json counted one fewer."""

import pytest

from minitransfer import rundir
from test_train_faults import _interrupted, _train


def test_a_resume_refuses_rows_out_of_order_rather_than_lose_one(micro_data, tmp_path):
    run_dir = _interrupted(tmp_path / "net.h5", micro_data, after=5, max_iter=8)
    eval_csv = run_dir / "eval.csv"
    header, *rows = eval_csv.read_text().splitlines(keepends=True)
    assert [row.split(",")[0] for row in rows] == ["2", "4"]
    eval_csv.write_text(header + rows[1] + rows[0])
    before = eval_csv.read_text()
    with pytest.raises(rundir.RunLogError, match=r"net.run/eval.csv has rows at iteration 2 that the run did not "
                                                 r"write \(a row repeated, out of order,"):
        _train(tmp_path / "net.h5", micro_data, max_iter=8, resume="auto")
    assert eval_csv.read_text() == before and not (tmp_path / "net.h5").exists()
