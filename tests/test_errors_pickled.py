"""Every MinitransferError crosses a process pool (``concurrent.futures`` sends a worker's exception back
pickled) whole: its type, message, args, fields and warnings. Before, those whose ``__init__`` needs more
than their args (CorruptFile, DefaultNameTaken) could not be unpickled, which broke the whole pool
(BrokenProcessPool for every future), LockFileRefused came back with its message worded twice, and those
with a ``__reduce__`` of their own (RunBusy, DiskFull, ...) lost their warnings."""

import concurrent.futures
import errno
import multiprocessing
import pickle

import pytest

from minitransfer import config_checks, fileio, grid_folder, lock_holder, resume, run_destination, run_lock
from minitransfer.data import build, import_writes, integrity, lock
from minitransfer.errors import MinitransferError
from minitransfer.run_outcome import OutOfMemoryMidRun
from minitransfer.left_out import MeasuredNowhere
from test_errors import _exception_classes

HOLDER = lock_holder.Holder(4242, "node7")


def _as_raised(kind, tmp_path):
    """An error of class ``kind`` made as minitransfer raises it: a message alone, but for those below."""
    lock_file = tmp_path / "planning.lock"
    lock_file.touch()
    made_so = {
        integrity.CorruptFile: lambda: kind("data/shard-0.h5: sha256 mismatch", "data/shard-0.h5", "sha256 differs"),
        run_destination.DefaultNameTaken: lambda: kind("all-A3all.h5", "it copies baseS.h5", "all-A3all-T.h5"),
        grid_folder.LockFileRefused: lambda: kind(errno.EACCES, lock_file),
        import_writes.DiskFull: lambda: kind(errno.ENOSPC, "cannot write out/shard-0.h5: no space", {"free": 7}),
        build.ClassesWithoutImages: lambda: kind("no image of class 3", [3], [{"file": "a.jpg", "reason": "cut"}]),
        lock.DatasetBusy: lambda: kind("data is being read", [HOLDER, 17]),
        OutOfMemoryMidRun: lambda: kind("out of memory", "net.run/checkpoint.h5", 3),
        MeasuredNowhere: lambda: kind("A3B_random", "a control on a half", "train A3B"),
        resume.PathMissing: lambda: kind("copy_from", "nope.h5"),
        config_checks.TooFewClasses: lambda: kind("half A of data holds 1 class", "give it more classes"),
    }
    if kind in made_so:
        return made_so[kind]()
    if issubclass(kind, run_lock.RunBusy):  # the holder's PID too (lock.BeingPrepared: a prepare's)
        return kind(f"net.run{run_lock.BUSY}", HOLDER)
    if issubclass(kind, fileio.StorageError):  # errno, message and the file, as OSError takes them
        return kind(errno.EIO, "cannot write out/x.h5: Input/output error", "out/x.h5")
    return kind("the message")


def _errors():
    return sorted((kind for kind in _exception_classes() if issubclass(kind, MinitransferError)),
                  key=lambda kind: f"{kind.__module__}.{kind.__qualname__}")


@pytest.mark.parametrize("kind", _errors(), ids=lambda kind: kind.__qualname__)
def test_every_error_comes_back_whole_pickled(kind, tmp_path):
    error = _as_raised(kind, tmp_path)
    error.warnings = ("a crop sees little of the images",)
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is kind
    assert (str(again), again.args, vars(again)) == (str(error), error.args, vars(error))
    if isinstance(error, OSError):  # pickled by its own rules: its filename is no part of args
        assert (again.errno, again.strerror, again.filename) == (error.errno, error.strerror, error.filename)


def test_the_storage_error_keeps_its_filename():
    """OSError's args leave out the filename given; the error must keep it all the same."""
    error = fileio.StorageError(errno.EIO, "cannot write out/x.h5", "out/x.h5")
    again = pickle.loads(pickle.dumps(error))
    assert (again.errno, again.strerror, again.filename) == (errno.EIO, "cannot write out/x.h5", "out/x.h5")
    assert again.args == (errno.EIO, "cannot write out/x.h5")


def _raise_as_raised(kind, tmp_path):
    raise _as_raised(kind, tmp_path)


def test_a_process_pool_gets_each_error_back_and_goes_on(tmp_path):
    kinds = (integrity.CorruptFile, run_destination.DefaultNameTaken, grid_folder.LockFileRefused)
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        for kind in kinds:
            with pytest.raises(kind) as raised:
                pool.submit(_raise_as_raised, kind, tmp_path).result()
            assert str(raised.value) == str(_as_raised(kind, tmp_path))
