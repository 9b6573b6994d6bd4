"""Review of this session's run records, resume, info and experiment changes: what the review found wrong,
each pinned here.

- ``train --resume RUN`` asks whether the run's dataset folder was prepared again since
  (:func:`minitransfer.resume_options._prepared_again`, new this session) by reading its meta.json whole: a
  named pipe there (not a file, which open_dataset names "missing") was waited on for ever.
"""

import os
import threading

import pytest
from interrupting import interrupted_after

from minitransfer import config
from minitransfer import train as training
from minitransfer.data import schema, synthetic

FAST = {"batch_size": 8, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True}


def _release(fifo):
    """Open the named pipe ``fifo`` for writing and close it, so that a reader waiting on it reads its end."""
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:  # no reader waiting: nothing to release
        pass


def test_a_resumed_run_whose_dataset_meta_json_is_a_named_pipe_is_refused_without_waiting(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    synthetic.build_synthetic(tmp_path / "data", classes=4, train_per_class=8, val_per_class=4, size=36, seed=2,
                              overwrite=True)
    interrupted_after(config.TrainConfig(out="net.h5", data="data", max_iter=4, preset="mini", **FAST), 2)
    fifo = tmp_path / "data" / "meta.json"
    fifo.unlink()
    os.mkfifo(fifo)
    raised = []

    def resume():
        try:
            training.train(config.TrainConfig(resume="net.run", quiet=True))
        except Exception as error:  # what the resumption raised, checked below
            raised.append(error)

    resuming = threading.Thread(target=resume, daemon=True)
    resuming.start()
    resuming.join(30)
    waited = resuming.is_alive()
    while resuming.is_alive():
        _release(fifo)
        resuming.join(1)
    assert not waited, "train --resume waited on the named pipe data/meta.json"
    assert len(raised) == 1 and isinstance(raised[0], schema.DatasetError), raised
    assert "meta.json: missing" in str(raised[0]), raised
