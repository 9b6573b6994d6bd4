"""The signals a handler read from the wakeup descriptor but whose own handlers have not run yet stay owed a name
until they run (stop_requests._Arrivals.came): a SIGHUP read by its own handler before SIGTERM's ran forgot the
SIGTERM read earlier, which its handler then named a second time (SIGTERM, SIGINT, SIGHUP, SIGTERM)."""

import os
import signal

from minitransfer.stop_requests import _Arrivals

HEARD = {signal.SIGHUP, signal.SIGINT, signal.SIGTERM}


def test_a_signal_read_by_another_handler_is_named_once():
    read, write = os.pipe()
    for end in (read, write):
        os.set_blocking(end, False)  # as _Arrivals.taken makes its own: drained until empty
    arrivals = _Arrivals(read, write)  # a pipe of its own: the process's wakeup descriptor is not touched
    try:
        os.write(write, bytes([signal.SIGTERM, signal.SIGINT]))
        named = arrivals.came(signal.SIGINT, HEARD)  # SIGINT's handler runs first (lower number), reads both
        os.write(write, bytes([signal.SIGHUP]))
        named += arrivals.came(signal.SIGHUP, HEARD)  # a SIGHUP lands before SIGTERM's handler runs
        named += arrivals.came(signal.SIGTERM, HEARD)  # told already, by SIGINT's
        assert named == [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], named
    finally:
        os.close(read)
        os.close(write)
