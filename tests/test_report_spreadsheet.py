"""The report's CSV files opened in a spreadsheet (Excel, LibreOffice Calc): no field that is text to
the report may be imported as a date or a number. Table 1's layers were "1-7" (the 1st of July)
and "3,5" (3.5 where the decimal mark is a comma)."""

import re

import pytest

from minitransfer import report
from test_report import read_csv, write_runs

# What a spreadsheet's import takes for a date (1-7, 1/7, 1.7.2024, 2024-07-01) or, in some locale,
# for a number (3,5 with a decimal comma; 1,234 or 1 234 with a thousands separator): an independent
# stand-in for Excel's and LibreOffice's guesses, not the report's own rule.
SPREADSHEET_DATE = re.compile(r"^\s*\d{1,4}\s*[-/.]\s*\d{1,2}(\s*[-/.]\s*\d{1,4})?\s*$")
SPREADSHEET_NUMBER = re.compile(r"^\s*[-+]?\d+([,. ]\d+)+\s*$")


def imported_as(value):
    """"date", "number" or "text": what a spreadsheet makes of a CSV field (a plain integer is a number)."""
    if SPREADSHEET_DATE.match(value):
        return "date"
    return "number" if SPREADSHEET_NUMBER.match(value) or value.strip().isdigit() else "text"


def test_table1_csv_layers_are_text_to_a_spreadsheet(tmp_path):
    """Every layer range and list of layers with runs in table1.csv stays what it says when imported: text
    (or a single layer, the number it is); table1.md and a script reading the CSV back see the same words."""
    written = report.write_report(write_runs(tmp_path / "grid"), tmp_path / "report", figures=False)
    rows = read_csv(written.files["table1.csv"])
    assert [row["layers"] for row in rows] == ["1 to 7", "3 to 7", "5 to 7"]
    assert [row["layers_with_runs"] for row in rows] == ["1, 3 and 5", "3 and 5", "5"]
    for row in rows:
        assert imported_as(row["layers"]) == "text"
        assert imported_as(row["layers_with_runs"]) == ("number" if row["layers_with_runs"].isdigit() else "text")
    assert "| 1 to 7 | +5.0 | +6.0 | +4.0 | 1, 3 and 5 |" in written.files["table1.md"].read_text()


@pytest.mark.parametrize("layers, words", [
    ((1, 2, 3, 4, 5, 6, 7), "1 to 7"), ((3, 5), "3 and 5"), ((5,), "5"), ((), ""), ((1, 2), "1 and 2"),
    ((1, 3, 5), "1, 3 and 5"), ((1, 2, 3, 5, 7), "1 to 3, 5 and 7"), ((7, 5, 6), "5 to 7")],
    ids=lambda value: "-".join(map(str, value)) if isinstance(value, tuple) else None)
def test_layer_lists_are_words_no_spreadsheet_reads_as_a_date(layers, words):
    assert report.layer_list(layers) == words
    assert imported_as(words) != "date"
