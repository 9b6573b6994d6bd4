"""The wakeup descriptor StopRequests reads the stops' order from (signal.set_wakeup_fd, one per process) under
what shares it: other signals with a Python handler (a profiler's timer), whose numbers it holds too; an event loop
that sets its own in the block or held it before; and stops that come while it is looked at."""

import signal
import socket

import pytest

from minitransfer import stop_requests
from minitransfer.stop_requests import StopRequests
from test_stop_signals_order import _sent_together


@pytest.fixture
def other_signal():
    """SIGUSR1 with a Python handler of its own (a profiler's timer): its number written to the descriptor too."""
    before = signal.signal(signal.SIGUSR1, lambda *_: None)
    yield signal.SIGUSR1
    signal.signal(signal.SIGUSR1, before)


def test_stops_after_thousands_of_other_signals_are_named_once_each_in_order(other_signal):
    with StopRequests() as stop:
        for _ in range(5000):  # more than one read of 4096 bytes held
            signal.raise_signal(other_signal)
        _sent_together(signal.SIGTERM, signal.SIGINT)
    assert list(stop) == ["SIGTERM", "SIGINT"]  # was SIGINT, SIGTERM, SIGINT


def test_stops_after_the_pipe_filled_are_heard_without_blocking(other_signal):
    with StopRequests() as stop:
        for _ in range(70000):  # more than a pipe holds: their numbers, then the stops', dropped
            signal.raise_signal(other_signal)
        _sent_together(signal.SIGTERM, signal.SIGINT)
    assert sorted(stop) == ["SIGINT", "SIGTERM"]  # each heard once (in Python's order: the pipe lost theirs)
    with StopRequests() as stop:  # the next block's order read again
        _sent_together(signal.SIGTERM, signal.SIGINT)
    assert list(stop) == ["SIGTERM", "SIGINT"]


def test_a_descriptor_set_in_the_block_by_another_is_left_to_it():
    theirs, loop = socket.socketpair()
    loop.setblocking(False)
    try:
        with StopRequests():
            signal.set_wakeup_fd(loop.fileno())  # an event loop made in the block (asyncio's add_signal_handler)
        assert signal.set_wakeup_fd(-1) == loop.fileno()  # not unset under it: its signal handlers went deaf
    finally:
        signal.set_wakeup_fd(-1)
        theirs.close()
        loop.close()


def test_a_signal_that_comes_as_the_descriptor_is_looked_at_is_passed_on_to_its_holder(monkeypatch):
    theirs, loop = socket.socketpair()
    loop.setblocking(False)
    theirs.settimeout(1)  # lost: TimeoutError
    set_wakeup_fd = signal.set_wakeup_fd

    def looked_at(fd, **options):  # SIGUSR2 comes between the look (setting ours) and theirs given back
        before = set_wakeup_fd(fd, **options)
        if before == loop.fileno():
            signal.raise_signal(signal.SIGUSR2)
        return before

    previous = signal.signal(signal.SIGUSR2, lambda *_: None)
    monkeypatch.setattr(stop_requests.signal, "set_wakeup_fd", looked_at)
    set_wakeup_fd(loop.fileno())
    try:
        with StopRequests():
            pass
        assert set_wakeup_fd(-1) == loop.fileno()
        assert theirs.recv(16) == bytes([signal.SIGUSR2])  # the loop runs its handler: it was lost in our pipe
    finally:
        set_wakeup_fd(-1)
        signal.signal(signal.SIGUSR2, previous)
        theirs.close()
        loop.close()


def test_a_signal_that_comes_as_the_descriptor_is_given_back_is_passed_on_to_the_loop_made_in_the_block(monkeypatch):
    """Given back from the block, the descriptor was looked at by unsetting it: a signal that came between the look
    and the event loop's descriptor set again (asyncio runs its handler where it reads its number) went nowhere."""
    theirs, loop = socket.socketpair()
    loop.setblocking(False)
    theirs.settimeout(1)  # lost: TimeoutError
    set_wakeup_fd = signal.set_wakeup_fd
    previous = signal.signal(signal.SIGUSR2, lambda *_: None)
    try:
        with StopRequests():
            set_wakeup_fd(loop.fileno())  # an event loop made in the block

            def looked_at(fd, **options):  # SIGUSR2 comes between the look and the loop's given back
                before = set_wakeup_fd(fd, **options)
                if before == loop.fileno():
                    signal.raise_signal(signal.SIGUSR2)
                return before

            monkeypatch.setattr(stop_requests.signal, "set_wakeup_fd", looked_at)
        assert set_wakeup_fd(-1) == loop.fileno()
        assert theirs.recv(16) == bytes([signal.SIGUSR2])
    finally:
        set_wakeup_fd(-1)
        signal.signal(signal.SIGUSR2, previous)
        theirs.close()
        loop.close()
