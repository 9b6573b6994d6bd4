"""Two reports written into one folder at once (a cron job's and a person's), and a report of runs
that are being written meanwhile."""

import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import fileio, report, rundir
from minitransfer.cli import main
from test_report import ACCURACY, read_csv, write_run, write_runs


def test_a_second_report_into_a_folder_being_written_is_refused_naming_the_first(tmp_path, monkeypatch):
    """Each report removed the earlier files and wrote its own: a second one started while the first
    wrote left the folder with results.csv of one beside tables of the other."""
    first, second = write_runs(tmp_path / "first"), write_runs(tmp_path / "second")
    run = {r.name: r for r in grid.plan_grid(layers=(5,))}["random0/A5B+"]
    write_run(second, run, 0.4321)
    out = tmp_path / "out"
    real_write = fileio.write_bytes
    seen = []

    def write_then_second_report(path, data):
        real_write(path, data)
        if path.name == "results.csv" and not seen:  # the first report, midway through its files
            seen.append(None)
            seen[0] = CliRunner().invoke(main, ["report", str(second), "-o", str(out)])

    monkeypatch.setattr(fileio, "write_bytes", write_then_second_report)
    report.write_report(first, out, figures=False)
    refused = seen[0]
    assert refused.exit_code == 2, refused.output
    assert f"{out} is being written by another minitransfer process (PID " in refused.output
    assert "Traceback" not in refused.output
    rows = {row["run"]: row for row in read_csv(out / "results.csv")}
    assert float(rows["random0/A5B+"]["mean10_top1"]) == pytest.approx(ACCURACY["random0/A5B+"])
    assert not (out / rundir.RunLock.FILE).exists()
    # once the first is done, the second goes through
    monkeypatch.setattr(fileio, "write_bytes", real_write)
    assert CliRunner().invoke(main, ["report", str(second), "-o", str(out)]).exit_code == 0
    assert read_csv(out / "results.csv") != list(rows.values())
