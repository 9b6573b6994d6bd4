"""A write refused on a disk out of inodes ends "...; delete some files and rerun" (fileio.INODES_RERUN). The
messages that replace that advice with their own (a grid's or a demo's "free some space, then rerun the same command
to ...", a run's unsaved iterations "...: free some space and rerun ...") stripped only "; free some space and rerun",
so such a disk was told both: "...; delete some files and rerun; free some space, then rerun the same command ...".
Each now strips either ending and tells a disk out of inodes to delete files, and one with inodes left to free space.
"""

import errno
import os
import types

import pytest
from test_out_of_inodes_advice import _statvfs

from minitransfer import fileio
from minitransfer.grid_outcome import fix_then_rerun
from minitransfer.run_failures import RunFailures

INODES_LEFT = "MB free but no inodes (file entries) left there)"


def _disk_full(tmp_path, monkeypatch, inodes_free):
    """The error of a 1620-byte result.json refused with ENOSPC on a disk with ``inodes_free`` of 1000 inodes free."""
    monkeypatch.setattr(os, "statvfs", _statvfs(inodes_free))
    return fileio.storage_error(tmp_path / "result.json", OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), 1620)


@pytest.mark.parametrize("inodes_free, fix, other", [(0, "delete some files", "free some space"),
                                                     (7, "free some space", "delete some files")])
def test_a_grids_advice_to_rerun_names_one_fix_for_the_disk(tmp_path, monkeypatch, inodes_free, fix, other):
    refused = _disk_full(tmp_path, monkeypatch, inodes_free)
    said = str(fix_then_rerun(refused, "rerun the same command to go on", kept="every network is kept: "))
    reason = f"cannot write {tmp_path / 'result.json'}: {os.strerror(errno.ENOSPC)} (1.6 kB needed, "
    assert said.startswith(reason), said
    assert said.endswith(f" free{' but no inodes (file entries) left' if not inodes_free else ''} there); "
                         f"every network is kept: {fix}, then rerun the same command to go on"), said
    advice = said.removeprefix(reason)  # the test's folder, named after it, says "rerun" too
    assert other not in advice and advice.count("rerun") == 1, said


def _run(done):
    """A run stopped after ``done`` iterations with no checkpoint written yet, as RunFailures sees it."""
    run = RunFailures()
    run.done, run.saved, run.files, run.plan = done, 0, types.SimpleNamespace(checkpoint="checkpoint.h5"), None
    return run


@pytest.mark.parametrize("inodes_free, fix, other", [(0, "delete some files", "free some space"),
                                                     (7, "free some space", "delete some files")])
def test_a_runs_unsaved_iterations_name_one_fix_for_the_disk(tmp_path, monkeypatch, inodes_free, fix, other):
    refused = _disk_full(tmp_path, monkeypatch, inodes_free)
    error = _run(5)._unsaved(refused, "SIGINT: stopped after iteration 5", "", " to start the run")
    said = str(error)
    assert isinstance(error, fileio.StorageError) and error.errno == errno.ENOSPC, error
    assert (INODES_LEFT + ") and are lost" in said) == (inodes_free == 0), said  # the reason whole, its advice not
    assert said.endswith(f"as no checkpoint was written yet: {fix} and rerun to start the run"), said
    advice = said.split(" there)")[-1]  # the test's folder, named after it, says "rerun" too
    assert other not in advice and advice.count("rerun") == 1, said
