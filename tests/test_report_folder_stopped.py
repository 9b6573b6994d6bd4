"""A report stopped by a signal while it replaces the earlier one in its folder (Ctrl-C, ``kill``, a
closed terminal): the folder holds one report whole, never a part of each. Before, the earlier report's
files were removed, then the new ones written one by one, and a stop in between left a folder that was
neither (once only curves.svg of 9 files), while the command said every file written so far was intact."""

import os
import signal

import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import fileio, report
from minitransfer.cli import main
from test_report import write_run, write_runs

STOPS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]


def _files(folder):
    """{name: bytes} of every file in ``folder``."""
    return {path.name: path.read_bytes() for path in folder.iterdir()}


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("step", ["remove", "write_bytes"], ids=["removing", "writing"])
@pytest.mark.parametrize("stop", STOPS, ids=["sigint", "sigterm", "sighup"])
def test_a_report_stopped_while_it_replaces_the_earlier_leaves_one_report_whole(tmp_path, monkeypatch, step, stop):
    runs = write_runs(tmp_path / "grid")
    out = tmp_path / "report"
    report.write_report(runs, out)
    earlier = _files(out)
    write_run(runs, next(r for r in grid.plan_grid(layers=(5,)) if r.name == "random0/A5B+"), 0.80)
    report.write_report(runs, tmp_path / "whole")
    new = _files(tmp_path / "whole")  # the report an uninterrupted rerun leaves
    assert earlier != new and len(earlier) > 2

    done, original = [], getattr(fileio, step)

    def stopped_after_the_first(path, *args):
        original(path, *args)
        done.append(path.name)
        if len(done) == 1:
            os.kill(os.getpid(), stop)  # the command's handler runs before the next file is touched

    monkeypatch.setattr(fileio, step, stopped_after_the_first)
    result = CliRunner().invoke(main, ["report", str(runs), "-o", str(out)])
    assert result.exit_code == 75, result.output
    assert "interrupted" in result.output and "Traceback" not in result.output
    assert done and done[0] in earlier, done  # stopped at a report's file, not a stale temporary
    left = _files(out)
    assert left in (earlier, new), sorted(left)
