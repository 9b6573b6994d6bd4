"""The report's tables for a grid whose folder's name holds what a CSV, a markdown table or a
spreadsheet reads specially: results.csv says each name as it is (no formula guard: it is for
scripts, which join on the run's name), results.md keeps one row per network."""

import csv
import io
import os

import pytest

from minitransfer import report
from test_report import ACCURACY, write_runs

NAMES = {"comma-quote": 'a,b"c', "pipe": "p|q", "line-break": "line\nbreak", "formula": "=1+2", "minus": "-3+4",
         "at": "@SUM(A1)", "tab": "tab\there", "not-utf8": os.fsdecode(b"x\xff")}


@pytest.mark.parametrize("folder", NAMES.values(), ids=NAMES.keys())
def test_a_grid_named_with_special_characters_has_one_row_per_network(tmp_path, folder):
    write_runs(tmp_path / "grid" / folder)
    written = report.write_report(tmp_path / "grid", tmp_path / "report", figures=False).files
    said = folder.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")  # \xff as results.csv says
    rows = list(csv.DictReader(io.StringIO(written["results.csv"].read_bytes().decode("utf-8"), newline="")))
    assert sorted(row["run"] for row in rows) == sorted(f"{said}/{name}" for name in ACCURACY)
    table = [line for line in written["results.md"].read_text().splitlines() if line.startswith("| ")]
    assert len(table) == 1 + len(ACCURACY) and all(line.count(" | ") == len(report.COLUMNS) - 1 for line in table)
