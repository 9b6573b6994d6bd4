"""A base removed while train --copy-from reads it (another process's train --overwrite starting the
base's run over removes its weights file), or a run's checkpoint removed as a resumption reads its
record: said plainly, an I/O error (74), not damage."""

import builtins
import pathlib
import shutil

import pytest
from click.testing import CliRunner
from interrupting import interrupted_after
from test_cross_dataset_refusals import base  # noqa: F401 (a fixture: a micro network, its run folder beside it)

from minitransfer import checkpoint, fileio, hdf5_files
from minitransfer import train as training
from minitransfer.cli import main

FAST = ["--max-iter", "1", "--eval-every", "1", "--batch-size", "8", "--device", "cpu"]



def _removed_at_its_open(path, monkeypatch, when):
    """The file ``path`` removed as the checkpoint module opens it (its one open of a file: it checks, hashes
    and reads it through that handle), ``when`` "before" that open or just "after" it; the list of those opens."""
    opened = []

    def open_then_remove(file, *args, **kwargs):
        if str(file) != str(path):
            return builtins.open(file, *args, **kwargs)
        opened.append(file)
        if when == "before":
            path.unlink()
        handle = builtins.open(file, *args, **kwargs)
        if when == "after":
            path.unlink()
        return handle

    monkeypatch.setattr(checkpoint, "open", open_then_remove, raising=False)
    return opened


def test_a_base_removed_as_it_is_opened_says_so(base, micro_data, tmp_path, monkeypatch):
    """It was "corrupt or incomplete (FileNotFoundError: ...)" (65), "not an HDF5 file (corrupt or not
    a checkpoint)" (65) or "cannot be read (No such file or directory)"."""
    path = tmp_path / "X.h5"
    shutil.copy(base, path)
    opened = _removed_at_its_open(path, monkeypatch, "before")
    done = CliRunner().invoke(main, ["train", "--data", micro_data, "--copy-from", str(path), "--n", "2",
                                     "-o", str(tmp_path / "T.h5"), *FAST])
    assert len(opened) == 1 and not path.exists()
    assert done.exit_code == 74, done.output
    assert done.output == (f"error: checkpoint {path} was removed while it was read (its run started over or "
                           f"moved?): give it again once it is there\n")


def test_a_base_removed_once_it_is_open_is_copied_whole(base, micro_data, tmp_path, monkeypatch):
    """Once open, the file is read whole through its handle, removed or not: a base removed just after
    load's first open (of three, then: a look, the signature, the read) was said removed (74)."""
    path = tmp_path / "X.h5"
    shutil.copy(base, path)
    sha256 = fileio.sha256_file(path)
    opened = _removed_at_its_open(path, monkeypatch, "after")
    done = CliRunner().invoke(main, ["train", "--data", micro_data, "--copy-from", str(path), "--n", "2",
                                     "-o", str(tmp_path / "T.h5"), *FAST])
    assert len(opened) == 1 and not path.exists()
    assert done.exit_code == 0, done.output
    with hdf5_files.open_hdf5(tmp_path / "T.h5", locked=False) as f:
        assert hdf5_files.plain_attribute(f.attrs["parent_sha256"]) == sha256


def test_a_checkpoint_removed_as_its_record_is_read_says_so(micro_data, tmp_path, monkeypatch):
    """read_meta (a resumption reads the run's options recorded with it) said "cannot be read
    ([Errno 2] Unable to synchronously open file ...)", bad data (65), and a resumption went on as
    if it had no record: an I/O error (74), as load says of it."""
    interrupted_after(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, batch_size=8, max_iter=4,
                                           checkpoint_every=2, device="cpu", quiet=True), 2)
    path = tmp_path / "net.run" / "checkpoint.h5"
    opened = []

    def remove_then_open(file, *args, **kwargs):  # read_meta's one open, after its look at the path
        if pathlib.Path(file) == path:
            opened.append(file)
            path.unlink()
        return builtins.open(file, *args, **kwargs)

    monkeypatch.setattr(checkpoint, "open", remove_then_open, raising=False)  # read_meta's: HDF5 reads its handle
    monkeypatch.setattr(checkpoint, "load", lambda *args, **kwargs: pytest.fail("read_meta was to fail first"))
    done = CliRunner().invoke(main, ["train", "--resume", str(tmp_path / "net.run"), "--quiet"])
    assert done.exit_code == 74 and not path.exists(), done.output
    assert done.output == (f"error: checkpoint {path} was removed while it was read (its run started over or "
                           f"moved?): give it again once it is there\n")
    assert not (tmp_path / "net.h5").exists()


@pytest.mark.parametrize("read", [checkpoint.load, checkpoint.read_meta], ids=["load", "read_meta"])
def test_a_checkpoint_this_user_may_not_read_is_an_io_error_for_both_readers(base, read, monkeypatch):
    """read_meta (a grid's status, a resumption's record) said of a file without read permission
    "cannot be read ([Errno 13] ...)" as damage (65), where load said an I/O error (74): the file
    may be sound. The refusal is faked (as root, chmod 000 does not stop a read)."""
    weights = pathlib.Path(base)
    real_open = builtins.open

    def refuse(file, *args, **kwargs):
        if pathlib.Path(file) == weights:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refuse)
    with pytest.raises(fileio.StorageError) as refused:
        read(weights)
    assert str(refused.value) == f"checkpoint {weights}: cannot be read (Permission denied)"
