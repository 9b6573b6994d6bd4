"""``minitransfer demo`` stopped by a signal while its report replaced the earlier one: the report, the demo's
last step, is whole once the stop is answered (minitransfer.report_folder.WrittenWhole), but the demo said
"interrupted: SIGINT: the report was written whole ..." with exit code 75, to rerun for nothing. It now says
the report is whole, exit code 0, as ``minitransfer report`` does."""

import os
import shutil
import signal

import placeholders
import pytest
from click.testing import CliRunner

from minitransfer import demo as demos
from minitransfer import figures, fileio
from minitransfer.cli import main
from minitransfer.data import synthetic
from cli.test_demo_faults import TINY_PLAN, finished_demo, run_tiny_demo, tiny_data  # noqa: F401 (fixtures)


def _files(folder, named=None):
    """{name: bytes} of every file in ``folder``, the demo's folder it names read as ``named``'s (where given)."""
    demo = bytes(folder.parent)
    return {path.name: path.read_bytes().replace(demo, bytes(named or folder.parent)) for path in folder.iterdir()}


@pytest.fixture(scope="module")
def rerun_whole(finished_demo, tiny_data, tmp_path_factory):
    """The oracle, once for the module: the folder an uninterrupted rerun of the finished demo leaves."""
    whole = shutil.copytree(finished_demo, tmp_path_factory.mktemp("rerun") / "whole")
    run_tiny_demo(whole, tiny_data)
    return whole


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_a_demo_stopped_as_its_report_replaces_the_earlier_ends_with_the_report_whole(finished_demo, rerun_whole,
                                                                                     tiny_data, tmp_path, monkeypatch,
                                                                                     stop):
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: tiny_data)
    monkeypatch.setattr(demos, "CPU_PLAN", TINY_PLAN)
    monkeypatch.setattr(figures, "render", placeholders.render)
    whole, stopped = rerun_whole, shutil.copytree(finished_demo, tmp_path / "stopped")  # whole: the oracle
    done, original = [], fileio.write_bytes

    def stopped_after_the_first(path, *args):
        original(path, *args)
        if path.parent == stopped / "report":
            done.append(path.name)
            if len(done) == 1:
                os.kill(os.getpid(), stop)  # the command's handler runs before the next file is touched

    monkeypatch.setattr(fileio, "write_bytes", stopped_after_the_first)
    result = CliRunner().invoke(main, ["demo", "-o", str(stopped), "--device", "cpu"])
    assert len(done) > 1, done  # stopped at the first of several, and it went on
    assert _files(stopped / "report") == _files(whole / "report", named=stopped)
    assert result.exit_code == 0, result.output
    assert (f"stopped: the report was written whole into {stopped / 'report'} before stopping; nothing is left to "
            f"do\n") in result.stderr
    assert "rerun" not in result.output and "interrupted" not in result.output
