"""A stop that lands as the command ends, made to land at that exact point by a probe (a function of the
command line wrapped so that the process sends itself the signal there): its work over, or its error being
said, a stop must not change the exit code the command chose (a command's bad data, 65, became 75: "rerun";
its work done, click turned the KeyboardInterrupt into "Aborted!" and exit code 1), nor end it with a
traceback. Each is a point a random stop reaches rarely (a few instructions), where it read, in a grid or under
SLURM, as a stop to rerun or a crash."""

import signal
import subprocess
import sys

import pytest

import waiting

PROBE = """
import contextlib, os, signal, sys
from minitransfer import __main__ as entry, stopping
from minitransfer.cli import _errors

stop, where = getattr(signal, sys.argv.pop(1)), sys.argv.pop(1)


def stopped(function):  # function, the signal sent just before it runs
    def probed(*args, **kwargs):
        os.kill(os.getpid(), stop)
        return function(*args, **kwargs)
    return probed


if where == "saying-its-error":  # run() caught the command's error and says it
    _errors.say = stopped(_errors.say)
elif where == "as-its-work-returns":  # the command's work returned from run(), its handlers not yet given back
    watched = stopping.swallowed_stops_owed

    @contextlib.contextmanager
    def stopped_as_it_returns():
        with watched():
            yield
        os.kill(os.getpid(), stop)

    stopping.swallowed_stops_owed = stopped_as_it_returns
entry.command()
"""

# where: (the signal, the command's arguments, its exit code and the start of its last line on stderr, stopped
# there or not); each stop signal raises a KeyboardInterrupt there alike: one each, to keep the suite's CPU down
LANDINGS = {"saying-its-error": (signal.SIGTERM, ["splits", "empty", "random"], 65, "error: bad data: "),
            "as-its-work-returns": (signal.SIGINT, ["splits", "{data}", "random"], 0, None)}


@pytest.mark.parametrize("where", LANDINGS)
def test_a_stop_landing_as_the_command_ends_leaves_its_exit_code(micro_data, tmp_path, where):
    stop, arguments, code, last = LANDINGS[where]
    (tmp_path / "empty").mkdir()
    (tmp_path / "stop_landing.py").write_text(PROBE)
    done = subprocess.run([sys.executable, "-m", "stop_landing", stop.name, where,
                           *(argument.format(data=micro_data) for argument in arguments)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=waiting.DEADLINE_SECONDS)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr and "Aborted!" not in done.stderr, done.stderr
    if last is not None:
        assert done.stderr.splitlines()[-1].startswith(last), done.stderr
