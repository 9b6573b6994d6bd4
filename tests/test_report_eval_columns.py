"""An eval.csv whose header is not train's (another version's column order, a column more, as a
spreadsheet saves it) is read by its header's names: it had been read by position, its top-5 drawn
and judged ("still rising") as top-1, silently."""

import csv

import pytest

from minitransfer import experiment as grid
from minitransfer import run_caveats
from minitransfer.results import collect
from test_report import write_curve, write_runs

RUN = "random0/A3B+"
RISING = [(10 * i, 0.30 + 0.02 * i) for i in range(1, 21)]  # top-1 still climbing at the end
FLAT_TOP5 = 0.9  # top-5 flat: read as top-1, the run would not be still rising


@pytest.fixture
def runs_dir(tmp_path):
    return write_runs(tmp_path / "grid")


def _rewrite(path, columns):
    """``path`` (train's eval.csv) with its columns as ``columns`` name them (one may be new)."""
    with open(path, newline="") as stream:
        rows = list(csv.DictReader(stream))
    with open(path, "w", newline="") as stream:
        writer = csv.DictWriter(stream, columns, extrasaction="ignore", restval="x", lineterminator="\n")
        writer.writeheader()
        writer.writerows({**row, "top5": FLAT_TOP5} for row in rows)


def _read(runs_dir):
    return next(r for r in collect(runs_dir)[0] if r.run.name == RUN)


def test_columns_in_another_order_or_one_more_are_read_by_their_names(runs_dir):
    folder = grid.run_dir(runs_dir, next(run for run in grid.plan_grid(layers=(1, 3, 5)) if run.name == RUN))
    write_curve(folder, RISING)
    expected = _read(runs_dir)
    assert expected.curve == tuple(RISING) and expected.still_rising  # the oracle: train's own order
    for columns in (["iteration", "top5", "top1", "loss"], ["loss", "top1", "iteration", "top5", "lr"]):
        _rewrite(folder / "eval.csv", columns)
        read = _read(runs_dir)
        assert (read.curve, read.still_rising, read.log_cut) == (tuple(RISING), True, False), columns


def test_a_header_without_a_top1_column_gives_no_curve_and_names_the_file(runs_dir):
    folder = grid.run_dir(runs_dir, next(run for run in grid.plan_grid(layers=(1, 3, 5)) if run.name == RUN))
    write_curve(folder, RISING)
    _rewrite(folder / "eval.csv", ["iteration", "top5", "loss"])
    read = _read(runs_dir)
    assert read.curve == () and read.log_cut and read.eval_log == str(folder / "eval.csv")


def _pandas(path):
    """``path`` as pandas' ``DataFrame.to_csv()`` saves it by default: an index column, unnamed."""
    lines = path.read_text().splitlines()
    path.write_text("".join(f"{'' if number == 0 else number - 1},{line}\n" for number, line in enumerate(lines)))


def _spaced(path):
    """``path`` with a space after each comma of its header (as a hand or another program writes it)."""
    header, rest = path.read_text().split("\n", 1)
    path.write_text(header.replace(",", ", ") + "\n" + rest)


def _quoted(path):
    """``path`` with each name and value in quotes (a spreadsheet's "quote all fields")."""
    path.write_text("".join(",".join(f'"{field}"' for field in line.split(",")) + "\n"
                            for line in path.read_text().splitlines()))


@pytest.mark.parametrize("rewrite", [_pandas, _spaced, _quoted], ids=["pandas-index", "spaces", "quotes"])
def test_a_header_of_pandas_or_with_spaces_or_quotes_is_read_by_its_names(runs_dir, rewrite):
    """Before: a header whose first name is empty (pandas' index column) was taken for an empty file and
    read by position (every row 5 values, not 4: no curve); names with spaces or quotes had no top1
    column (no curve). Either run was named as one whose eval.csv lost its rows."""
    folder = grid.run_dir(runs_dir, next(run for run in grid.plan_grid(layers=(1, 3, 5)) if run.name == RUN))
    write_curve(folder, RISING)
    rewrite(folder / "eval.csv")
    read = _read(runs_dir)
    assert (read.curve, read.still_rising, read.log_cut) == (tuple(RISING), True, False)
    assert run_caveats.eval_csv_faults(folder / "eval.csv") == []


def test_the_damaged_rows_of_a_file_read_by_names_are_the_ones_left_out_of_its_curve(runs_dir):
    """The rows a curve of a file in another column order used are not told as rows train never writes,
    and the one it left out is (before: each row was read by position, top-5 as top-1, and every row
    of a file with a column more was "5 values, expected 4")."""
    folder = grid.run_dir(runs_dir, next(run for run in grid.plan_grid(layers=(1, 3, 5)) if run.name == RUN))
    write_curve(folder, RISING)
    _rewrite(folder / "eval.csv", ["loss", "top1", "iteration", "top5", "lr"])
    lines = (folder / "eval.csv").read_text().split("\n")
    lines[5] = lines[5].replace(",0.9,", ",1.5,")  # top-5 above 1 on line 6: the 5th evaluation
    (folder / "eval.csv").write_text("\n".join(lines))
    read = _read(runs_dir)
    assert read.curve == tuple(RISING[:4] + RISING[5:]) and read.log_cut
    assert run_caveats.eval_csv_faults(folder / "eval.csv") == [(6, "top5 1.5, not an accuracy in [0, 1]")]
