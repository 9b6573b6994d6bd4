"""A checkpoint whose read the system refuses with an input/output error (a failing disk, a network file system
that dropped its server) as a run resumes from it, or a network is loaded from it: an I/O error (74) naming the
file, as for one this user may not read; it said "corrupt or incomplete" (65), though the file may be sound (a
retry once the disk answers reads it), and a run's checkpoint so called is one its user starts over without."""

import builtins
import contextlib
import errno
import io
import pathlib

import h5py
import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import checkpoint, fileio, hdf5_files
from minitransfer import train as training
from minitransfer.cli import main

REPAIR = ": a fault of the disk or file system; rerun once it is repaired"  # what a dataset's file read so says


class FailingReads(io.RawIOBase):
    """A file open for reading whose every read fails as a failing disk's does (EIO)."""

    def readable(self):
        return True

    def readinto(self, buffer):
        raise OSError(errno.EIO, "Input/output error")


def _reads_fail(monkeypatch, path):
    """Every open of ``path`` by the checkpoint module's readers gives a file whose reads fail with EIO (its bytes
    hashed), and HDF5's reads of it fail so too, the system's error passed on as h5py does (OSError, errno 5)."""
    real_open, real_open_hdf5 = builtins.open, hdf5_files.open_hdf5

    @contextlib.contextmanager
    def open_hdf5_failing(file, *args, **kwargs):
        if isinstance(file, (str, pathlib.Path)) and pathlib.Path(file) == path:
            raise OSError(errno.EIO, "Input/output error")
        with real_open_hdf5(file, *args, **kwargs) as handle:
            yield handle

    monkeypatch.setattr(hdf5_files, "open_hdf5", open_hdf5_failing)

    def open_failing(file, *args, **kwargs):
        if pathlib.Path(file) == path:
            real_open(file, *args, **kwargs).close()  # there, and this user may open it
            return io.BufferedReader(FailingReads())
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(checkpoint, "open", open_failing, raising=False)


@pytest.fixture
def stopped_run(micro_data, tmp_path):
    """A run stopped after iteration 2 of 4, its checkpoint written: its weights file's path."""
    out = tmp_path / "net.h5"
    interrupted_after(training.TrainConfig(out=str(out), data=micro_data, batch_size=8, max_iter=4,
                                           checkpoint_every=2, device="cpu", quiet=True), 2)
    return out


@pytest.mark.parametrize("read", [checkpoint.load, checkpoint.read_meta], ids=["load", "read_meta"])
def test_a_checkpoint_whose_read_fails_is_an_io_error_not_damage(stopped_run, monkeypatch, read):
    """load met the error hashing the file's bytes, read_meta (a resumption's record, a grid's status) as HDF5
    read its header: both said it damaged (65)."""
    path = stopped_run.with_suffix(".run") / "checkpoint.h5"
    _reads_fail(monkeypatch, path)
    with pytest.raises(fileio.StorageError) as refused:
        read(path)
    assert refused.value.errno == errno.EIO
    assert str(refused.value) == f"checkpoint {path}: cannot be read (Input/output error){REPAIR}"


def test_a_resumption_whose_checkpoint_read_fails_exits_74_and_keeps_the_run(stopped_run, monkeypatch):
    run = stopped_run.with_suffix(".run")
    path = run / "checkpoint.h5"
    before = {file.name: file.read_bytes() for file in run.iterdir() if file.is_file()}
    _reads_fail(monkeypatch, path)
    done = CliRunner().invoke(main, ["train", "--resume", str(run), "--quiet"])
    assert done.exit_code == 74, done.output
    assert done.output == f"error: checkpoint {path}: cannot be read (Input/output error){REPAIR}\n"
    assert "corrupt" not in done.output and "Traceback" not in done.output
    assert {file.name: file.read_bytes() for file in run.iterdir() if file.is_file()} == before
    assert not stopped_run.exists()


def test_an_array_whose_read_fails_once_the_file_was_hashed_is_an_io_error_not_damage(stopped_run, monkeypatch):
    """The bytes hashed (from the page cache), the read of an array failing (a network file system's transient
    error): it said "/conv1/W cannot be read: the file is damaged" (65)."""
    path = stopped_run.with_suffix(".run") / "checkpoint.h5"

    class FailingArray:
        def __getitem__(self, key):
            raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(h5py.Dataset, "astype", lambda dataset, dtype: FailingArray())
    with pytest.raises(fileio.StorageError) as refused:
        checkpoint.load(path)
    assert refused.value.errno == errno.EIO
    assert str(refused.value) == f"checkpoint {path}: cannot be read (Input/output error){REPAIR}"
