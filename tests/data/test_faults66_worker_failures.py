"""A data loader worker whose read of a batch raises something other than a shard's error (a bug, memory out):
said as that worker's failure, which batch and why, not as a traceback and a bare "exit code 1"."""

import os
import re

import pytest

from minitransfer.data import dataset, decoder_pool, loader, splits


def test_a_worker_raising_names_itself_the_batch_and_the_error_not_a_traceback(tiny_synthetic, capfd):
    """A ``verified`` record no reader can parse (an int for a shard's identity) makes each worker's
    reader raise TypeError in its own process; before, it printed its traceback, exited 1, and the
    training process said only "a data loader process died (exit codes [1]; ...: exit code 1)"."""
    data = dataset.open_dataset(tiny_synthetic)
    half = splits.make_half(data, "all")
    data.verified.update({str(path): 7 for path in data.shard_paths("train")})
    with loader.BatchLoader(data, "train", half.train_indices, half.train_labels, 10, 12, train=True, seed=7,
                            workers=2, check_checksums=False) as batches:
        with pytest.raises(decoder_pool.WorkerDied) as raised:
            next(batches)
        pids = {process.pid for process in batches._pool.processes}
    message = str(raised.value)
    match = re.fullmatch(rf"data loader process ([12]) of 2 \(PID (\d+)\) failed reading batch 0 of "
                         rf"{re.escape(str(data.path))} \(train\): TypeError: 'int' object is not subscriptable "
                         rf"\(in _split_identity, image_reader\.py:\d+\)", message)
    assert match, message
    assert int(match[2]) in pids
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("kind", ["folder", "truncated"])
def test_a_shard_failing_under_a_worker_is_said_as_without_workers(tiny_synthetic, copy_dataset, tmp_path, kind):
    """A shard that fails after the check at the start (a folder in its place, cut short) is the same error, in
    the same words, with workers as without; a worker's began with the dataset's path again, its subset in
    brackets, before the words that name the shard."""
    said = {}
    for workers in (0, 1):
        data = dataset.open_dataset(copy_dataset(tiny_synthetic, tmp_path / f"copy{workers}"))
        half = splits.make_half(data, "all")
        shard = data.shard_paths("train")[0]
        with loader.BatchLoader(data, "train", half.train_indices, half.train_labels, 10, 12, train=True, seed=7,
                                workers=workers) as batches:
            if kind == "folder":
                shard.unlink()
                shard.mkdir()
            else:
                os.truncate(shard, shard.stat().st_size // 4)
            with pytest.raises(dataset.DatasetError) as raised:
                for _ in range(20):  # every image twice over
                    next(batches)
        said[workers] = str(raised.value).replace(str(tmp_path / f"copy{workers}"), "DATA")
    assert said[0].startswith("DATA/train-00000.h5: ")
    assert said[1] == said[0]
