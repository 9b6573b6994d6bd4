"""The run folder a path lies in, looked for along the path resolved
(:func:`minitransfer.rundir.enclosing_run_dir`) by train's ``-o``, report's ``-o`` and experiment's
``-o`` alike. train looked along the path as given (``absolute()``): ``-o link/net.h5``, ``link``
leading to a run's folder, wrote a second run into it, and ``-o baseA.run/../net.h5``, beside that
folder, was refused as lying inside it; report looked at OUT itself as given: ``-o link`` to a run's
folder wrote the report among the network's files."""

import os

import pytest
from click.testing import CliRunner

from minitransfer import path_kinds, rundir
from minitransfer.cli import main
from refusing import refuse_below

FAST_OPTIONS = ["--batch-size", "8", "--max-iter", "4", "--eval-every", "2", "--quiet", "--device", "cpu"]


@pytest.fixture
def run_folder(tmp_path):
    """A run's folder as train leaves it (its files are not read here: its config.json marks it)."""
    folder = tmp_path / "runs" / "baseA.run"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"out": "baseA.h5"}\n')
    return folder


def _listing(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def test_the_run_folder_is_found_along_the_resolved_path(run_folder, tmp_path):
    (tmp_path / "link").symlink_to(run_folder)
    assert rundir.enclosing_run_dir(tmp_path / "link" / "sub" / "net.h5") == run_folder
    assert rundir.enclosing_run_dir(tmp_path / "link") == run_folder
    assert rundir.enclosing_run_dir(run_folder / ".." / "net.h5") is None
    assert rundir.enclosing_run_dir(tmp_path / "runs") is None


def test_a_folder_this_user_cannot_enter_is_passed_over(run_folder, monkeypatch):
    """A path under a folder this user may not enter (mode 000, another user's): Path.is_dir raised
    PermissionError (Python 3.11) as the run folder was looked for, and train's -o, report's -o or
    experiment's -o there ended on a traceback. Now that folder is no run folder: passed over, the one
    above it still found. (Run as root, a chmod would stop nothing: os.stat refuses in its place.)"""
    locked = run_folder / "locked"
    (locked / "inner.run").mkdir(parents=True)
    (locked / "inner.run" / "config.json").write_text('{"out": "inner.h5"}\n')
    refuse_below(monkeypatch, "stat", locked)
    assert not rundir.is_run_dir(locked / "inner.run")
    assert rundir.enclosing_run_dir(locked / "inner.run" / "net.h5") == run_folder


def test_a_report_folder_is_looked_for_above_the_resolved_path_alone(tmp_path):
    """report_folder_above shares enclosing_run_dir's walk (rundir.nearest_above), along the path
    resolved, but from the folder above it: the folder itself is checked by report_files, which takes
    any of a report's files."""
    from minitransfer import report_folder
    report = tmp_path / "report"
    report.mkdir()
    for name in report_folder.REPORT_TABLES:
        (report / name).write_text("a table\n")
    (tmp_path / "link").symlink_to(report)
    assert path_kinds.report_folder_above(tmp_path / "link" / "grid") == report
    assert path_kinds.report_folder_above(report / ".." / "grid") is None
    assert path_kinds.report_folder_above(report) is None


def test_train_into_a_link_to_a_run_folder_is_refused(micro_data, run_folder, tmp_path, monkeypatch):
    (tmp_path / "link").symlink_to(run_folder)
    before = _listing(run_folder)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["train", "--data", str(micro_data), "-o", "link/net.h5", *FAST_OPTIONS])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert f"lies inside {run_folder}, the run directory of another run" in " ".join(result.output.split())
    assert _listing(run_folder) == before


def test_train_beside_a_run_folder_through_dot_dot_is_taken(micro_data, run_folder, tmp_path):
    out = f"{run_folder}{os.sep}..{os.sep}net.h5"
    result = CliRunner().invoke(main, ["train", "--data", str(micro_data), "-o", out, *FAST_OPTIONS])
    assert result.exit_code == 0, result.output
    assert (run_folder.parent / "net.h5").is_file() and (run_folder.parent / "net.run" / "result.json").is_file()


def test_a_report_into_a_link_to_a_run_folder_is_refused(run_folder, tmp_path):
    from test_report import write_runs
    runs = write_runs(tmp_path / "grid")
    (tmp_path / "link").symlink_to(run_folder)
    before = _listing(run_folder)
    result = CliRunner().invoke(main, ["report", str(runs), "-o", str(tmp_path / "link")])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert f"{tmp_path / 'link'} is a run folder (train wrote it" in " ".join(result.output.split()), result.output
    assert _listing(run_folder) == before


def test_an_experiment_into_a_link_to_a_run_folder_is_refused(micro_data, run_folder, tmp_path):
    (tmp_path / "link").symlink_to(run_folder)
    result = CliRunner().invoke(main, ["experiment", "--data", str(micro_data), "-o", str(tmp_path / "link" / "grid"),
                                       "--layers", "1", "--no-fine-tuned", "--max-iter", "4", "--device", "cpu",
                                       "--dry-run"])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert f"lies inside {run_folder}, a run's folder" in " ".join(result.output.split()), result.output
