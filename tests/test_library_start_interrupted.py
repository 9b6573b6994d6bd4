"""A Ctrl-C in a notebook as train() starts, before the run hears its stops: Python's KeyboardInterrupt
comes out of the call (as its docstring says), the caller's handlers are as they were, and the same call
then trains the bits of a run never interrupted."""

import signal

import numpy as np
import pytest

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer import training_run

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "quiet": True, "device": "cpu"}


def _weights(path):
    return {name: [np.asarray(array) for array in arrays] for name, arrays in checkpoints.load(path).weights.items()}


@pytest.mark.parametrize("where", ["check_memory", "build_net"])
def test_a_keyboard_interrupt_as_the_run_starts_comes_out_and_the_same_call_goes_on(micro_data, tmp_path,
                                                                                     monkeypatch, where):
    straight = training.train(training.TrainConfig(out=tmp_path / "straight.h5", data=micro_data, **FAST))
    handlers = [signal.getsignal(stop) for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)]

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt  # as Python's SIGINT handler raises it, where the call is

    module = training if where == "check_memory" else training_run
    with monkeypatch.context() as patched:
        patched.setattr(module, where, interrupted)
        with pytest.raises(KeyboardInterrupt) as raised:
            training.train(training.TrainConfig(out=tmp_path / "net.h5", data=micro_data, **FAST))
    assert "raises Python's plain ``KeyboardInterrupt``" in " ".join(training.train.__doc__.split())  # said so
    assert type(raised.value) is KeyboardInterrupt
    assert [signal.getsignal(stop) for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)] == handlers
    again = training.train(training.TrainConfig(out=tmp_path / "net.h5", data=micro_data, resume="auto", **FAST))
    assert again.final == straight.final
    mine, theirs = _weights(tmp_path / "net.h5"), _weights(straight.out)
    assert mine.keys() == theirs.keys() and all(
        np.array_equal(a, b) for name in mine for a, b in zip(mine[name], theirs[name]))
