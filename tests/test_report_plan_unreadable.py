"""A grid's split folder this user may not enter: its runs cannot be looked for, so none of them is said
"planned, not started" beside the line naming the folder left out (they were, every one, though trained)."""

import errno
import os

from minitransfer import report_plan

from test_report_plan import _grid


def _lstat_refused_below(monkeypatch, folder):
    """os.lstat refuses every path below ``folder`` as the kernel does a folder without search permission
    for this user (EACCES; root passes any, so the tests, often root, cannot make it with chmod)."""
    lstat = os.lstat

    def refused(path, *args, **kwargs):
        if str(path).startswith(f"{folder}{os.sep}"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return lstat(path, *args, **kwargs)

    monkeypatch.setattr(os, "lstat", refused)


def test_runs_of_a_split_folder_that_cannot_be_entered_are_not_said_not_started(tmp_path, monkeypatch):
    out = _grid(tmp_path / "grid")
    assert report_plan.planned_not_started(out) == []  # every planned run has its folder
    _lstat_refused_below(monkeypatch, (out / "random0").resolve())
    assert report_plan.planned_not_started(out) == []


def test_a_run_folder_deleted_is_still_said_not_started(tmp_path, monkeypatch):
    out = _grid(tmp_path / "grid")
    (out / "random0" / "A3B.run").rename(tmp_path / "moved")
    _lstat_refused_below(monkeypatch, tmp_path / "elsewhere")
    assert report_plan.planned_not_started(out) == ["random0/A3B"]
