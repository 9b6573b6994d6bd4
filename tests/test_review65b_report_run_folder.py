"""report of a run folder given as `.` (its shell inside it) or by a link to it said "no run folder (<name>.run/
...) is in it or in a folder below it", of a run folder; its name as given told it (a usage mistake, exit 2) only
where it ended in .run. It now says it is a run folder, and names the folder that holds it."""

import pathlib

import pytest

from minitransfer.report_no_runs import no_runs


@pytest.mark.parametrize("given", ["inside", "link"])
def test_a_run_folder_given_as_dot_or_through_a_link_is_said_to_be_one(tmp_path, monkeypatch, given):
    run = tmp_path / "grid" / "baseA.run"
    run.mkdir(parents=True)
    if given == "inside":
        monkeypatch.chdir(run)
        runs_dir = pathlib.Path(".")
    else:
        runs_dir = tmp_path / "latest"
        runs_dir.symlink_to(run)
    message, usage = no_runs(runs_dir, [], [])
    assert usage and f"it is a run folder itself: give the folder that holds it, {tmp_path / 'grid'}" in message


def test_a_folder_of_runs_named_as_given_is_still_named_so(tmp_path, monkeypatch):
    (tmp_path / "baseA.run").mkdir()
    monkeypatch.chdir(tmp_path)
    message, usage = no_runs(pathlib.Path("baseA.run"), [], [])
    assert usage and message.endswith("give the folder that holds it, the current folder (.)")
