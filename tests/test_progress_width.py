"""The bars of ``train`` and ``prepare`` on a terminal 60 or 80 columns wide, replayed through a small
screen model (:func:`screen`): each redraw stays within one row and clears what a longer one left, and a
bar too wide for the row loses its bar, then its label, before its numbers. ``train``'s bar was drawn
30 wide with a bare \\r: a CaffeNet run's row of ~92 characters wrapped and added a row at each
iteration; ``prepare``'s cut the end of its row, its count and percentage."""

import io
import re

import pytest
from data.test_prepare_progress import clock  # noqa: F401  (the fixture: a clock that moves when told)

from minitransfer.progress import Progress, StageProgress, bar_row


def screen(text, columns):
    """The rows a terminal ``columns`` wide shows after ``text``: \\r goes back to the start of the row,
    \\n to the next row, ESC[K clears the row from the cursor on, and a character written past the last
    column goes on the next row (the last column written, the cursor stays there until one follows)."""
    rows, row, column, at = [[]], 0, 0, 0
    while at < len(text):
        if text.startswith("\033[K", at):
            del rows[row][column:]
            at += 3
            continue
        char, at = text[at], at + 1
        if char == "\r":
            column = 0
            continue
        if char == "\n" or column == columns:
            row, column = row + 1, 0
            rows.append([]) if row == len(rows) else None
            if char == "\n":
                continue
        cells = rows[row]
        cells.extend(" " * (column + 1 - len(cells)))
        cells[column], column = char, column + 1
    return ["".join(cells) for cells in rows]


@pytest.mark.parametrize("columns", [60, 80])
def test_a_long_runs_bar_stays_in_one_row_with_its_numbers(clock, monkeypatch, columns):
    """A run resumed at iteration 123,455 of 450,000 at lr 0.0001, 50 ms an iteration: once the time
    left is said its row was ~82 characters, wider than the terminal."""
    monkeypatch.setenv("COLUMNS", str(columns))
    stream = io.StringIO()
    progress = Progress(450_000, 123_455, bar=True, quiet=False, every=100, stream=stream)
    for done in range(123_456, 123_456 + 2 * int(Progress.ESTIMATE_SECONDS / 0.05)):
        clock.now += 0.05
        progress.iteration(done, 2.3, 0.0001)
    *lines, redrawn = stream.getvalue().split("\n")
    assert len(lines) == 1 and "per iteration" in lines[0], lines  # a line of its own, which may wrap
    rows = [row.rstrip() for row in screen(redrawn, columns)]  # the bar's ~200 redraws since
    assert len(rows) == 1, rows[:3]
    assert re.fullmatch(rf"(\[#*\.+\] )?{done}/450000 loss 2\.3000 lr 0\.0001 20\.0 it/s, 5 hours left", rows[0]), rows


def test_a_shorter_redraw_leaves_nothing_of_the_longer_one_before(clock, monkeypatch):
    """The last iteration says no time left: its row is shorter than the one before it."""
    monkeypatch.setenv("COLUMNS", "200")
    stream = io.StringIO()
    progress = Progress(100, 0, bar=True, quiet=False, every=10, stream=stream)
    for done in range(1, 101):
        clock.now += 1
        progress.iteration(done, 1.0, 0.01)
    rows = [row.rstrip() for row in screen(stream.getvalue(), 200)]
    assert re.fullmatch(r"\[#+\] 100/100 loss 1\.0000 lr 0\.01 1\.0 it/s", rows[-1]), rows[-1]


def test_prepares_bar_keeps_its_count_at_60_columns(clock, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    stream = io.StringIO()
    progress = StageProgress("folder", bar=True, stream=stream)
    for done in range(1, 1001):
        clock.now += 2 * StageProgress.BAR_SECONDS  # each drawn
        progress(done, 1000, "finding validation copies of training images")
    redraws = stream.getvalue().split("\r")[1:]
    assert len(redraws) == 1000
    for done, redraw in enumerate(redraws, 1):  # each one row, ending in its count
        said = [row.rstrip() for row in screen("\r" + redraw, 60)]
        assert len(said) == 1 and said[0].endswith(f" {done}/1000 ({done // 10}%)"), (done, said)
        assert said[0].startswith("folder: finding"), said
    assert len(screen(stream.getvalue(), 60)) == 1


@pytest.mark.parametrize("columns", range(1, 100, 3))
def test_a_row_fits_and_keeps_its_numbers_as_long_as_they_fit(columns):
    label, tail = "folder: listing training files", "12/200 (6%)"
    for fraction in (0, 0.5, 1):
        row = bar_row(label, fraction, tail, columns, 20)
        assert len(row) <= max(columns - 1, 0)
        assert row.endswith(tail) or len(tail) > columns - 1, row
        if "[" in row:  # the bar narrows, then goes, before the label is cut
            assert row.startswith(label + " [") and row.count("#") == int(fraction * (row.index("]") - len(label) - 2))
