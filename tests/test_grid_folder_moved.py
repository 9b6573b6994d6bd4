"""The grid's folder moved (renamed) or deleted while the grid runs: the run training then stops
itself (its run folder gone), but the grid started its next runs at the folder's old place, making
a second, partial grid folder there (no plan, no locks, its bases elsewhere) and training on."""

import errno
import os
import shutil
import signal

import pytest

from minitransfer import experiment as grid
from minitransfer import grid_folder, scheduler
from minitransfer.cli._grid_end import told_where_it_stopped
from minitransfer.grid_outcome import GridOutcome
from test_experiment import OPTIONS, events, fake_train  # noqa: F401 (a fixture)

RUNS = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B


@pytest.mark.parametrize("gone", ["moved", "deleted"])
def test_a_grid_whose_folder_went_stops_before_its_next_run(tmp_path, fake_train, gone):  # noqa: F811
    out, moved = tmp_path / "grid", tmp_path / "grid-moved"
    lines = []

    def log(line):
        lines.append(line)
        if line.startswith("done random0/baseA"):  # as the user does while the grid runs
            shutil.move(out, moved) if gone == "moved" else shutil.rmtree(out)

    with pytest.raises(grid_folder.GridFolderGone, match=f"^{out} was moved or deleted while the grid ran; "
                                                         f"stopped rather than train its runs left into a second, "
                                                         f"partial grid folder there$") as stopped:
        scheduler.run_grid(RUNS, out, OPTIONS, train_command=fake_train, log=log, poll_seconds=0.01)
    outcome = stopped.value.grid_outcome
    assert (outcome.finished, outcome.not_started) == (["random0/baseA"], ["random0/baseB", "random0/A1B"]), lines
    assert not out.exists()  # nothing made again at its old place
    assert [line for line in lines if line.startswith("[")] == ["[1/3] start random0/baseA on CPU"]
    if gone == "moved":  # rerun where it is now: it goes on
        assert scheduler.run_grid(RUNS, moved, OPTIONS, train_command=fake_train, log=lines.append,
                                  poll_seconds=0.01).skipped == ["random0/baseA"]


def test_a_run_whose_folder_went_with_the_grids_is_stopped_not_failed(tmp_path, fake_train, monkeypatch):  # noqa: F811
    """The grid's folder moved while baseA trained: baseA (killed here, as its folder went) was told
    FAILED, "deleted while it trained ... a rerun trains it from the start", though its run folder,
    with its checkpoint, is in the moved grid folder, which a rerun there resumes."""
    out, moved = tmp_path / "grid", tmp_path / "grid-moved"
    monkeypatch.setenv("FAKE_TRAIN_SAY", "warning: training")  # relayed while the run trains
    monkeypatch.setenv("FAKE_TRAIN_SECONDS", "60")  # killed long before
    lines = []

    def log(line):
        lines.append(line)
        if line == "random0/baseA: warning: training":
            shutil.move(out, moved)
            os.kill(events(moved, "random0/baseA")[0]["pid"], signal.SIGKILL)

    with pytest.raises(grid_folder.GridFolderGone) as stopped:
        scheduler.run_grid(RUNS, out, OPTIONS, train_command=fake_train, log=log, poll_seconds=0.01)
    outcome = stopped.value.grid_outcome
    assert (outcome.stopped, outcome.failed, outcome.not_started) == (
        ["random0/baseA"], [], ["random0/baseB", "random0/A1B"]), lines
    assert lines[-1] == "stopped random0/baseA (killed by SIGKILL): the grid's folder was moved or deleted", lines
    assert not out.exists()


def test_the_command_line_says_to_put_the_folder_back_or_give_its_new_place(tmp_path, capsys):
    """Its advice was a full disk's ("fix that, then rerun the same command"), which names no fix."""
    gone = grid_folder.GridFolderGone(errno.ENOENT, f"{tmp_path} was moved or deleted while the grid ran; stopped")
    gone.grid_outcome = GridOutcome(["random0/baseA"], [], [], [], not_started=["random0/baseB"])
    with pytest.raises(grid_folder.GridFolderGone) as told:
        with told_where_it_stopped(tmp_path):
            raise gone
    assert str(told.value) == (f"{tmp_path} was moved or deleted while the grid ran; stopped; put it back (or give its "
                               f"new place as --out), then rerun the same command to finish the grid: it keeps the "
                               f"runs finished there and resumes those stopped from their checkpoints")
    assert "1 trained" in capsys.readouterr().out  # what it did before, told first
