"""Review of this session's run records, resume, info and experiment changes: what the review found wrong,
each pinned here.

- ``train --resume RUN`` asks whether the run's dataset folder was prepared again since
  (:func:`minitransfer.resume_options._prepared_again`, new this session) by reading its meta.json whole: a
  named pipe there (not a file, which open_dataset names "missing") was waited on for ever.
- Refused for that dataset prepared again, the run was told "(the configuration differs too: `preset` 'mini'
  -> 'micro')": the value the new images give an option the user left unset, named as though given
  (:func:`minitransfer.recorded_config._refuse_prepared_again`).
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


@pytest.mark.parametrize("resume", ["net.run", "auto"])
@pytest.mark.parametrize("prepared_again", ["smaller", "more-classes"])
def test_a_run_on_its_dataset_prepared_again_is_not_told_of_options_the_user_never_gave(tmp_path, monkeypatch,
                                                                                        resume, prepared_again):
    """The refusal named the dataset prepared again, then "(the configuration differs too: `preset` 'mini' ->
    'micro')" or "`fc8_outputs` 2 -> 3": the values the new images give the options left unset, not options the
    user gave; given as recorded (--preset mini) they were refused for the images (2). An option the user gave
    otherwise is still named."""
    monkeypatch.chdir(tmp_path)
    synthetic.build_synthetic(tmp_path / "data", classes=4, train_per_class=8, val_per_class=4, size=36, seed=2,
                              overwrite=True)
    options = {**FAST, "max_iter": 4, "preset": "mini"}
    interrupted_after(config.TrainConfig(out="net.h5", data="data", **options), 2)
    synthetic.build_synthetic(tmp_path / "data", classes=6 if prepared_again == "more-classes" else 4,
                              train_per_class=8, val_per_class=4, size=14 if prepared_again == "smaller" else 36,
                              seed=2, overwrite=True)
    given = {"resume": resume} if resume != "auto" else {"resume": "auto", "out": "net.h5", "data": "data",
                                                         **{k: v for k, v in options.items() if k != "preset"}}
    with pytest.raises(config.DataMismatch) as refused:
        training.train(config.TrainConfig(**{"quiet": True, **given}))
    message = str(refused.value)
    assert "before that folder was prepared again" in message, message
    assert "differs too" not in message, message
    if resume == "auto":  # an option given otherwise than the run recorded is named still
        with pytest.raises(config.DataMismatch) as refused:
            training.train(config.TrainConfig(**{"quiet": True, **given, "batch_size": 4}))
        assert "(the configuration differs too: `batch_size` 8 -> 4)" in str(refused.value), str(refused.value)
