"""A grid's run log that cannot be written (a full disk) as the grid starts the run's train: the error names the
run's train.log, and the file apart the grid made for that train's output (a temporary beside the log) is removed.
It said "cannot write g3/random0/baseA.run/.train.log.tmp-HOST-PID: ...", and that empty file stayed beside the log
until a train next wrote the run."""

import builtins
import errno
import os

import pytest

from minitransfer import experiment, fileio, grid_launch


def _full_disk(monkeypatch):
    """Every write of text to a file that fileio appends to fails as on a full disk (ENOSPC); an empty one writes
    nothing, and passes, as on a disk."""
    def opened(*args, **kwargs):
        stream = builtins.open(*args, **kwargs)

        def write(text):
            if text:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return 0
        stream.write = write
        return stream

    monkeypatch.setattr(fileio, "open", opened, raising=False)


@pytest.mark.parametrize("apart", [True, False])
def test_a_run_log_that_cannot_be_written_is_named_and_nothing_is_left_beside_it(tmp_path, monkeypatch, apart):
    out, run = tmp_path / "g3", experiment.Run("random0/baseA", "base", "random", 0)
    _full_disk(monkeypatch)
    with pytest.raises(fileio.StorageError) as raised:
        grid_launch.open_run_log(out, run, ["minitransfer", "train"], apart=apart)
    folder = experiment.run_dir(out, run)
    assert str(raised.value).startswith(f"cannot write {folder / experiment.LOG_FILE}: "), raised.value
    assert raised.value.errno == errno.ENOSPC
    assert sorted(path.name for path in folder.iterdir()) == [experiment.LOG_FILE]  # the log, made, and only it
