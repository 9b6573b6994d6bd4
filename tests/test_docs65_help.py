"""What a command's --help says next to what the docs say of it (see tests/test_docs64_help.py for exit code 2):
docs/report.md and the README give exit code 65 for a result.json edited since train wrote it, and report
exits 65 there, but report's --help listed only runs of several datasets and a bad --reference file under 65:
a user who edited a result.json by hand, reading the help alone, took the 65 for damaged data."""

import pathlib
import re

from click.testing import CliRunner

from minitransfer.cli import main

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs" / "report.md"
CAUSES = (("several datasets", "several datasets"), ("result.json edited", "edited result.json"),  # docs, help
          ("--reference", "--reference"))


def test_reports_help_names_every_cause_of_exit_code_65_the_docs_give():
    docs = " ".join(DOCS.read_text().split("## Exit codes")[1].split())
    refused = re.search(r"65 bad data: (.*?); 74 ", docs)
    assert refused and [words for words, _ in CAUSES if words not in refused[1]] == [], docs
    shown = " ".join(CliRunner().invoke(main, ["report", "--help"], terminal_width=200).output.split())
    said = re.search(r"65 bad data \((.*?)\), 74 ", shown)
    assert said, shown
    assert [helped for _, helped in CAUSES if helped not in said[1]] == [], said[1]
