"""Two reports written into one folder at once (a cron job's and a person's), and a report of runs
that are being written meanwhile."""

import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import fileio, report, run_lock
from minitransfer import results as results_module
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
    assert not (out / run_lock.RunLock.FILE).exists()
    # once the first is done, the second goes through
    monkeypatch.setattr(fileio, "write_bytes", real_write)
    assert CliRunner().invoke(main, ["report", str(second), "-o", str(out)]).exit_code == 0
    assert read_csv(out / "results.csv") != list(rows.values())


def test_a_run_started_over_while_the_report_reads_it_is_not_finished(tmp_path, monkeypatch):
    """train --overwrite removes result.json, then the checkpoint and logs: a report that had seen the
    result.json and then found it gone left the run out as "cannot be read (No such file ...)"."""
    runs = write_runs(tmp_path / "grid")
    started_over = runs / "random0" / "A3B+.run" / "result.json"
    real_read = results_module.read_json  # the run's result.json, read once (then checked and read_result's)

    def start_over_then_read(path, *kinds):
        if path == started_over:
            path.unlink()  # what train --overwrite does first in the run's folder (after its weights)
        return real_read(path, *kinds)

    monkeypatch.setattr(results_module, "read_json", start_over_then_read)
    results, unfinished, left_out = results_module.collect(runs)
    assert unfinished == ["random0/A3B+"] and left_out == []
    assert "random0/A3B+" not in {r.run.name for r in results} and len(results) == len(ACCURACY) - 1


def test_a_run_finished_again_while_the_report_reads_it_is_read_again(tmp_path, monkeypatch):
    """Its result.json replaced by a new training's meanwhile: the report reads the new one, not the
    old numbers beside the new run's files."""
    runs = write_runs(tmp_path / "grid")
    run = {r.name: r for r in grid.plan_grid(layers=(3,))}["random0/A3B+"]
    real_read = results_module._read_run
    replaced = []

    def read_then_finish_again(folder, name, *args):
        read = real_read(folder, name, *args)
        if name == run.name and not replaced:
            replaced.append(name)
            result = (folder / "result.json").read_text().replace(str(ACCURACY[name]), "0.4321")
            fileio.write_text(folder / "result.json", result)  # atomically, as train writes it
        return read

    monkeypatch.setattr(results_module, "_read_run", read_then_finish_again)
    results, unfinished, left_out = results_module.collect(runs)
    assert {r.run.name: r.mean10_top1 for r in results}[run.name] == 0.4321
    assert unfinished == [] and left_out == []
