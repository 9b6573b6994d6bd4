"""A resume whose eval.csv holds its rows out of order: the reader leaves such a row out (train writes
its rows in order: :func:`minitransfer.run_logs.eval_csv_lines`), so the rewrite of eval.csv before the
run goes on would have dropped the evaluation it holds, and result.json counted one fewer; before
that reader, the rows were kept as they were, out of order."""

from click.testing import CliRunner

from minitransfer.cli import main
from test_train_faults import FAST_OPTIONS, _interrupted


def test_a_resume_refuses_rows_out_of_order_rather_than_lose_one(micro_data, tmp_path):
    run_dir = _interrupted(tmp_path / "net.h5", micro_data, after=5, max_iter=8)
    eval_csv = run_dir / "eval.csv"
    header, *rows = eval_csv.read_text().splitlines(keepends=True)
    assert [row.split(",")[0] for row in rows] == ["2", "4"]
    eval_csv.write_text(header + rows[1] + rows[0])
    swapped = eval_csv.read_text()
    resumed = CliRunner().invoke(main, ["train", "-o", str(tmp_path / "net.h5"), "--data", str(micro_data),
                                        "--resume", "auto", *FAST_OPTIONS, "--max-iter", "8"])
    assert resumed.exit_code == 65, resumed.output  # bad data
    assert f"{eval_csv} has rows at iteration 2 that the run did not write (a row repeated, out of order, or at " \
           f"an iteration it did not evaluate)" in resumed.output, resumed.output
    assert eval_csv.read_text() == swapped and not (tmp_path / "net.h5").exists()
