"""``report RUNS -o RUNS`` (or -o another folder of runs): the report's tables and figures were written among
the run folders and weights files (exit 0), where a later report into its own folder left them, out of date.
Refused as a usage error (exit 2) naming -o and the default folder of the report's own, nothing written."""

import json
import os

import pytest
from click.testing import CliRunner

from fake_results import finished_grid, finished_result
from minitransfer.cli import main


def _runs(folder, name="baseA"):
    (folder / f"{name}.run").mkdir(parents=True)
    (folder / f"{name}.run" / "result.json").write_text(json.dumps(finished_result()))
    (folder / f"{name}.h5").write_text("weights")
    return folder


def _listing(folder):
    return sorted(os.path.relpath(os.path.join(top, name), folder)
                  for top, folders, files in os.walk(folder) for name in folders + files)


@pytest.mark.parametrize("out", ["runs", "runs/.", "../runs", "others"], ids=["itself", "dot", "dotdot", "others"])
def test_report_into_a_folder_of_runs_is_refused(tmp_path, monkeypatch, out):
    runs = _runs(tmp_path / "runs")
    _runs(tmp_path / "others", "baseB")
    monkeypatch.chdir(tmp_path / "others")
    before = _listing(tmp_path)
    given = out if out == "../runs" else str(tmp_path / out)
    result = CliRunner().invoke(main, ["report", str(runs), "-o", given])
    assert result.exit_code == 2, result.output
    what = "a folder of runs (it holds baseB.run)" if out == "others" else "the folder of runs it reports"
    assert result.output.startswith(f"error: -o (--out) {os.path.normpath(given)} is {what}: the report's files "
                                    f"would lie among the runs' own; ")
    assert f"or leave it out for {runs / 'report'}\n" in result.output
    assert "Traceback" not in result.output
    assert _listing(tmp_path) == before


def test_report_into_a_new_folder_among_the_runs_is_written(tmp_path):
    """A folder of the report's own inside RUNS (as the default RUNS/report is) holds no run: not refused."""
    runs = finished_grid(tmp_path / "runs", [1])
    result = CliRunner().invoke(main, ["report", str(runs), "-o", str(runs / "tables")])
    assert result.exit_code == 0, result.output
    assert (runs / "tables" / "results.md").is_file()
