"""A grid's transfers failing with bad data (exit 65) each for a reason of its own (a damaged target dataset,
their own checkpoint), their base's weights sound: the launcher's loop reads that base's whole weights file once,
not once per transfer (before, 28 reads of CaffeNet's 240 MB), and again only where the file was rewritten or
replaced since (its size, mtime or inode changed), which may have damaged it."""

import os

import pytest

from minitransfer import grid_run_ends
from minitransfer.experiment import plan_grid, weights_path
from minitransfer.grid_outcome import EXIT_BAD_DATA, GridOutcome
from minitransfer.grid_run_ends import RunEnds

BAD = b"cut short"


class Grid(RunEnds):
    """As much of a grid as noting a base's damage takes: its folder and its outcome."""

    def __init__(self, out):
        self.out = out
        self.outcome = GridOutcome([], [], [], {})
        self.sound_bases = {}


@pytest.fixture
def reads(monkeypatch):
    """The paths the grid reads as weights, in order: a stand-in for checkpoint.load that reads the file's bytes,
    refusing those starting with BAD as a checkpoint cut short."""
    read = []

    def load(path, solver=True):
        read.append(str(path))
        if open(path, "rb").read().startswith(BAD):
            raise grid_run_ends.checkpoints.CheckpointError(f"checkpoint {path}: cut short")
        return object()

    monkeypatch.setattr(grid_run_ends.checkpoints, "load", load)
    return read


def _transfers(tmp_path):
    """The grid's folder (random0/baseA's weights sound in it) and the frozen transfers copying from baseA."""
    transfers = [run for run in plan_grid(layers=(1, 2, 3, 4), fine_tuned=False) if run.parent == "random0/baseA"]
    assert len(transfers) == 4
    path = weights_path(tmp_path, "random0/baseA")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"sound weights")
    return tmp_path, path, transfers


def test_a_sound_base_is_read_once_for_all_its_transfers_failing_with_bad_data(tmp_path, reads):
    out, path, transfers = _transfers(tmp_path)
    grid = Grid(out)
    for run in transfers:
        assert grid._base_damaged(run, EXIT_BAD_DATA) == []
    assert reads == [str(path)]
    assert grid.outcome.damaged == {}
    assert grid._base_damaged(transfers[0], 1) == []  # not bad data: not read at all
    assert reads == [str(path)]


@pytest.mark.parametrize("how", ["cut short", "rewritten, same size", "replaced, same size and time"])
def test_a_base_rewritten_between_two_failures_is_read_again(tmp_path, reads, how):
    out, path, transfers = _transfers(tmp_path)
    grid = Grid(out)
    assert grid._base_damaged(transfers[0], EXIT_BAD_DATA) == []
    was = os.stat(path)
    if how == "cut short":
        path.write_bytes(BAD)
    elif how == "rewritten, same size":  # in place: its inode the same, its mtime later
        path.write_bytes(BAD + b"xxxx")
        os.utime(path, ns=(was.st_atime_ns, was.st_mtime_ns + 1_000_000))
    else:  # renamed over it: another inode, its size and time as they were
        new = path.with_name("copy.h5")
        new.write_bytes(BAD + b"xxxx")
        os.utime(new, ns=(was.st_atime_ns, was.st_mtime_ns))
        os.replace(new, path)
    assert os.stat(path).st_size == was.st_size or how == "cut short"
    said = grid._base_damaged(transfers[1], EXIT_BAD_DATA)
    assert reads == [str(path)] * 2
    assert list(grid.outcome.damaged) == ["random0/baseA"]
    assert len(said) == 1 and "random0/baseA's weights cannot be read" in said[0] and "cut short" in said[0]
    for run in transfers[2:]:  # damaged, noted once: not read again
        assert grid._base_damaged(run, EXIT_BAD_DATA) == []
    assert len(reads) == 2


def test_a_base_read_sound_again_after_a_rewrite_is_then_remembered_anew(tmp_path, reads):
    out, path, transfers = _transfers(tmp_path)
    grid = Grid(out)
    grid._base_damaged(transfers[0], EXIT_BAD_DATA)
    path.write_bytes(b"other sound weights")
    for run in transfers[1:]:
        assert grid._base_damaged(run, EXIT_BAD_DATA) == []
    assert len(reads) == 2 and grid.outcome.damaged == {}


def test_a_base_that_could_not_be_read_is_not_remembered_sound(tmp_path, reads, monkeypatch):
    """Its read refused (an OSError, no fault of the file's): not known sound, read again at the next failure."""
    out, path, transfers = _transfers(tmp_path)
    grid = Grid(out)
    sound_load = grid_run_ends.checkpoints.load

    def refused(path, solver=True):
        reads.append(str(path))
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(grid_run_ends.checkpoints, "load", refused)
    assert grid._base_damaged(transfers[0], EXIT_BAD_DATA) == []
    monkeypatch.setattr(grid_run_ends.checkpoints, "load", sound_load)
    for run in transfers[1:]:
        assert grid._base_damaged(run, EXIT_BAD_DATA) == []
    assert len(reads) == 2 and grid.outcome.damaged == {}


def test_a_base_replaced_as_it_was_read_is_not_remembered_sound(tmp_path, reads, monkeypatch):
    """The file read whole, yet another renamed over it meanwhile (its base retrained, a copy landing): that other
    one is not known sound, and is read at the next failure."""
    out, path, transfers = _transfers(tmp_path)
    grid = Grid(out)
    stand_in = grid_run_ends.checkpoints.load

    def replaced_meanwhile(path, solver=True):
        checkpoint = stand_in(path, solver)
        new = path.with_name("copy.h5")
        new.write_bytes(BAD)
        os.replace(new, path)
        return checkpoint

    monkeypatch.setattr(grid_run_ends.checkpoints, "load", replaced_meanwhile)
    assert grid._base_damaged(transfers[0], EXIT_BAD_DATA) == []
    monkeypatch.setattr(grid_run_ends.checkpoints, "load", stand_in)
    said = grid._base_damaged(transfers[1], EXIT_BAD_DATA)
    assert len(reads) == 2 and list(grid.outcome.damaged) == ["random0/baseA"] and len(said) == 1
