"""BatchLoader: seeded order, exact resume, workers that agree with the in-process reader, crops."""

import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import waiting

from minitransfer import cuda
from minitransfer.data import dataset, decoder_pool, loader, loader_workers, splits


@pytest.fixture
def data(tiny_synthetic):
    return dataset.open_dataset(tiny_synthetic)


def _train_loader(data, half, **options):
    settings = {"batch_size": 10, "crop": 12, "train": True, "seed": 7, **options}
    return loader.BatchLoader(data, "train", half.train_indices, half.train_labels, **settings)


def _take(batches, count):
    return [(x.copy(), y.copy()) for _, (x, y) in zip(range(count), batches)]


def test_training_epochs_are_permutations_and_differ(data):
    half = splits.make_half(data, "all")
    n = len(half.train_indices)  # 72: batches of 8 tile an epoch exactly
    with _train_loader(data, half, batch_size=8) as batches:
        epochs = [np.concatenate([batches.positions(b) for b in range(e * 9, e * 9 + 9)]) for e in range(2)]
    assert sorted(epochs[0].tolist()) == list(range(n)) == sorted(epochs[1].tolist())
    assert epochs[0].tolist() != epochs[1].tolist() and epochs[0].tolist() != list(range(n))
    np.testing.assert_array_equal(epochs[0], loader.epoch_permutation(7, 0, n))


def test_batches_straddle_epochs_in_stream_order(data):
    half = splits.make_half(data, "all")
    n = len(half.train_indices)
    with _train_loader(data, half, batch_size=10) as batches:
        stream = np.concatenate([batches.positions(b) for b in range(15)])  # 150 = 2 epochs + 6
    expected = np.concatenate([loader.epoch_permutation(7, e, n) for e in range(3)])[:150]
    np.testing.assert_array_equal(stream, expected)


def test_training_batches_are_the_augmented_images_of_their_positions(data):
    half = splits.make_half(data, "random", seed=0, half="B")
    mean = data.mean()
    with _train_loader(data, half) as batches:
        for b, (x, y) in enumerate(_take(batches, 3)):
            positions = batches.positions(b)
            images = data.images("train", half.train_indices[positions])
            np.testing.assert_array_equal(y, half.train_labels[positions])
            assert x.dtype == np.float32 and x.shape == (10, 3, 12, 12) and y.dtype == np.int32
            for n in range(10):  # each sample is some 12x12 window of its image, maybe mirrored
                target = x[n].transpose(1, 2, 0)
                found = False
                for oy in range(5):
                    for ox in range(5):
                        window = images[n, oy:oy + 12, ox:ox + 12].astype(np.float32) - mean[oy:oy + 12, ox:ox + 12]
                        found |= np.array_equal(window, target) or np.array_equal(window[:, ::-1], target)
                assert found, (b, n)


def test_same_seed_same_batches_other_seed_other_batches(data):
    half = splits.make_half(data, "all")
    with _train_loader(data, half) as first, _train_loader(data, half) as again, \
            _train_loader(data, half, seed=8) as other:
        a, b, c = _take(first, 9), _take(again, 9), _take(other, 9)
    assert all(np.array_equal(xa, xb) and np.array_equal(ya, yb) for (xa, ya), (xb, yb) in zip(a, b))
    assert not all(np.array_equal(xa, xc) for (xa, _), (xc, _) in zip(a, c))


@pytest.mark.parametrize("workers", [0, 2], ids=["inline", "workers2"])
def test_resume_from_cursor_continues_exactly(data, workers):
    half = splits.make_half(data, "natural", half="A")
    with _train_loader(data, half, workers=workers) as uninterrupted:
        expected = _take(uninterrupted, 12)
    with _train_loader(data, half, workers=workers) as interrupted:
        _take(interrupted, 5)
        cursor = json.loads(json.dumps(interrupted.cursor))
    assert cursor["batch"] == 5
    with _train_loader(data, half, workers=workers, cursor=cursor) as resumed:
        continued = _take(resumed, 7)
    for (x, y), (xe, ye) in zip(continued, expected[5:]):
        np.testing.assert_array_equal(x, xe)
        np.testing.assert_array_equal(y, ye)


def test_workers_agree_with_the_inline_reader(data):
    half = splits.make_half(data, "all", per_class=9)
    with _train_loader(data, half, workers=0) as inline, _train_loader(data, half, workers=2, prefetch=3) as pooled:
        for (x, y), (xp, yp) in zip(_take(inline, 14), _take(pooled, 14)):
            np.testing.assert_array_equal(x, xp)
            np.testing.assert_array_equal(y, yp)


@pytest.mark.parametrize("workers", [0, 2], ids=["inline", "workers2"])
def test_evaluation_is_one_ordered_pass_of_centre_crops(data, workers):
    half = splits.make_half(data, "random", seed=2, half="A")
    rng = np.random.default_rng(0)
    mean = rng.uniform(50, 200, size=(16, 16, 3)).astype(np.float32)  # a "base" mean, not the dataset's
    with loader.BatchLoader(data, "val", half.val_indices, half.val_labels, 5, 11, train=False, mean=mean,
                            workers=workers) as batches:
        assert batches.mean_source == "given"
        collected = list(batches)
    assert [len(y) for _, y in collected] == [5, 5, 2]
    x = np.concatenate([x for x, _ in collected])
    y = np.concatenate([y for _, y in collected])
    np.testing.assert_array_equal(y, half.val_labels)
    images = data.images("val", half.val_indices)
    for n in range(len(images)):
        for c in range(3):
            for i in range(11):
                for j in range(11):  # centre crop offset (16 - 11) // 2 = 2
                    assert x[n, c, i, j] == np.float32(float(images[n, 2 + i, 2 + j, c]) - float(mean[2 + i, 2 + j, c]))


def test_default_mean_is_the_datasets(data):
    half = splits.make_half(data, "all")
    with loader.BatchLoader(data, "val", half.val_indices, half.val_labels, 4, 16, train=False) as batches:
        x, _ = next(batches)
        assert batches.mean_source.startswith("dataset ")
    images = data.images("val", half.val_indices[:4]).astype(np.float32)
    np.testing.assert_array_equal(x, (images - data.mean()).transpose(0, 3, 1, 2))


def test_cursor_from_another_stream_is_refused(data):
    half = splits.make_half(data, "all")
    with _train_loader(data, half) as batches:
        cursor = batches.cursor
    for change in ({"seed": 8}, {"batch_size": 11}):
        with pytest.raises(ValueError, match="cursor"):
            _train_loader(data, half, cursor=cursor, **change)
    with pytest.raises(ValueError, match="cursor"):
        _train_loader(data, splits.make_half(data, "random", half="A"), cursor=cursor)


@pytest.mark.parametrize("options,message", [
    ({"crop": 17}, "crop"), ({"batch_size": 0}, "batch_size"), ({"device": "tpu"}, "device"),
    ({"mean": np.ones((8, 8, 3), np.float32)}, "mean"), ({"indices": [0, 999]}, "indices"),
    ({"workers": 257}, r"BatchLoader: workers must be an integer 0\.\.256, got 257"),
])
def test_bad_arguments_are_refused(data, options, message):
    settings = {"dataset": data, "subset": "train", "indices": [0, 1], "labels": [0, 0], "batch_size": 2, "crop": 8,
                "train": True, **options}
    if "indices" in options:
        settings["labels"] = [0] * len(options["indices"])
    with pytest.raises(ValueError, match=message):
        loader.BatchLoader(**settings)


@pytest.mark.parametrize("options,message", [
    ({"batch_size": 2.5}, r"batch_size must be an integer >= 1, got 2\.5"),
    ({"batch_size": 2.0}, r"batch_size must be an integer >= 1, got 2\.0"),
    ({"batch_size": True}, r"batch_size must be an integer >= 1, got True"),
    ({"crop": np.float64(8)}, rf"crop must be an integer >= 1, got {re.escape(repr(np.float64(8)))}"),  # NumPy 1: 8.0
    ({"seed": 1.5}, r"seed must be an integer >= 0, got 1\.5"),
    ({"workers": 1.0}, r"workers must be an integer 0\.\.256, got 1\.0"),
    ({"prefetch": 2.5}, r"prefetch must be an integer >= 1, got 2\.5"),
    ({"indices": [0.0, 1.9]}, r"indices must be integers, got dtype float64"),
    ({"labels": np.array([0.5, 0.0])}, r"labels must be integers, got dtype float64"),
    ({"labels": [True, False]}, r"labels must be integers, got dtype bool"),
], ids=["batch-fraction", "batch-whole-float", "batch-bool", "crop-numpy-float", "seed-fraction", "workers-float",
        "prefetch-fraction", "float-indices", "float-labels", "bool-labels"])
def test_integer_arguments_are_refused_not_truncated(data, options, message):
    """BatchLoader(batch_size=2.5) loaded batches of 2, and seed 1.5 shuffled as seed 1."""
    settings = {"dataset": data, "subset": "train", "indices": [0, 1], "labels": [0, 0], "batch_size": 2, "crop": 8,
                "train": True, **options}
    with pytest.raises(ValueError, match=rf"^BatchLoader: {message}"):
        loader.BatchLoader(**settings)


def test_numpy_integer_arguments_load_the_python_integers_batches(data):
    half = splits.make_half(data, "all")
    with _train_loader(data, half) as batches:
        expected = _take(batches, 3)
        cursor = batches.cursor
    with loader.BatchLoader(data, "train", half.train_indices.astype(np.uint32), half.train_labels.astype(np.int64),
                            np.int64(10), np.uint8(12), True, seed=np.int32(7)) as batches:
        got = _take(batches, 3)
        assert batches.cursor == cursor and type(batches.batch_size) is int
    for (x, y), (x_expected, y_expected) in zip(got, expected):
        np.testing.assert_array_equal(x, x_expected)
        np.testing.assert_array_equal(y, y_expected)
    with pytest.raises(ValueError, match=r"BatchLoader: cursor batch must be an integer >= 0, got True"):
        _train_loader(data, half, cursor={**cursor, "batch": True})


@pytest.mark.parametrize("when", ["before", "after"], ids=["before-the-worker-starts", "while-it-reads"])
def test_a_shard_truncated_under_a_worker_is_bad_data_naming_it(tiny_synthetic, copy_dataset, tmp_path, when):
    """Not a worker's death (a traceback and exit 1): the batch's DatasetError, which train exits 65 with."""
    data = dataset.open_dataset(copy_dataset(tiny_synthetic, tmp_path / "copy"))
    shard = data.shard_paths("train")[0]
    with _train_loader(data, splits.make_half(data, "all"), workers=1) as batches:
        if when == "after":
            _take(batches, 1)
        os.truncate(shard, shard.stat().st_size // 4)
        with pytest.raises(dataset.DatasetError, match=re.escape(str(shard))):
            _take(batches, 20)  # every image twice over


def test_a_killed_worker_is_reported_as_such(data):
    with _train_loader(data, splits.make_half(data, "all"), workers=1) as batches:
        _take(batches, 1)
        worker = batches._pool.processes[0]
        worker.kill()
        worker.join()
        with pytest.raises(decoder_pool.WorkerDied, match=r"a data loader process died \(exit codes \[-9\]"):
            _take(batches, 20)


def test_a_stalled_worker_is_said_on_stderr_and_the_batches_go_on_when_it_resumes(data, monkeypatch, capsys):
    """A worker alive but stuck (a stalled file system; here stopped with SIGSTOP) left the run
    waiting without a word: after STALL_NOTICE_SECONDS (then twice as long, ...) stderr says so,
    naming the dataset; once the worker goes on, the batches are those of a loader never stalled.
    The notices are counted for the batch awaited as the worker resumed: a batch after it that a
    loaded machine took over STALL_NOTICE_SECONDS to read is said too (rightly), and counted with the
    stall's, made 5 notices where 4 at most were allowed."""
    monkeypatch.setattr(loader_workers, "STALL_NOTICE_SECONDS", 0.5)
    monkeypatch.setattr(loader_workers, "WORKER_POLL_SECONDS", 0.1)  # a notice at every poll would be ~30
    half = splits.make_half(data, "all")
    with _train_loader(data, half, workers=0) as batches:
        expected = _take(batches, 20)
    takes = []  # [started, ended, notices said meanwhile] of each batch awaited from the worker
    take, warn = loader_workers.WorkerPool.take, loader_workers.stopping.warn

    def timed_take(pool, *args, **options):
        takes.append([time.monotonic(), None, []])
        try:
            return take(pool, *args, **options)
        finally:
            takes[-1][1] = time.monotonic()

    def noted(text):
        takes[-1][2].append(text)
        return warn(text)

    monkeypatch.setattr(loader_workers.WorkerPool, "take", timed_take)
    monkeypatch.setattr(loader_workers.stopping, "warn", noted)
    resumed = []

    def resume(pid):
        resumed.append(time.monotonic())
        os.kill(pid, signal.SIGCONT)

    with _train_loader(data, half, workers=1) as batches:
        first = _take(batches, 1)
        worker = batches._pool.processes[0]
        os.kill(worker.pid, signal.SIGSTOP)
        resume_later = threading.Timer(3.5, resume, (worker.pid,))
        resume_later.start()
        try:
            rest = _take(batches, 19)  # more than it prefetched before it stopped
        finally:
            resume_later.cancel()
            os.kill(worker.pid, signal.SIGCONT)
    said = [line for line in capsys.readouterr().err.splitlines() if "data loader" in line]
    stalled = [notices for started, ended, notices in takes if started <= resumed[0] <= ended]
    # at 0.5, 1 and 2 s, on a busy machine 4 s too (the stall outlasting 4 s); not at every poll
    assert len(stalled) == 1 and 2 <= len(stalled[0]) <= 4, (stalled, said)
    assert re.fullmatch(rf"warning: the data loader has given no batch for \d+ s \(its 1 processes, alive, read "
                        rf"{re.escape(str(data.path))} \(train\)\): a slow or stalled file system\? The run goes on "
                        rf"when the batch comes; Ctrl-C stops it with its iterations saved", said[0]), said[0]
    for (x, y), (x_expected, y_expected) in zip(first + rest, expected):
        np.testing.assert_array_equal(x, x_expected)
        np.testing.assert_array_equal(y, y_expected)


@pytest.mark.gpu
def test_cuda_batches_equal_cpu_batches(data, cp):
    half = splits.make_half(data, "all")
    with _train_loader(data, half) as cpu, _train_loader(data, half, device="cuda") as gpu:
        for (x, y), (xg, yg) in zip(_take(cpu, 9), _take(gpu, 9)):
            assert cuda.is_cuda_array(xg) and xg.dtype == cp.float32 and yg.dtype == cp.int32
            np.testing.assert_array_equal(cp.asnumpy(xg), x)
            np.testing.assert_array_equal(cp.asnumpy(yg), y)


_KILLED_TRAINER = """
import sys, time
from minitransfer.data import dataset, decoder_pool, loader, splits
data = dataset.open_dataset(sys.argv[1])
half = splits.make_half(data, "all")
batches = loader.BatchLoader(data, "train", half.train_indices, half.train_labels, 10, 12, train=True, workers=2)
next(iter(batches))
print(" ".join(str(process.pid) for process in batches._pool.processes), flush=True)
time.sleep(600)
"""


_CTRL_C_TRAINER = """
import signal, sys, time
from minitransfer.data import dataset, loader, splits
stop = signal.Signals[sys.argv[2]]
signal.signal(stop, signal.default_int_handler)  # as a command takes it, even where the tests ignore SIGINT
data = dataset.open_dataset(sys.argv[1])
half = splits.make_half(data, "all")
with loader.BatchLoader(data, "train", half.train_indices, half.train_labels, 10, 12, train=True, workers=2) as batches:
    next(batches)
    try:
        print("ready", flush=True)
        while True:  # short sleeps: a stop due just before one began is answered only as it ends
            time.sleep(0.05)
    except KeyboardInterrupt:  # the training process saves its checkpoint, reading the batches it needs
        pass
    for _ in range(20):
        next(batches)
    print("read on", flush=True)
"""


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGHUP], ids=["ctrl-c", "hangup"])
def test_a_stop_signal_to_the_group_is_the_training_processs_to_handle_not_the_workers(tiny_synthetic, stop):
    """Ctrl-C, or the SIGHUP of a closed terminal, goes to the whole process group: workers that
    took Ctrl-C each printed a KeyboardInterrupt traceback, workers that took SIGHUP died, and they
    were gone for the batches the stopping run still reads."""
    trainer = subprocess.Popen([sys.executable, "-c", _CTRL_C_TRAINER, str(tiny_synthetic), stop.name],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert trainer.stdout.readline() == "ready\n"
        os.killpg(trainer.pid, stop)
        out, err = trainer.communicate(timeout=waiting.DEADLINE_SECONDS)
    finally:
        trainer.kill()
        trainer.wait()
    assert trainer.returncode == 0 and out == "read on\n", err
    assert "Traceback" not in err, err


def _running(pid, started=None):
    """Whether process ``pid`` exists and is not a zombie (an orphan's zombie may wait for a reaper);
    with ``started`` (:func:`_start_time` when it was seen), only while ``pid`` is that process: a full
    suite starts tens of thousands of processes, and a pid of 32768 may be another's seconds later."""
    try:
        status = pathlib.Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status and (started is None or _start_time(pid) == started)


def _start_time(pid):
    """When process ``pid`` started, in clock ticks after boot (/proc/PID/stat's 22nd field), or None
    where it is gone."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])  # the fields after the name, which may hold blanks


def survivor_words(pid):
    """What is known of process ``pid``, which outlived its training process: its /proc status (state,
    parent, signals blocked and caught, threads) and where each of its threads waits in the kernel."""
    try:
        status = pathlib.Path(f"/proc/{pid}/status").read_text()
        waits = {task.name: (task / "wchan").read_text() for task in pathlib.Path(f"/proc/{pid}/task").iterdir()}
    except (FileNotFoundError, ProcessLookupError):
        return "(gone since)"
    return f"{status}threads waiting in: {waits}"


@pytest.mark.skipif(not pathlib.Path("/proc/self/status").exists(), reason="reads process states from /proc")
def test_workers_exit_when_the_training_process_is_killed(tiny_synthetic):
    trainer = subprocess.Popen([sys.executable, "-c", _KILLED_TRAINER, str(tiny_synthetic)], stdout=subprocess.PIPE,
                               text=True)
    try:
        workers = {pid: _start_time(pid) for pid in map(int, trainer.stdout.readline().split())}
        assert len(workers) == 2 and all(_running(pid, started) for pid, started in workers.items())
    finally:
        trainer.kill()
        trainer.wait()
    waiting.until(lambda: not any(_running(pid, started) for pid, started in workers.items()))
    left = {pid: survivor_words(pid) for pid, started in workers.items() if _running(pid, started)}
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"workers outlived their killed training process {trainer.pid}: {left}"
