"""Dataset files the system refuses to read, though they may be intact: an HDF5 lock another process
holds (h5py opened the shard for writing), no read permission, a disk's I/O error. Each is one line
naming the file and what to do, exit code 74 (I/O), not "bad data" (65) with HDF5's error stack. And
a shard's name that holds a symbolic link leading nowhere or a folder, said to be one."""

import errno
import fcntl
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import dataset, synthetic
from minitransfer.data.integrity import GONE_SINCE_PREPARED
from minitransfer.data.schema import DatasetError, DatasetUnreadable, read_error

TINY = {"classes": 4, "train_per_class": 8, "val_per_class": 2, "size": 14, "seed": 1, "shard_length": 8}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny dataset and a network trained on it (eval's inputs)."""
    folder = tmp_path_factory.mktemp("unreadable")
    synthetic.build_synthetic(folder / "data", **TINY)
    training.train(config.TrainConfig(out=str(folder / "net.h5"), data=str(folder / "data"), split="all",
                                      preset="micro", batch_size=8, max_iter=2, eval_every=2, quiet=True,
                                      device="cpu"))
    return folder


@pytest.fixture
def copy(trained, tmp_path):
    shutil.copytree(trained / "data", tmp_path / "data")
    return tmp_path / "data"


@pytest.mark.parametrize("command", [["eval", "NET", "--device", "cpu"], ["splits", "DATA", "all"]])
def test_a_shard_another_process_holds_open_for_writing_is_named_as_locked_exit_74(trained, copy, command):
    """h5py opening a shard in mode 'a' elsewhere (a notebook) holds HDF5's exclusive lock on it, taken
    here as HDF5 takes it (flock): before, exit 65 "bad data" with "unable to lock file, errno = 11"."""
    shard = copy / "val-00000.h5"
    args = [str(trained / "net.h5") if arg == "NET" else str(copy) if arg == "DATA" else arg for arg in command]
    with open(shard, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = CliRunner().invoke(main, args + (["--data", str(copy)] if command[0] == "eval" else []))
    assert result.exit_code == 74, result.output
    assert result.output == (f"error: I/O: {shard}: the shard is locked by another process that holds it open for "
                             f"writing (h5py mode 'a', 'r+' or 'w'): close it there and rerun (if that process wrote "
                             f"to it, the rerun finds its sha256 changed: then rerun the prepare command)\n")


_READ_UNDER_CHMOD_000 = """
import sys
from minitransfer.data import dataset, loader, splits
if __name__ == "__main__":
    data = dataset.open_dataset(sys.argv[1])
    half = splits.make_half(data, "all")
    try:
        with loader.BatchLoader(data, "train", half.train_indices, half.train_labels, 4, 12, train=False,
                                workers=int(sys.argv[2])) as batches:
            next(batches)
            data.shard_paths("train")[-1].chmod(0)  # a shard no reader has opened yet
            for _ in batches:
                pass
    except dataset.DatasetError as error:
        print(type(error).__name__, error)
"""


def _without_root_rights():
    """The command prefix that runs a process without the rights that let root read any file, or a skip."""
    if os.geteuid() != 0:
        return []
    if shutil.which("capsh") is None:
        pytest.skip("running as root, and capsh (to drop root's right to read any file) is absent")
    return ["capsh", "--drop=cap_dac_override,cap_dac_read_search", "--"]


@pytest.mark.parametrize("workers", [0, 1], ids=["in-process", "1-worker"])
def test_a_shard_made_unreadable_while_a_loader_reads_it_is_an_io_error_naming_it(copy, workers, tmp_path):
    """chmod 000 on the last shard after the first batch: the reader that opens it then is refused (before,
    exit 65, a "bad data" that rerunning prepare does not mend)."""
    script = tmp_path / "read.py"
    script.write_text(_READ_UNDER_CHMOD_000)
    command = [sys.executable, str(script), str(copy), str(workers)]
    prefix = _without_root_rights()
    ran = subprocess.run(prefix + (["-c", " ".join(command)] if prefix else command), capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}, timeout=120)
    assert ran.stdout.startswith("DatasetUnreadable "), ran.stdout + ran.stderr
    assert ran.stdout.endswith(f"{copy / 'train-00003.h5'}: the shard is not readable by this user (permission "
                               f"denied): give read access to it (chmod a+r) and rerun\n"), ran.stdout


@pytest.mark.parametrize("number, kind", [(None, DatasetError), (errno.ENOENT, DatasetError),
                                          (errno.EACCES, DatasetUnreadable), (errno.EAGAIN, DatasetUnreadable),
                                          (errno.EIO, DatasetUnreadable), (errno.ENOLCK, DatasetUnreadable)],
                         ids=["no-errno", "ENOENT", "EACCES", "EAGAIN", "EIO", "ENOLCK"])
def test_a_read_refused_by_the_system_is_told_from_a_damaged_file(number, kind):
    """h5py's "file signature not found" has no errno (the file is at fault: bad data); an errno is the
    system's refusal (I/O), still a DatasetError, so that a training saves its iterations before it ends."""
    error = read_error("data/train-00000.h5", "shard", OSError(number, "refused") if number else OSError("bad"))
    assert type(error) is kind and isinstance(error, DatasetError)
    assert str(error).startswith("data/train-00000.h5: ")
    if kind is DatasetUnreadable:
        assert isinstance(error, OSError) and "rerun" in str(error)


@pytest.mark.parametrize("replacement, message", [
    ("link", "a symbolic link to {target}, which leads to no file: copy the shard there, or rerun the prepare command "
             "that built it"),
    ("folder", "a folder where meta.json lists a shard file: rerun the prepare command that built it"),
    ("none", f"missing shard: {GONE_SINCE_PREPARED}")], ids=["dangling-link", "folder", "missing"])
def test_a_shard_that_is_a_link_leading_nowhere_or_a_folder_is_said_to_be_one(copy, tmp_path, replacement, message):
    """Before, each was "missing shard", though `ls` shows it there."""
    shard, target = copy / "val-00000.h5", tmp_path / "elsewhere" / "val-00000.h5"
    shard.unlink()
    if replacement == "link":
        shard.symlink_to(target)
    elif replacement == "folder":
        shard.mkdir()
    with pytest.raises(DatasetError) as error:
        dataset.open_dataset(copy)
    assert str(error.value) == f"{shard}: {message.format(target=target)}"
