"""What the docs quote of the program's words is what it prints: docs/checkpoints.md quoted a grid's "result
written again" status, which no dry run prints (its words are "result to write again"); and the columns
docs/report.md lists are those of the file it describes."""

import pathlib
import re

from minitransfer import grid_status, report

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted(path for path in (ROOT / "docs").glob("*.md") if path.name != "changes.md")]


def test_every_status_the_docs_quote_is_one_a_grid_prints():
    quoted = {(path.name, words) for path in PAGES
              for words in re.findall(r'"([^"]+)"\)? status', " ".join(path.read_text().split()))}
    assert quoted, "the docs quote no status any more: this test reads nothing"
    printed = {value for name, value in vars(grid_status).items() if name.isupper() and isinstance(value, str)}
    assert [(page, words) for page, words in quoted if words not in printed] == []


def test_the_columns_docs_report_lists_are_those_results_csv_has():
    """docs/report.md spells out results.csv's columns in order; no test compared them with report.COLUMNS,
    the header the file is written with: a column added or renamed left the page describing another file."""
    docs = " ".join((ROOT / "docs" / "report.md").read_text().split())
    listed = re.search(r"results\.csv / \.md \(the columns ([\w, ]+);", docs)
    assert listed, "docs/report.md no longer lists results.csv's columns"
    assert re.split(r", ", listed[1]) == list(report.COLUMNS)
