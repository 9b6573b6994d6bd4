"""The README's layout lists what docs/ holds; it named report.md, transfer.md and changes.md but not
checkpoints.md or presets.md, so a reader scanning the layout for the pages there missed two of them."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_the_readmes_layout_names_every_page_in_docs():
    text = (ROOT / "README.md").read_text()
    layout = text[text.index("## Layout"):]
    entry = re.search(r"^docs/ +(.*?)^\S", layout, flags=re.M | re.S)
    assert entry, "the README's layout no longer has a docs/ entry"
    named = set(re.findall(r"([\w-]+\.md)\b", entry[1]))
    pages = {path.name for path in (ROOT / "docs").glob("*.md")}
    assert pages - named == set(), pages - named
