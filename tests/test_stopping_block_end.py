"""A stop that comes as :func:`minitransfer.stopping.swallowed_stops_owed`'s block ends, after a stop Python
swallowed started the thread that delivers such stops again: its KeyboardInterrupt, raised inside the block's
clean-up, skipped the rest of it, and that thread was never told to end. It ran on for the life of the process
(a notebook's, a program's running the command line in its own process, where the handlers are still the
command line's as the block ends), waking every 10 ms, and the next command's block had two such threads."""

import signal
import sys
import time
import _thread

import pytest

import interrupting
from minitransfer import stopping
from minitransfer.cli import _errors


class _StoppedAsCleared(list):
    """A list of :mod:`minitransfer.stopping`'s state whose ``clear`` (the block's clean-up) is where a stop
    signal comes: its handler runs there, in the clean-up, as it would at any call of it."""

    def clear(self):
        super().clear()
        signal.raise_signal(signal.SIGINT)


def _stall(seconds=20):
    """Short sleeps (the stop made due again runs between two: not inside one) for ``seconds`` at most, a
    guard: the stop delivered again ends it at once."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.02)


def _threads_after(started, seconds=2.0):
    """The number of threads this process started (not the main one) once that is ``started``, or ``seconds``
    have passed (a thread still running then: more)."""
    deadline = time.monotonic() + seconds
    while _thread._count() > started and time.monotonic() < deadline:
        time.sleep(0.01)
    return _thread._count()


@pytest.mark.parametrize("cleared", ["_raised", "_owed", "_delivering"])
def test_a_stop_as_the_block_ends_still_ends_the_thread_that_delivers_stops_again(monkeypatch, cleared):
    previous = _errors.interrupt_on_stop_signals()
    started, redeliveries, escaped = _thread._count(), [], False
    monkeypatch.setattr(stopping, cleared, _StoppedAsCleared())
    try:
        with stopping.swallowed_stops_owed():
            redeliveries.append(sys.unraisablehook.args[1])  # the block's, to end it should the test fail
            try:
                interrupting.signalled_in_a_finalizer(signal.SIGINT)  # swallowed: the thread starts, delivers it
                _stall()
            except KeyboardInterrupt:
                pass
            assert _thread._count() == started + 1  # the thread runs to the block's end
    except KeyboardInterrupt:  # the stop that came in the clean-up
        escaped = True
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)
        left = _threads_after(started)
        if left > started and redeliveries and redeliveries[0]._ended is not None:
            redeliveries[0].end()  # what the block's clean-up skipped: no thread left to the tests after this one
    assert escaped  # the stop is not lost: it leaves the block
    assert left == started, "the thread that delivers owed stops again outlived its block"
    assert stopping._owed == [] and stopping._delivering == []
