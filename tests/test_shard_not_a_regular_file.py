"""A dataset file's name that holds a named pipe, or a symbolic link to a device, is said as what it is: a shard's at
the check at the start was a "missing shard: deleted or moved since the dataset was prepared", a link to /dev/zero one
"which leads to no file", the mean image's an "empty file"; meta.json's, put there mid-run, hung the run at its next
checkpoint. None is opened (a pipe's open waits for a writer, /dev/zero's hashing would last forever)."""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from minitransfer.data import dataset
from minitransfer.data.schema import DatasetError


def _shard_replaced(micro_data, tmp_path, make):
    folder = tmp_path / "data"
    shutil.copytree(micro_data, folder)
    shard = folder / dataset.open_dataset(folder).shards("train")[0]["file"]
    shard.unlink()
    make(shard)
    return shard


def test_named_pipe_in_a_shard_place_is_said_as_one(micro_data, tmp_path):
    shard = _shard_replaced(micro_data, tmp_path, os.mkfifo)
    with pytest.raises(DatasetError) as raised:
        dataset.open_dataset(shard.parent)
    assert str(raised.value).startswith(f"{shard}: not a regular file but a named pipe")
    assert "missing" not in str(raised.value)


def test_link_to_a_device_in_a_shard_place_is_said_as_leading_to_one(micro_data, tmp_path):
    shard = _shard_replaced(micro_data, tmp_path, lambda path: path.symlink_to("/dev/zero"))
    with pytest.raises(DatasetError) as raised:
        dataset.open_dataset(shard.parent)
    assert str(raised.value).startswith(f"{shard}: a symbolic link to /dev/zero, which leads to a folder, a pipe or "
                                        f"a device")


def test_link_leading_nowhere_is_still_said_so(micro_data, tmp_path):
    shard = _shard_replaced(micro_data, tmp_path, lambda path: path.symlink_to(tmp_path / "gone.h5"))
    with pytest.raises(DatasetError, match="which leads to no file"):
        dataset.open_dataset(shard.parent)


def test_named_pipe_in_the_mean_image_place_is_said_as_one(micro_data, tmp_path):
    """Its size, 0, was an "empty file (0 bytes)"."""
    folder = tmp_path / "data"
    shutil.copytree(micro_data, folder)
    (folder / "mean.h5").unlink()
    os.mkfifo(folder / "mean.h5")
    with pytest.raises(DatasetError) as raised:
        dataset.open_dataset(folder).check_checksums()  # every file, mean.h5 too
    assert str(raised.value).startswith(f"{folder / 'mean.h5'}: not a regular file but a named pipe")


def test_named_pipe_put_in_meta_json_place_mid_run_is_said_not_waited_on(micro_data, tmp_path):
    """A checkpoint's check of the dataset read meta.json again: a named pipe there made its read wait for a writer,
    forever (the run hung at its next checkpoint). Run in a child, so that a hang fails the test, not the suite."""
    folder = tmp_path / "data"
    shutil.copytree(micro_data, folder)
    child = textwrap.dedent("""
        import os, sys
        from minitransfer.data import dataset
        from minitransfer.data.schema import DatasetError
        data = dataset.open_dataset(sys.argv[1])
        data.check_checksums("train")
        os.unlink(os.path.join(sys.argv[1], "meta.json"))
        os.mkfifo(os.path.join(sys.argv[1], "meta.json"))
        try:
            data.check_unchanged()
        except DatasetError as error:
            print(error)
    """)
    done = subprocess.run([sys.executable, "-c", child, str(folder)], capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith(f"{folder / 'meta.json'}: no longer a file (a named pipe"), done


def test_named_pipe_in_meta_json_place_is_not_waited_on_where_a_shard_changed_too(micro_data, tmp_path):
    """A shard found changed asks whether the whole folder changed (changed_since.folder_changed), which read
    meta.json: a named pipe there made that read wait for a writer, forever. In a child, so that a hang fails."""
    folder = tmp_path / "data"
    shutil.copytree(micro_data, folder)
    child = textwrap.dedent("""
        import os, sys
        from minitransfer.data import changed_since, dataset
        from minitransfer.data.schema import DatasetError
        data = dataset.open_dataset(sys.argv[1])
        os.unlink(os.path.join(sys.argv[1], "meta.json"))
        os.mkfifo(os.path.join(sys.argv[1], "meta.json"))
        for ask in (lambda: changed_since.folder_changed(data.path, data.fingerprint, OSError("a shard changed")),
                    lambda: changed_since.check_meta_unchanged(data.path, data.fingerprint)):
            try:
                ask()
            except DatasetError as error:
                print(error)
    """)
    done = subprocess.run([sys.executable, "-c", child, str(folder)], capture_output=True, text=True, timeout=60)
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith(f"{folder / 'meta.json'}: no longer a file (a named pipe")
                                   for line in lines), done
