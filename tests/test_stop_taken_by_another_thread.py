"""A stop signal that another thread took (OpenBLAS's: the kernel gives a signal to any thread that does not block
it) is marked due for the main thread before that thread's C handler writes its number to the wakeup descriptor:
the main thread, taking Python's lock just then, runs the Python handler first, which finds no number and names the
signal alone (stop_requests._Arrivals.came); the number, read by the next stop's handler, named it a second time
(a SIGTERM then a SIGINT: SIGTERM, SIGTERM, SIGINT). Here the handler is run before the number is written, as the
main thread runs it then; the real race (signal.pthread_kill to a thread that is not the main one) is too narrow to
meet in a test."""

import os
import signal

import pytest

from minitransfer.stop_requests import _Arrivals

HEARD = {signal.SIGHUP, signal.SIGINT, signal.SIGTERM}


@pytest.fixture
def arrivals():
    """An _Arrivals on a pipe of its own (the process's wakeup descriptor is not touched), and that pipe's writing
    end, where the signals' C handler writes their numbers."""
    read, write = os.pipe()
    for end in (read, write):
        os.set_blocking(end, False)  # as _Arrivals.taken makes its own: drained until empty
    yield _Arrivals(read, write), write
    os.close(read)
    os.close(write)


def test_a_stop_whose_number_is_written_after_its_handler_ran_is_named_once(arrivals):
    arrivals, write = arrivals
    named = arrivals.came(signal.SIGTERM, HEARD)  # the handler, run before the other thread wrote the number
    os.write(write, bytes([signal.SIGTERM]))  # the other thread's C handler, done
    os.write(write, bytes([signal.SIGINT]))  # Ctrl-C, later
    named += arrivals.came(signal.SIGINT, HEARD)
    assert named == [signal.SIGTERM, signal.SIGINT], named


def test_the_same_stop_coming_again_is_named_again(arrivals):
    arrivals, write = arrivals
    named = arrivals.came(signal.SIGTERM, HEARD)  # its number still to come
    os.write(write, bytes([signal.SIGTERM, signal.SIGTERM]))  # that number, then a second SIGTERM's (the grid's)
    named += arrivals.came(signal.SIGTERM, HEARD)
    os.write(write, bytes([signal.SIGHUP, signal.SIGTERM]))  # then a SIGHUP and a third SIGTERM, together
    named += arrivals.came(signal.SIGHUP, HEARD)
    named += arrivals.came(signal.SIGTERM, HEARD)  # told by SIGHUP's
    assert named == [signal.SIGTERM, signal.SIGTERM, signal.SIGHUP, signal.SIGTERM], named


def test_stops_whose_numbers_never_come_are_each_named_by_their_own_handler(arrivals):
    """The pipe full, the numbers are dropped: each signal is named by its handler, none lost nor named twice,
    whether its number comes later or not."""
    arrivals, write = arrivals
    named = arrivals.came(signal.SIGTERM, HEARD)  # dropped: the pipe was full
    named += arrivals.came(signal.SIGTERM, HEARD)  # a second one, dropped too
    os.write(write, bytes([signal.SIGINT]))
    named += arrivals.came(signal.SIGINT, HEARD)
    os.write(write, bytes([signal.SIGTERM]))  # a third SIGTERM, its number written: taken for a late one's
    named += arrivals.came(signal.SIGTERM, HEARD)
    assert named == [signal.SIGTERM, signal.SIGTERM, signal.SIGINT, signal.SIGTERM], named
