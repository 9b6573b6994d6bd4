"""A training stopped as Ctrl-C stops it, after a given iteration, for the tests of resuming."""

import pytest

from minitransfer import train as training


def interrupted_after(config, iteration):
    """``config`` trained until a KeyboardInterrupt after ``iteration``, its checkpoint written
    (train raises Interrupted)."""
    def stop(done):
        if done == iteration:
            raise KeyboardInterrupt

    with pytest.raises(training.Interrupted):
        training.train(config, on_iteration=stop)
