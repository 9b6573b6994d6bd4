"""What a command's --help says next to what the docs say of it: report's help gave exit code 2 for RUNS
"missing, not a folder or a run's own", while docs/report.md (and the command) refuse a dataset's folder and a
report's folder given as RUNS with 2 as well; a user reading the help alone took exit 2 there for a bug."""

import pathlib
import re

from click.testing import CliRunner

from minitransfer.cli import main

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs" / "report.md"


def test_reports_help_names_every_runs_folder_the_docs_refuse_with_exit_code_2():
    docs = " ".join(DOCS.read_text().split("## Exit codes")[1].split())
    refused = re.search(r"2 usage: RUNS (.*?); 65 bad data", docs)[1]
    kinds = [kind for kind in ("run's", "dataset's", "report's") if kind in refused]
    assert kinds == ["run's", "dataset's", "report's"], refused  # what the docs list, as this test reads them
    shown = " ".join(CliRunner().invoke(main, ["report", "--help"], terminal_width=200).output.split())
    said = re.search(r"2 usage \(RUNS (.*?)(?:;|, --reference)", shown)
    assert said, shown
    assert [kind for kind in kinds if kind not in said[1]] == [], said[1]
