"""The warnings ``train`` heard before it raised reach a library caller on the error itself
(``MinitransferError.warnings``), as they reach one in ``TrainResult.warnings`` where it returns: a
random-weights control on a half (report leaves it out: train warns as it starts) that diverges. Before,
they were lost with the result that never came."""

import pickle

import pytest

from minitransfer import config
from minitransfer import train as training
from minitransfer.errors import MinitransferError
from minitransfer.run_outcome import Diverged, Interrupted, OutOfMemoryMidRun

PREFIX = "warning: "


def test_a_run_that_warns_then_diverges_holds_its_warnings_on_the_error(micro_data, tmp_path, capfd):
    options = dict(data=micro_data, preset="micro", batch_size=8, max_iter=8, eval_every=4, device="cpu")
    with pytest.raises(training.Diverged) as raised:
        training.train(config.TrainConfig(out=str(tmp_path / "random1A.h5"), random_frozen=1, half="A", base_lr=1e5,
                                          quiet=False, **options))
    said = tuple(line[len(PREFIX):] for line in capfd.readouterr().err.splitlines() if line.startswith(PREFIX))
    assert any("report will leave this run out" in warning for warning in said), said  # the oracle: its stderr
    assert isinstance(raised.value, MinitransferError)
    assert raised.value.warnings == said


def test_an_error_no_train_raised_holds_no_warnings():
    assert MinitransferError("refused").warnings == ()


@pytest.mark.parametrize("error", [Interrupted("interrupted", "run/checkpoint.h5", 3),
                                   OutOfMemoryMidRun("out of memory", "run/checkpoint.h5", 3),
                                   Diverged("diverged")], ids=lambda error: type(error).__name__)
def test_an_error_keeps_its_warnings_pickled(error):
    """A grid's process pool sends a run's error back pickled: its warnings came back lost (Interrupted's and
    OutOfMemoryMidRun's own pickling kept their fields alone)."""
    assert error.warnings == ()  # none heard: Interrupted, no MinitransferError, holds them too
    error.warnings = ("a crop sees little of the images",)
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and str(back) == str(error) and back.warnings == error.warnings
    assert getattr(back, "iteration", None) == getattr(error, "iteration", None)
