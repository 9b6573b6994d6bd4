"""A report stopped by a signal while it replaces the earlier one in its folder (Ctrl-C, ``kill``, a
closed terminal): the folder holds one report whole, never a part of each. Before, the earlier report's
files were removed, then the new ones written one by one, and a stop in between left a folder that was
neither (once only curves.svg of 9 files), while the command said every file written so far was intact.

The stop is answered once the new report is whole, the last of the command's work: it then said
"interrupted ... rerun the same command to continue" (exit code 75), and a rerun wrote the same report
again. It now says the report was written whole before stopping, exit code 0; a stop before the report
is written is still exit code 75, the folder as it was, to rerun."""

import os
import shutil
import signal

import placeholders
import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import figures, fileio, report, report_folder
from minitransfer.cli import main
from minitransfer.cli import report as report_command
from test_report import write_run, write_runs

STOPS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]


def _files(folder):
    """{name: bytes} of every file in ``folder``."""
    return {path.name: path.read_bytes() for path in folder.iterdir()}


def _updated(runs):
    """``runs`` with one run's accuracy changed since the earlier report."""
    write_run(runs, next(r for r in grid.plan_grid(layers=(5,)) if r.name == "random0/A5B+"), 0.80)
    return runs


@pytest.fixture(scope="module")
def earlier_and_new(tmp_path_factory):
    """Once for the module (figures placeholders): a folder holding a grid's results and its report,
    ``earlier``, the report's files, and ``new``, the files of the report an uninterrupted rerun leaves
    once a run has changed (the grid it names: the folder's ``updated``)."""
    folder = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(figures, "render", placeholders.render)
        report.write_report(write_runs(folder / "grid"), folder / "report")
        report.write_report(_updated(shutil.copytree(folder / "grid", folder / "updated")), folder / "whole")
    return folder, _files(folder / "report"), _files(folder / "whole")


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("step", ["remove", "write_bytes"], ids=["removing", "writing"])
@pytest.mark.parametrize("stop", STOPS, ids=["sigint", "sigterm", "sighup"])
def test_a_report_stopped_while_it_replaces_the_earlier_leaves_one_report_whole(earlier_and_new, tmp_path,
                                                                               monkeypatch, step, stop):
    folder, earlier, new = earlier_and_new  # new: the report an uninterrupted rerun leaves
    runs = _updated(shutil.copytree(folder / "grid", tmp_path / "grid"))
    out = shutil.copytree(folder / "report", tmp_path / "report")
    new = {name: data.replace(bytes(folder / "updated"), bytes(runs)) for name, data in new.items()}  # its grid's
    assert earlier != new and len(earlier) > 2

    done, original = [], getattr(fileio, step)

    def stopped_after_the_first(path, *args):
        original(path, *args)
        done.append(path.name)
        if len(done) == 1:
            os.kill(os.getpid(), stop)  # the command's handler runs before the next file is touched

    monkeypatch.setattr(fileio, step, stopped_after_the_first)
    result = CliRunner().invoke(main, ["report", str(runs), "-o", str(out)])
    assert done and done[0] in earlier, done  # stopped at a report's file, not a stale temporary
    assert _files(out) == new  # the oracle: the report an uninterrupted run leaves, whole
    assert result.exit_code == 0, result.output
    assert result.stderr == f"stopped: the report was written whole into {out} before stopping; nothing is left to do\n"
    assert "rerun" not in result.output and "interrupted" not in result.output


@pytest.mark.usefixtures("placeholder_figures")
def test_the_library_says_the_report_is_whole_where_a_stop_came_as_it_replaced_the_earlier(tmp_path, monkeypatch):
    """``write_report`` under Python's own SIGINT handler: still a KeyboardInterrupt, which says the report is whole."""
    runs = write_runs(tmp_path / "grid")
    report.write_report(runs, tmp_path / "whole")
    original = fileio.write_bytes

    def stopped_at_the_first(path, *args):
        original(path, *args)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(fileio, "write_bytes", stopped_at_the_first)
    with pytest.raises(KeyboardInterrupt) as stopped:
        report.write_report(runs, tmp_path / "report")
    assert isinstance(stopped.value, report_folder.WrittenWhole)
    assert str(stopped.value) == f"SIGINT: the report was written whole into {tmp_path / 'report'} before stopping"
    assert _files(tmp_path / "report") == _files(tmp_path / "whole")


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("stop", STOPS, ids=["sigint", "sigterm", "sighup"])
def test_a_report_stopped_before_its_files_are_replaced_is_interrupted_and_leaves_the_earlier(earlier_and_new,
                                                                                               tmp_path, monkeypatch,
                                                                                               stop):
    folder, earlier, _ = earlier_and_new
    runs = _updated(shutil.copytree(folder / "grid", tmp_path / "grid"))
    out = shutil.copytree(folder / "report", tmp_path / "report")
    original = report.replace_report

    def stopped_first(*args):
        os.kill(os.getpid(), stop)  # the command's handler raises here, before the stops are held
        original(*args)

    monkeypatch.setattr(report, "replace_report", stopped_first)
    result = CliRunner().invoke(main, ["report", str(runs), "-o", str(out)])
    assert result.exit_code == 75, result.output
    assert result.stderr.startswith("interrupted: ") and "rerun the same command" in result.stderr
    assert _files(out) == earlier


@pytest.mark.usefixtures("placeholder_figures")
def test_a_report_stopped_as_it_is_shown_says_it_was_written_whole(tmp_path, monkeypatch):
    """A stop once the files are written, as the report's lines are printed: nothing is left to do either."""
    runs = write_runs(tmp_path / "grid")
    report.write_report(runs, tmp_path / "whole")
    original = report_command.show

    def stopped_as_shown(*args):
        os.kill(os.getpid(), signal.SIGTERM)
        original(*args)

    monkeypatch.setattr(report_command, "show", stopped_as_shown)
    result = CliRunner().invoke(main, ["report", str(runs)])
    assert result.exit_code == 0, result.output
    assert result.stderr.endswith(f"stopped: the report was written whole into {runs / 'report'} before stopping; "
                                  f"nothing is left to do\n")
    assert _files(runs / "report") == _files(tmp_path / "whole")
