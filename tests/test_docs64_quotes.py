"""What the docs quote of the program's words is what it prints: docs/checkpoints.md quoted a grid's "result
written again" status, which no dry run prints (its words are "result to write again")."""

import pathlib
import re

from minitransfer import grid_status

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted(path for path in (ROOT / "docs").glob("*.md") if path.name != "changes.md")]


def test_every_status_the_docs_quote_is_one_a_grid_prints():
    quoted = {(path.name, words) for path in PAGES
              for words in re.findall(r'"([^"]+)"\)? status', " ".join(path.read_text().split()))}
    assert quoted, "the docs quote no status any more: this test reads nothing"
    printed = {value for name, value in vars(grid_status).items() if name.isupper() and isinstance(value, str)}
    assert [(page, words) for page, words in quoted if words not in printed] == []
