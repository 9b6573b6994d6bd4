"""A dataset read, or prepared again, by a user who may not write its folder (another user's, umask 022:
drwxr-sr-x). Its reader could not create the lock file there, found none (prepare removed it when done)
and read unlocked, so the owner's ``prepare --overwrite`` replaced the files under a running training;
and a rerun of prepare with the same options, which writes nothing, failed "cannot write DATA/lock".

Run as root, the other user is nobody under setpriv (:mod:`test_grid_shared_folder`'s way)."""

import subprocess

import pytest

from minitransfer.data import dataset, lock, synthetic
from test_grid_shared_folder import _umask, as_nobody, group_folder  # noqa: F401 (a fixture)

TINY = {"classes": 4, "train_per_class": 8, "val_per_class": 2, "size": 14, "seed": 1}
RERUN = ["prepare", "synthetic", "--classes", "4", "--train-per-class", "8", "--val-per-class", "2", "--seed", "1",
         "--size", "14"]
# A reader of the dataset argv[1] (a training's hold on it), which says so and reads until its stdin closes
READING = ("import sys; from minitransfer.data import dataset\n"
           "with dataset.open_dataset(sys.argv[1]).reading():\n"
           "    print('reading', flush=True); sys.stdin.read()")


@pytest.fixture
def others_data(group_folder):
    """A dataset that root prepared under umask 022 (its folder drwxr-sr-x: nobody may read, not write)."""
    with _umask(0o022):
        return synthetic.build_synthetic(group_folder / "data", **TINY).path


def test_prepare_is_refused_while_another_user_reads_the_dataset(others_data):
    reader = subprocess.Popen(**as_nobody("-c", READING, others_data), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline() == "reading\n", reader.stderr.read()
        busy = rf"is being read by another minitransfer process .*PID {reader.pid}"
        with pytest.raises(lock.DatasetBusy, match=busy):
            synthetic.build_synthetic(others_data, **{**TINY, "seed": 9}, overwrite=True)
    finally:
        reader.stdin.close()
        assert reader.wait(timeout=60) == 0, reader.stderr.read()
        reader.stdout.close()
        reader.stderr.close()
    assert dataset.open_dataset(others_data).meta["source"]["seed"] == 1


def test_another_users_rerun_with_the_same_options_writes_nothing(others_data):
    before = sorted(path.name for path in others_data.iterdir())
    rerun = subprocess.run(**as_nobody("-m", "minitransfer", *RERUN[:2], others_data, *RERUN[2:]),
                           capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert "already prepared" in rerun.stdout + rerun.stderr and "nothing written" in rerun.stdout + rerun.stderr
    assert sorted(path.name for path in others_data.iterdir()) == before


def test_another_users_rerun_that_would_write_rewrites_a_dataset_in_the_groups_folder(group_folder):
    # the group's folder itself (2775) holds the dataset, its files root's, 0o644 (umask 022): nobody of the group
    # replaces them (a rename over another user's file, in a folder the group may write), and root's prepare made
    # the lock file the group's too, so nobody takes it to do so. It was 0o644 and the rerun refused (74).
    with _umask(0o022):
        data = synthetic.build_synthetic(group_folder, **TINY).path
    assert (data / lock.LOCK_FILE).stat().st_mode & 0o777 == 0o664
    (data / "val-00000.h5").unlink()
    rerun = subprocess.run(**as_nobody("-m", "minitransfer", *RERUN[:2], data, *RERUN[2:]),
                           capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert (data / "val-00000.h5").exists()
    dataset.open_dataset(data).check_checksums()


def test_another_users_rerun_that_would_write_is_refused_where_only_the_lock_file_is_the_owners(group_folder):
    # a lock file 0o644 in the group's folder (an older version's prepare, under a umask 022): nobody may not
    # take it to write there; a shared lock, which keeps the owner's prepare out, does not make a rerun's writes safe
    with _umask(0o022):
        data = synthetic.build_synthetic(group_folder, **TINY).path
    (data / lock.LOCK_FILE).chmod(0o644)
    (data / "val-00000.h5").unlink()
    meta = (data / "meta.json").read_bytes()
    rerun = subprocess.run(**as_nobody("-m", "minitransfer", *RERUN[:2], data, *RERUN[2:]),
                           capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 74, rerun.stdout + rerun.stderr
    assert "lock" in rerun.stderr and "root's" in rerun.stderr and "Traceback" not in rerun.stderr
    assert not (data / "val-00000.h5").exists() and (data / "meta.json").read_bytes() == meta
