"""Waiting for an event (a file written, a line logged, a lock released) rather than for a time
that must be "long enough": on a loaded machine a time is too short, and a wait that happens to
pass can hide a race. The deadline only keeps a test that never sees its event from hanging."""
import time

DEADLINE_SECONDS = 60


def until(condition, seconds=DEADLINE_SECONDS):
    """Poll ``condition()`` until it holds; whether it did within ``seconds`` (a guard against a hang,
    never a time the test relies on)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
