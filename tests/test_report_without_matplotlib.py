"""Without matplotlib (the ``plot`` extra not installed: None in sys.modules, what an import then finds), the report
still writes its tables and findings, draws no figure file, and says once how to get the figures."""

import sys

from click.testing import CliRunner
from test_report import write_runs

from minitransfer.cli import main

HINT = "pip install 'minitransfer[plot]'"


def test_the_report_without_matplotlib_writes_its_tables_and_says_once_how_to_draw_figures(tmp_path, monkeypatch):
    runs_dir = write_runs(tmp_path / "grid")  # a grid at layers 1, 3 and 5
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out = tmp_path / "r"
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = sorted(path.name for path in out.iterdir())
    assert written == ["findings.md", "results.csv", "results.md", "table1.csv", "table1.md"], written
    assert result.output.count(HINT) == 1 and "figures not drawn: matplotlib is missing" in result.output
