"""A dataset folder's lock: prepare (exclusive) is refused while trainings or evaluations read the
dataset (shared, any number at once), and they are refused while prepare writes it; real processes."""

import fcntl
import os
import signal
import stat
import subprocess

import pytest
import waiting

from minitransfer import config, evaluate
from minitransfer import train as training
from minitransfer.data import dataset, lock, shard_format, synthetic
from minitransfer.experiment import default_train_command

MINITRANSFER = default_train_command()[:-1]
TINY = {"classes": 4, "train_per_class": 8, "val_per_class": 2, "size": 14, "seed": 1}
MICRO = ["--preset", "micro", "--batch-size", "8", "--quiet", "--device", "cpu"]
QUICK = [*MICRO, "--max-iter", "4", "--eval-every", "2"]
PREPARE_AGAIN = ["prepare", "synthetic", "--classes", "4", "--train-per-class", "8", "--val-per-class", "2", "--seed",
                 "1", "--size", "16", "--overwrite"]


def cli(args, cwd, timeout=waiting.DEADLINE_SECONDS):
    return subprocess.run(MINITRANSFER + [str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def data(tmp_path):
    return synthetic.build_synthetic(tmp_path / "data", **TINY).path


def _training_that_reads(data, cwd):
    """A training of many iterations on ``data``, returned once it holds the dataset."""
    process = subprocess.Popen(MINITRANSFER + ["train", "--data", str(data), "-o", "long.h5", *MICRO,
                                              "--max-iter", "1000000", "--eval-every", "1000000"], cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    waiting.until_while_running(lambda: process.pid in lock.readers(data), process, f"the training holds {data}")
    return process


def test_prepare_is_refused_while_a_training_reads_and_two_trainings_share_the_dataset(data, tmp_path, tree_state):
    first = _training_that_reads(data, tmp_path)
    try:
        before = tree_state(data)
        refused = cli([*PREPARE_AGAIN[:2], data, *PREPARE_AGAIN[2:]], tmp_path)
        assert refused.returncode == 2, refused.stderr
        assert f"{data} is being read by another minitransfer process (minitransfer train, PID {first.pid}); " \
               f"preparing it would replace the files it reads" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert tree_state(data) == before
        second = cli(["train", "--data", data, "-o", "second.h5", *QUICK], tmp_path)
        assert second.returncode == 0, second.stderr
        assert first.poll() is None, "the first training ended before the second: make it longer"
    finally:
        first.send_signal(signal.SIGTERM)
        _, stderr = first.communicate(timeout=waiting.DEADLINE_SECONDS)
    assert first.returncode == 75, stderr
    assert not lock.readers(data)  # released; the lock file stays, for the next reader
    assert cli([*PREPARE_AGAIN[:2], data, *PREPARE_AGAIN[2:]], tmp_path).returncode == 0
    assert dataset.open_dataset(data).image_size == (16, 16)


@pytest.mark.parametrize("stage", ["checking-shards", "meta-removed"])
def test_a_training_or_evaluation_started_while_prepare_writes_is_refused(data, tmp_path, stage):
    """Prepare first checks the shards it has (meta.json still there), then removes meta.json
    before it rewrites one: either way a run started meanwhile is refused, naming prepare."""
    # the network eval reads, trained in this process (QUICK's): what runs apart is what is refused
    training.train(config.TrainConfig(out=str(tmp_path / "net.h5"), data=str(data), preset="micro", batch_size=8,
                                      max_iter=4, eval_every=2, quiet=True, device="cpu"))
    with lock.writing(data):  # what a running prepare holds
        if stage == "meta-removed":
            (data / shard_format.META_FILE).rename(tmp_path / "meta.json")
        for command in (["train", "--data", data, "-o", "other.h5", *QUICK], ["eval", "net.h5", "--device", "cpu"]):
            result = cli(command, tmp_path)
            assert result.returncode == 2, (command[0], result.stderr)
            assert f"{data} is being prepared by another minitransfer process (PID {os.getpid()}), which replaces " \
                   f"its files; wait for it to finish, then rerun" in result.stderr, command[0]
        assert not (tmp_path / "other.run").exists()


def test_an_evaluation_holds_the_dataset_while_it_reads(data, tmp_path, monkeypatch):
    training.train(config.TrainConfig(out=str(tmp_path / "net.h5"), data=str(data), preset="micro", batch_size=8,
                                      max_iter=2, eval_every=2, quiet=True, device="cpu"))
    real_evaluate = evaluate.evaluate

    def evaluate_while_prepare_tries(net, batches, **options):
        assert lock.readers(data) == [os.getpid()]
        with pytest.raises(lock.DatasetBusy, match=rf"an evaluation or a verify\) \(PID {os.getpid()}\)"):
            synthetic.build_synthetic(data, **{**TINY, "size": 16}, overwrite=True)
        return real_evaluate(net, batches, **options)

    monkeypatch.setattr(evaluate, "evaluate", evaluate_while_prepare_tries)
    assert evaluate.evaluate_checkpoint(tmp_path / "net.h5", device="cpu")["images"] == 4  # half A: 2 classes
    assert not lock.readers(data) and dataset.open_dataset(data).image_size == (14, 14)


def test_a_dataset_prepared_again_after_it_was_opened_is_not_read(data):
    opened = dataset.open_dataset(data)
    synthetic.build_synthetic(data, **{**TINY, "seed": 2}, overwrite=True)
    with pytest.raises(dataset.DatasetError, match=r"meta.json: the dataset was prepared again \(or its meta.json edited\) after this "
                                                   r"process opened it; rerun"):
        with opened.reading():
            pass
    with dataset.open_dataset(data).reading() as reopened:
        assert reopened.meta["source"]["seed"] == 2


@pytest.fixture
def held_exclusively(data):
    """``data``'s lock held exclusively by another open file (as a prepare that has just taken it),
    no PID written in it yet."""
    descriptor = os.open(data / lock.LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    yield descriptor
    os.close(descriptor)


def test_a_prepare_that_has_not_written_its_pid_is_named_as_starting_up(data, held_exclusively):
    for reading in (lambda: lock.check_not_prepared(data), lambda: lock.shared(data).__enter__()):
        with pytest.raises(lock.DatasetBusy) as busy:
            reading()
        assert str(busy.value) == (f"{data} is being prepared by another minitransfer process (starting up: its PID "
                                   f"is not written yet), which replaces its files; wait for it to finish, then rerun")


def test_prepare_names_every_reader_of_the_dataset(data, monkeypatch, held_shared):
    """Two readers: "PIDs" and both named; none known (/proc/locks unreadable): not "PID unknown"."""
    with held_shared(data) as other:
        with lock.shared(data):
            with pytest.raises(lock.DatasetBusy) as busy:
                lock.writing(data).__enter__()
            listed = ", ".join(map(str, sorted([os.getpid(), other.pid])))
            assert str(busy.value) == (f"{data} is being read by another minitransfer process (a training, an "
                                       f"evaluation or a verify) (PIDs {listed}); preparing it would replace the "
                                       f"files it reads: wait for it to finish or stop it, then rerun")
            assert busy.value.pids == sorted([os.getpid(), other.pid])
            monkeypatch.setattr(lock, "readers", lambda folder: [])
            with pytest.raises(lock.DatasetBusy) as busy:
                lock.writing(data).__enter__()
            assert str(busy.value).startswith(f"{data} is being read by another minitransfer process (a training, "
                                              f"an evaluation or a verify); preparing it"), str(busy.value)


@pytest.mark.parametrize("folder_mode", [0o2775, 0o755])
def test_a_lock_file_a_reader_makes_is_the_groups_where_the_folder_is(data, folder_mode):
    # a dataset an older version prepared has no lock file: its reader makes one, which stays; under a umask 022
    # it was 0o644, its maker's alone, in a folder the group shares (whose other users then could not prepare)
    (data / lock.LOCK_FILE).unlink()
    os.chmod(data, folder_mode)
    previous = os.umask(0o022)
    try:
        with dataset.open_dataset(data).reading():
            pass
    finally:
        os.umask(previous)
    group = stat.S_IRGRP | stat.S_IWGRP if folder_mode & stat.S_IWGRP else stat.S_IRGRP
    assert stat.S_IMODE(os.stat(data / lock.LOCK_FILE).st_mode) == 0o600 | group | stat.S_IROTH
