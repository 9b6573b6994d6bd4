"""The grid's folder moved (renamed) or deleted while the grid runs: the run training then stops
itself (its run folder gone), but the grid started its next runs at the folder's old place, making
a second, partial grid folder there (no plan, no locks, its bases elsewhere) and training on."""

import errno
import os
import shutil
import signal

import pytest

from minitransfer import experiment as grid
from minitransfer import grid_folder, run_lock, scheduler
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


def test_a_run_whose_folder_went_with_the_grids_is_not_said_deleted_nor_stopped_with_a_checkpoint(
        tmp_path, fake_train, monkeypatch):  # noqa: F811
    """The grid's folder moved while baseA trained: baseA (killed here, as its folder went) was told
    FAILED, "deleted while it trained ... a rerun trains it from the start", though its run folder is
    in the moved grid folder, which a rerun there resumes from its last checkpoint, if any; then it was
    counted "stopped with a checkpoint", though it wrote none (no exit 75; the real train's own stop
    there, exit 74, writes none either). Now it failed, its folder gone with the grid's."""
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
        [], ["random0/baseA"], ["random0/baseB", "random0/A1B"]), lines
    assert not (moved / "random0" / "baseA.run" / "checkpoint").exists()  # what "with a checkpoint" would say
    assert lines[-1] == ("FAILED random0/baseA (killed by SIGKILL); its run folder went with the grid's folder, and "
                         "its output (train.log) with it"), lines
    assert outcome.causes() == ["random0/baseA: its run folder went with the grid's folder, moved or deleted while it "
                                "trained, before it wrote a checkpoint on stopping (killed by SIGKILL): where it was "
                                "moved, a rerun there resumes it from its last checkpoint, if it had written one, "
                                "else trains it from the start"]
    assert not out.exists()


def test_the_command_line_says_to_rerun_with_the_new_place_if_moved_and_that_deleted_starts_over(tmp_path, capsys):
    """Its advice was a full disk's ("fix that, then rerun the same command"), which names no fix; then "put it
    back (or give its new place as --out), then rerun the same command ... it keeps the runs finished there",
    untrue of a deleted folder, and no longer the same command once --out changes."""
    gone = grid_folder.GridFolderGone(errno.ENOENT, f"{tmp_path} was moved or deleted while the grid ran; stopped")
    gone.grid_outcome = GridOutcome(["random0/baseA"], [], [], {}, not_started=["random0/baseB"])
    with pytest.raises(grid_folder.GridFolderGone) as told:
        with told_where_it_stopped(tmp_path):
            raise gone
    assert str(told.value) == (f"{tmp_path} was moved or deleted while the grid ran; stopped; if you moved it, rerun "
                               f"with --out NEW_PLACE to finish the grid: it keeps the runs finished and resumes "
                               f"those stopped from their checkpoints; if it was deleted, a rerun starts the grid "
                               f"again from nothing")
    assert "1 trained" in capsys.readouterr().out  # what it did before, told first


def test_the_summary_of_a_grid_whose_folder_went_does_not_point_at_it(tmp_path, fake_train, capsys):  # noqa: F811
    """The summary ended "results in OUT (minitransfer report OUT)", where nothing was any more."""
    out = tmp_path / "grid"
    log, _ = _removing_after_first_run(out, lambda: shutil.move(out, tmp_path / "grid-moved"))
    with pytest.raises(grid_folder.GridFolderGone):
        with told_where_it_stopped(out):
            scheduler.run_grid(RUNS, out, OPTIONS, train_command=fake_train, log=log, poll_seconds=0.01)
    said = capsys.readouterr().out
    assert said == (f"1 trained, 0 already done, 0 failed, 0 stopped with a checkpoint, 2 not started (a rerun "
                    f"trains them); the runs were in {out}, which was moved or deleted while the grid ran (if moved: "
                    f"minitransfer report NEW_PLACE)\n"), said
    assert not out.exists()


def _removing_after_first_run(out, remove):
    """A grid log that calls ``remove()`` as the grid's first run is done, and the lines it took."""
    lines = []

    def log(line):
        lines.append(line)
        if line.startswith("done random0/baseA"):
            remove()
    return log, lines


@pytest.mark.parametrize("how", ["removed", "replaced"])
def test_a_grid_whose_working_lock_file_went_says_so_not_that_its_folder_went(tmp_path, fake_train, how):  # noqa: F811
    """Its lock file removed by hand (a "stale lock" cleanup), the grid in place stopped with "OUT was
    moved or deleted while the grid ran", which it was not; a lock file made anew there is no lock it holds."""
    out = tmp_path / "grid"
    lock = out / grid_folder.GridLock.WORKING
    log, lines = _removing_after_first_run(out, lambda: (lock.unlink(), how == "replaced" and lock.touch()))
    with pytest.raises(grid_folder.GridLockLost, match=f"^{lock}: this grid's working lock was removed or replaced "
                                                       f"while the grid ran .*so nothing stops another minitransfer "
                                                       f"experiment from starting in {out} and training its runs "
                                                       f"alongside this grid's; stopped so that two grids never "
                                                       f"train in one folder") as stopped:
        scheduler.run_grid(RUNS, out, OPTIONS, train_command=fake_train, log=log, poll_seconds=0.01)
    outcome = stopped.value.grid_outcome
    assert (outcome.finished, outcome.not_started) == (["random0/baseA"], ["random0/baseB", "random0/A1B"]), lines
    assert not any("moved or deleted" in line for line in lines), lines
    with pytest.raises(grid_folder.GridLockLost) as told:
        with told_where_it_stopped(out):
            raise stopped.value
    assert str(told.value).endswith("; once no other grid works there, rerun the same command to finish the grid: it "
                                    "keeps the runs finished and resumes those stopped from their checkpoints")
    assert scheduler.run_grid(RUNS, out, OPTIONS, train_command=fake_train, log=lines.append,  # as it says
                              poll_seconds=0.01).skipped == ["random0/baseA"]


def test_a_grid_folder_replaced_by_another_is_gone_though_a_folder_is_there(tmp_path, fake_train):  # noqa: F811
    out, moved = tmp_path / "grid", tmp_path / "grid-moved"
    log, _ = _removing_after_first_run(out, lambda: (shutil.move(out, moved), out.mkdir(),
                                                     (out / grid_folder.GridLock.WORKING).touch()))
    with pytest.raises(grid_folder.GridFolderGone, match=f"^{out} was moved or deleted while the grid ran"):
        scheduler.run_grid(RUNS, out, OPTIONS, train_command=fake_train, log=log, poll_seconds=0.01)
    assert os.listdir(out) == [grid_folder.GridLock.WORKING]  # no run of the grid started in the new one


def test_a_grid_folder_deleted_on_nfs_is_gone_not_a_raw_stale_handle(tmp_path, fake_train, monkeypatch):  # noqa: F811
    """On NFS a folder deleted (by another client) answers ESTALE, not ENOENT: the grid stopped with a
    bare "[Errno 116] Stale file handle"."""
    out = tmp_path / "grid"
    stale = {str(out), str(out / grid_folder.GridLock.WORKING)}
    looked_at, deleted = os.stat, []

    def nfs_stat(path, *args, **kwargs):
        if deleted and str(path) in stale:
            raise OSError(errno.ESTALE, os.strerror(errno.ESTALE), str(path))
        return looked_at(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", nfs_stat)
    log, _ = _removing_after_first_run(out, lambda: deleted.append(True))
    with pytest.raises(grid_folder.GridFolderGone, match=f"^{out} was moved or deleted while the grid ran"):
        scheduler.run_grid(RUNS, out, OPTIONS, train_command=fake_train, log=log, poll_seconds=0.01)


@pytest.mark.parametrize("answer", [errno.ESTALE, errno.ENOTDIR, errno.ENOENT], ids=["estale-nfs", "enotdir", "enoent"])
def test_a_lock_file_whose_folder_is_gone_is_not_the_same_file(tmp_path, monkeypatch, answer):
    path = tmp_path / "lock"
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT)
    def gone(*_):
        raise OSError(answer, os.strerror(answer))

    try:
        assert run_lock.same_file(descriptor, path)
        with monkeypatch.context() as patched:  # undone before pytest looks at files to tell a failure
            patched.setattr(os, "stat", gone)
            same = run_lock.same_file(descriptor, path)
    finally:
        os.close(descriptor)
    assert same is False


def test_a_lock_file_on_another_device_with_the_same_inode_is_not_the_same_file(tmp_path, monkeypatch):
    """Only the inodes were compared: another file system's file of the same number was taken as it."""
    path = tmp_path / "lock"
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT)
    looked_at = os.stat

    def on_another_device(*args, **kwargs):
        status = list(looked_at(*args, **kwargs))
        status[2] += 1  # st_dev
        return os.stat_result(status)

    try:
        with monkeypatch.context() as patched:
            patched.setattr(os, "stat", on_another_device)
            inodes = os.stat(path).st_ino, os.fstat(descriptor).st_ino
            same = run_lock.same_file(descriptor, path)
    finally:
        os.close(descriptor)
    assert inodes[0] == inodes[1] and same is False  # the same inode, on another device


def test_a_grid_stopped_by_ctrl_c_after_its_folder_moved_says_it_moved(tmp_path, fake_train, monkeypatch,  # noqa: F811
                                                                       capsys):
    """Its folder moved while baseA trained, then Ctrl-C: the grid returned an interrupted outcome
    ("interrupted: rerun the same command", exit 75), whose summary said "results in OUT", where
    nothing was any more, and whose rerun would have started a second grid there from nothing. Now it
    stops with GridFolderGone carrying the outcome, told as a grid whose folder went."""
    out, moved = tmp_path / "grid", tmp_path / "grid-moved"
    monkeypatch.setenv("FAKE_TRAIN_SAY", "warning: training")  # relayed once the run has set its handler
    monkeypatch.setenv("FAKE_TRAIN_SECONDS", "60")
    lines = []

    def log(line):
        lines.append(line)
        if line == "random0/baseA: warning: training":
            shutil.move(out, moved)
            signal.raise_signal(signal.SIGINT)  # Ctrl-C, to the grid (which stops its run)

    with pytest.raises(grid_folder.GridFolderGone, match=f"^{out} was moved or deleted while the grid ran; "):
        with told_where_it_stopped(out):
            scheduler.run_grid(RUNS, out, OPTIONS, train_command=fake_train, log=log, poll_seconds=0.01)
    assert not any(line.startswith("interrupted: rerun the same command") for line in lines), lines
    said = capsys.readouterr().out
    assert said.endswith(f"2 not started (a rerun trains them); the runs were in {out}, which was moved or deleted "
                         f"while the grid ran (if moved: minitransfer report NEW_PLACE)\n"), said
    assert "1 failed" in said and not out.exists()  # baseA: its folder went with the grid's
