"""An eval.csv whose header is not train's (another version's column order, a column more, as a
spreadsheet saves it) is read by its header's names: it had been read by position, its top-5 drawn
and judged ("still rising") as top-1, silently."""

import csv

import pytest

from minitransfer import experiment as grid
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
