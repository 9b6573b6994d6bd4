"""Two stop signals that came before Python ran a handler (a SIGINT, then a SIGHUP as the terminal closed, while
the command was inside a long call of C code): the stop is named by the first that came. Python runs the handlers
of the signals come since it last ran one in the order of their numbers, and the stop was named SIGHUP (1), which
came second."""

import os
import signal
import threading

import pytest

from minitransfer.stop_requests import StopRequests

STOPS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def _both_come_while_python_waits(first, second):
    """``first`` then ``second`` sent to this process, each handled at C level by another thread as it comes
    (this one has them blocked), while this thread waits in a read that nothing interrupts: Python's handlers
    run once it is back, for both at once."""
    read, write = os.pipe()

    def send():
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)
        for stop in (first, second):
            signal.pthread_kill(threading.get_ident(), stop)  # handled here, at once, in the order sent
        os.write(write, b"x")

    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)
    try:
        sender = threading.Thread(target=send)
        sender.start()
        os.read(read, 1)
        sender.join()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        os.close(read), os.close(write)


@pytest.mark.parametrize("first, second", [(signal.SIGINT, signal.SIGHUP), (signal.SIGHUP, signal.SIGINT),
                                           (signal.SIGTERM, signal.SIGINT)])
def test_the_stop_is_named_by_the_first_signal_that_came(first, second):
    with StopRequests() as stop:
        _both_come_while_python_waits(first, second)
        for _ in range(3):  # where Python runs the handlers
            pass
    assert list(stop) == [first.name, second.name]
