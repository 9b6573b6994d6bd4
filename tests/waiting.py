"""Waiting for an event (a file written, a line logged, a lock released) rather than for a time
that must be "long enough": on a loaded machine a time is too short, and a wait that happens to
pass can hide a race. The deadline only keeps a test that never sees its event from hanging."""
import time

# The one bound of every wait of the tests for a process: an event, or a process's end. CI runs the
# suite on 2 cores, two tests at a time, each starting Pythons that import NumPy and h5py: a
# command can take tens of seconds to reach its first iteration there. Never a time a test needs.
DEADLINE_SECONDS = 180


def until(condition, seconds=DEADLINE_SECONDS):
    """Poll ``condition()`` until it holds; whether it did within ``seconds`` (a guard against a hang,
    never a time the test relies on)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def until_while_running(condition, process, what):
    """Poll ``condition()`` until it holds while ``process`` (a Popen) runs; fail naming ``what`` and
    with what the process said if it ends first, or if :data:`DEADLINE_SECONDS` pass (it is killed)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        ended = process.poll() is not None
        # looked at again once the process is seen ended: it may have made the event, then ended, between the looks
        if (ended or time.monotonic() > deadline) and not condition():
            process.kill()
            said = process.communicate(timeout=DEADLINE_SECONDS)
            raise AssertionError(f"{what}: never, {'the process ended' if ended else 'a hang'}: {said}")
        time.sleep(0.02)


def losses_logged(metrics):
    """The loss rows a run's metrics.jsonl (path ``metrics``) holds so far, its event lines left out: a CPU run logs
    the BLAS threads it starts on at iteration 0 (run_threads), before it trains any iteration."""
    from minitransfer import run_logs

    return [row for row in run_logs.read_metrics(metrics) if "event" not in row]
