"""A stop whose KeyboardInterrupt Python swallowed (its signal came while a finalizer ran) is delivered
again within moments (:func:`minitransfer.stopping.swallowed_stops_owed`), not at the command's next point
that checks: an experiment planning a big grid answered it minutes later, a command blocked with no such
point (a lock's wait) never. Each test stalls in short sleeps, bounded: a stop not answered lets the stall
end, and the test fails saying so (the stall's bound is a guard, never a time the fix needs)."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import interrupting
import waiting
from minitransfer import stop_requests, stopping
from minitransfer.cli import _errors

STALL_SECONDS = 20  # how long a stall waits for the stop before it gives up (the test then fails)


def _stall():
    """Short sleeps until a stop raises KeyboardInterrupt, or :data:`STALL_SECONDS` pass (returns then)."""
    deadline = time.monotonic() + STALL_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.02)


def _stopped_in_the_stall(swallow, handlers=_errors.interrupt_on_stop_signals):
    """Whether the stall after ``swallow()`` (a stop swallowed somewhere) was stopped, in a command's block
    (``handlers()`` the stop signals' handlers there); and whether any KeyboardInterrupt came after that."""
    previous = handlers()
    stopped = again = False
    try:
        with stopping.swallowed_stops_owed():
            try:
                swallow()
                _stall()
            except KeyboardInterrupt:
                stopped = True
            try:
                time.sleep(0.1)  # long enough for a second delivery, were one made
            except KeyboardInterrupt:
                again = True
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)
    return stopped, again


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_swallowed_in_a_finalizer_stops_the_stall_that_follows_once(stop):
    assert _stopped_in_the_stall(lambda: interrupting.signalled_in_a_finalizer(stop)) == (True, False)


def test_a_stop_whose_handler_runs_inside_the_hook_is_not_lost(monkeypatch):
    """The stop's handler run inside the block's own hook (the hook it calls for another swallowed error,
    here a test's, sending the signal): what it raised there was lost ("Exception ignored in
    sys.unraisablehook"), and the command went on."""
    told = []

    def signalled_as_told(unraisable):
        told.append(type(unraisable.exc_value).__name__)
        signal.raise_signal(signal.SIGINT)

    class Failing:
        def __del__(self):
            raise ValueError("a finalizer's own error")

    def swallowed_error():
        Failing()

    monkeypatch.setattr(sys, "unraisablehook", signalled_as_told)
    assert _stopped_in_the_stall(swallowed_error) == (True, False)
    assert told == ["ValueError"]  # the other error still told by the hook it had


def test_a_grids_stop_swallowed_stops_its_wait_at_once_and_counts_once():
    """The grid's handler (a StopRequests raising on the first stop): its stop swallowed is delivered again
    to it, raised where the wait goes on, and not recorded as a second stop ("already stopping: ...")."""
    requests = stop_requests.StopRequests(keep_ignored=True, interrupt=True)

    def listening():
        requests.__enter__()
        return {}

    try:
        stopped, again = _stopped_in_the_stall(interrupting.signalled_in_a_finalizer, listening)
    finally:
        requests.__exit__(None, None, None)
    assert (stopped, again, list(requests)) == (True, False, ["SIGINT"])


DRIVER = textwrap.dedent(f'''
    import sys, time
    from minitransfer import config
    import interrupting

    def stalled(*args, **kwargs):  # the first base's configuration resolved, as experiment's checks begin
        interrupting.signalled_in_a_finalizer()
        print("stop swallowed", file=sys.stderr, flush=True)
        deadline = time.monotonic() + {STALL_SECONDS}
        while time.monotonic() < deadline:
            time.sleep(0.02)
        print("stall over, the stop unanswered", file=sys.stderr, flush=True)
        return resolve(*args, **kwargs)

    resolve, config.resolve = config.resolve, stalled
    from minitransfer.cli import main
    main(sys.argv[1:], prog_name="minitransfer")
''')


def test_an_experiment_planning_ends_at_once_on_a_stop_swallowed_in_a_finalizer(micro_data, tmp_path):
    """The command: exit 75 with its one line, as the stop comes, not once its planning is over."""
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    tests = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([tests, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, str(driver), "experiment", "--data", micro_data, "-o",
                           str(tmp_path / "grid"), "--layers", "1", "--max-iter", "4", "--device", "cpu", "--dry-run"],
                          env=env, capture_output=True, text=True, timeout=waiting.DEADLINE_SECONDS)
    said = ["stop swallowed", f"interrupted: {_errors.INTERRUPTED}"]  # the stall never over, no traceback
    assert done.returncode == 75 and done.stderr.splitlines() == said, done.stderr
