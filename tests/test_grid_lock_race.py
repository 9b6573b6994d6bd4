"""Grids that start planning on one folder as another, refused while planning there, removes it
(:class:`minitransfer.grid_folder.GridLock`): it was empty or missing when the refused one began."""

import os

from minitransfer import grid_folder
from minitransfer.grid_folder import GridLock


def test_a_grid_whose_folder_a_refused_grid_removes_as_it_opens_its_lock_plans_there(micro_data, tmp_path,
                                                                                      monkeypatch):
    """The refused grid removed the folder it had created between this grid's mkdir and its opening of
    the planning lock: this grid stopped with "cannot write .experiment-planning.lock: No such file or
    directory" (exit 74), in a folder it may write. It makes the folder again and plans."""
    out = tmp_path / "grid"
    real_open, removed = os.open, []

    def open_after_removal(path, *args):
        if not removed:  # what GridLock.__exit__ of the refused grid does, just now
            removed.append(path)
            os.rmdir(out)
        return real_open(path, *args)

    monkeypatch.setattr(grid_folder.os, "open", open_after_removal)
    with GridLock(out, {"data": micro_data, "max_iter": 2, "device": "cpu"}, log=lambda line: None) as lock:
        lock.planned()
        assert sorted(os.listdir(out)) == [GridLock.PLANNING, GridLock.WORKING]
    assert removed == [out / GridLock.PLANNING]
