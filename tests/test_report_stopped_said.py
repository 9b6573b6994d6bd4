"""A report stopped (SIGTERM, Ctrl-C, a closed terminal) while it read the runs and drew, before its folder was
touched, said a command's generic words: "stopped by a signal before anything was saved, or with every file written
so far intact; rerun the same command to continue" (found sending SIGTERM to `report` at 2 s to 8 s in). A report
writes its folder whole or not at all (:mod:`minitransfer.report_folder`): it now says the folder is as it was."""

import os
import shutil
import signal

import pytest
from click.testing import CliRunner

from minitransfer import report
from minitransfer.cli import main
from test_report import write_runs


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP])
def test_a_report_stopped_before_it_writes_says_its_folder_is_as_it_was(tmp_path, monkeypatch, stop):
    runs = write_runs(tmp_path / "grid")
    report.write_report(runs, tmp_path / "earlier")
    out = shutil.copytree(tmp_path / "earlier", tmp_path / "report")

    def stopped(*args):
        os.kill(os.getpid(), stop)  # the command's handler raises here, before the folder is touched

    monkeypatch.setattr(report, "replace_report", stopped)
    result = CliRunner().invoke(main, ["report", str(runs), "-o", str(out)])
    assert result.exit_code == 75, result.output
    assert result.stderr == (f"interrupted: stopped by a signal before the report was written, {out} as it was; "
                             f"rerun the same command to write it\n"), result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == {p.name: p.read_bytes() for p in
                                                               (tmp_path / "earlier").iterdir()}
