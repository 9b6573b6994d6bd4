"""A grid's split folder this user may not enter: its runs cannot be looked for, so none of them is said
"planned, not started" beside the line naming the folder left out (they were, every one, though trained)."""

from minitransfer import report_plan

from refusing import refuse_below
from test_report_plan import _grid


def test_runs_of_a_split_folder_that_cannot_be_entered_are_not_said_not_started(tmp_path, monkeypatch):
    out = _grid(tmp_path / "grid")
    assert report_plan.planned_not_started(out) == []  # every planned run has its folder
    refuse_below(monkeypatch, "lstat", (out / "random0").resolve())
    assert report_plan.planned_not_started(out) == []


def test_a_run_folder_deleted_is_still_said_not_started(tmp_path, monkeypatch):
    out = _grid(tmp_path / "grid")
    (out / "random0" / "A3B.run").rename(tmp_path / "moved")
    refuse_below(monkeypatch, "lstat", tmp_path / "elsewhere")
    assert report_plan.planned_not_started(out) == ["random0/A3B"]
