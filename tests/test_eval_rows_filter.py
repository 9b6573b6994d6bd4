"""eval_rows: the one filter of eval.csv's lines, read once, into the rows train writes and the lines it never
writes, which report's checks, a resume's, a caveat and submit.sh's check each wrote out again before. The oracle:
an eval.csv written by hand, whose bad lines are known by their numbers."""

from minitransfer.eval_rows import line_faults, written_rows
from minitransfer.run_caveats import eval_csv_faults
from minitransfer.run_logs import eval_csv_lines, read_eval_rows

TEXT = ("iteration,top1,top5,loss\n"
        "1,0.25,0.5,2.0\n"          # line 2
        "2,nan,0.5,2.0\n"           # line 3: no accuracy, no row at all
        "3,0.5,0.75,1.5\n"          # line 4
        "2,0.5,0.75,1.5\n"          # line 5: goes back (a row, with a fault)
        "5,0.75,1.0,1.0\n"          # line 6
        "x,0.75,1.0,1.0\n")         # line 7: no row at all, after all the others


def _lines(tmp_path):
    path = tmp_path / "eval.csv"
    path.write_text(TEXT)
    return path, eval_csv_lines(path)


def test_the_rows_train_writes_and_those_up_to_an_iteration(tmp_path):
    path, lines = _lines(tmp_path)
    assert [row["iteration"] for row in written_rows(lines)] == [1, 3, 5]
    assert [row["iteration"] for row in written_rows(lines, 3)] == [1, 3]
    assert written_rows(lines) == read_eval_rows(path)  # the rows report reads


def test_the_lines_train_never_writes_and_those_up_to_an_iteration(tmp_path):
    path, lines = _lines(tmp_path)
    assert [number for number, _ in line_faults(lines)] == [3, 5, 7]
    assert [number for number, _ in line_faults(lines, 1)] == [3, 7]  # line 5's row is at 2; 3 and 7 are no rows
    assert [number for number, _ in line_faults(lines, 2)] == [3, 5, 7]
    assert line_faults(lines) == eval_csv_faults(path)  # what the caveat says
    assert all(isinstance(fault, str) and fault for _, fault in line_faults(lines))
