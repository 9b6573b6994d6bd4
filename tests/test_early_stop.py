"""A stop signal in a command's first instants (a grid launcher or SLURM stopping a task it has just
started, a user's Ctrl-C at once): exit 75 with one line, nothing written, as later, never a death
by the signal (143, read as a crash) or a traceback of the imports.

Where the signal lands is decided in two ways that hold whatever the machine's load:
- sent with the stop signals blocked in the child (before ``exec``), it waits until the command
  unblocks them, which it does as its first act, before the half second of imports;
- sent once the child catches SIGTERM (/proc/PID/status, the readiness sign), it lands at that
  instant or later, anywhere in the command.
The one moment left out is the one nothing can answer: Python's own start and ``import minitransfer``
(50-100 ms measured), before any line of the command runs, where SIGTERM's default ends the process
with 143 (minitransfer.stopping.stop_as_it_starts says so, and how a launcher avoids it).
"""

import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import pytest

from minitransfer import experiment, stopping

import waiting
from test_slurm_source_checkout import python_without_minitransfer

PYPROJECT = pathlib.Path(__file__).parents[1] / "pyproject.toml"
STOPS = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP]
TRAIN = ["train", "-o", "net.h5", "--batch-size", "8", "--log-every", "1", "--device", "cpu"]


def _script():
    """What the installed ``minitransfer`` script runs: the function pyproject.toml names, called as
    pip's script calls it (its module imported first, nothing before it)."""
    # pyproject's [project.scripts] line, read without tomllib (Python 3.11+; the package supports 3.10)
    entry = re.search(r'^minitransfer\s*=\s*"([^"]+)"', PYPROJECT.read_text(), re.MULTILINE).group(1)
    module, function = entry.split(":")
    return [sys.executable, "-c", f"import sys; from {module} import {function}; sys.exit({function}())"]


COMMANDS = {"python-m": [sys.executable, "-m", "minitransfer"], "script": _script()}


def _started(command, data, folder, max_iter, preexec_fn=None, env=None):
    return subprocess.Popen([*command, *TRAIN, "--data", data, "--max-iter", str(max_iter)], cwd=folder,
                            env=dict(env or os.environ, MINITRANSFER_CACHE=str(folder / "cache")),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=preexec_fn)


def _stop_signals_blocked():
    signal.pthread_sigmask(signal.SIG_BLOCK, stopping.STOP_SIGNALS)


def _ended(process):
    try:
        return process.communicate(timeout=waiting.DEADLINE_SECONDS)[1]
    finally:
        process.kill()


@pytest.mark.parametrize("command", COMMANDS, ids=COMMANDS)
@pytest.mark.parametrize("stop", STOPS, ids=[stop.name for stop in STOPS])
def test_a_stop_pending_as_the_command_starts_exits_75_having_written_nothing(micro_data, tmp_path, command, stop):
    """The signal is sent before the command runs a line (the child starts with it blocked): it is
    answered as the command starts, before its imports (SIGTERM ended it with 143, SIGINT with a
    traceback of an import; blocked, it was never answered and the 6 iterations trained)."""
    process = _started(COMMANDS[command], micro_data, tmp_path, max_iter=6, preexec_fn=_stop_signals_blocked)
    process.send_signal(stop)
    _assert_stopped_as_it_started(process, stop, tmp_path)


def _assert_stopped_as_it_started(process, stop, folder):
    stderr = _ended(process)
    assert process.returncode == 75, stderr
    assert stderr == (f"interrupted: {stop.name}: stopped as it started, before anything was written; rerun the same "
                      f"command\n")
    assert os.listdir(folder) == []


def test_a_grids_run_without_a_minitransfer_script_answers_a_stop_as_it_starts(micro_data, tmp_path, monkeypatch):
    """Where no ``minitransfer`` script sits beside the Python (a source checkout), a grid and its SLURM
    scripts ran each training as ``python -c "from minitransfer.cli import main; ..."``, which set no
    handler before its imports: a SIGTERM as it started ended it with 143, read as a crash."""
    monkeypatch.setattr(sys, "executable", str(python_without_minitransfer(tmp_path / "venv")))
    command = experiment.default_train_command()
    assert command[-1] == "train"
    env = dict(os.environ, PYTHONPATH=str(PYPROJECT.parent))
    (tmp_path / "run").mkdir()
    process = _started(command[:-1], micro_data, tmp_path / "run", max_iter=6, preexec_fn=_stop_signals_blocked,
                       env=env)
    process.send_signal(signal.SIGTERM)
    _assert_stopped_as_it_started(process, signal.SIGTERM, tmp_path / "run")


def _catches_sigterm(pid):
    """Whether process ``pid`` has a handler of its own for SIGTERM (its SigCgt mask in /proc)."""
    caught = next(line for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines()
                  if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) >> (signal.SIGTERM - 1) & 1)


@pytest.mark.skipif(not pathlib.Path("/proc/self/status").exists(), reason="reads /proc/PID/status")
@pytest.mark.parametrize("stop, after", [(signal.SIGTERM, 0), (signal.SIGINT, 0), (signal.SIGHUP, 0),
                                         (signal.SIGTERM, 0.1), (signal.SIGTERM, 0.4), (signal.SIGTERM, 1.5)],
                         ids=["sigterm", "sigint", "sighup", "sigterm-0.1s", "sigterm-0.4s", "sigterm-1.5s"])
def test_a_stop_at_any_moment_once_the_command_catches_it_exits_75(micro_data, tmp_path, stop, after):
    """Sent as soon as the command catches SIGTERM, or ``after`` seconds later: in its imports, its
    parsing, its training or the hand-over between them, wherever it lands: 75, and its line last."""
    process = _started(COMMANDS["python-m"], micro_data, tmp_path, max_iter=10 ** 6)
    assert waiting.until(lambda: process.poll() is not None or _catches_sigterm(process.pid)), "never caught SIGTERM"
    time.sleep(after)
    process.send_signal(stop)
    stderr = _ended(process)
    assert process.returncode == 75, stderr
    assert stderr.splitlines()[-1].startswith("interrupted: ") and "Traceback" not in stderr, stderr


def test_once_the_command_is_over_a_stop_neither_claims_nothing_was_written_nor_changes_its_exit_code(tmp_path):
    """After the command's work (here in Python's clean-up at exit, the process's last instants), a stop is
    ignored: it neither says the first instants' line (nothing was written: the handlers given back were once
    those) nor turns the exit code the command chose into a death by the signal (Python's handlers given back:
    SIGTERM ended it with 143, read by a grid or SLURM as a crash)."""
    at_exit = ("import atexit, os, signal; atexit.register(lambda: [os.kill(os.getpid(), stop) for stop in "
               "(signal.SIGTERM, signal.SIGINT, signal.SIGHUP)])")
    (tmp_path / "runs").mkdir()
    done = subprocess.run([sys.executable, "-c", f"{at_exit}; from minitransfer.__main__ import command; command()",
                           "report", "runs", "-o", "report"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr  # no run in runs/ (a usage mistake): went through invoke
    assert done.stderr.startswith("error: ") and "interrupted" not in done.stderr and "Traceback" not in done.stderr


PROBE = """
import os, signal, sys
from minitransfer import __main__ as entry, stopping

as_it_ends = stopping.raise_owed_stop


def stopped_in_an_exec():  # the stop lands as code compiled from a string runs (a dataclass's methods)
    exec("os.kill(os.getpid(), signal.SIGTERM)\\nfor _ in range(10 ** 6): pass", {"os": os, "signal": signal})
    as_it_ends()


stopping.raise_owed_stop = stopped_in_an_exec
entry.command()
"""


def test_a_stop_landing_in_a_strings_exec_still_exits_75_under_python_m(micro_data, tmp_path):
    """A stop that lands while code compiled from a string runs (an import building a dataclass or a
    namedtuple, which the CLI now does as it runs a command) made ``python -m minitransfer`` say its
    line, then die of SIGINT (-2): CPython noted the KeyboardInterrupt, handled or not."""
    (tmp_path / "stopped_in_an_exec.py").write_text(PROBE)
    done = subprocess.run([sys.executable, "-m", "stopped_in_an_exec", "splits", micro_data, "random"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=waiting.DEADLINE_SECONDS)
    assert done.returncode == 75, done.stderr
    assert done.stderr.splitlines()[-1].startswith("interrupted: ") and "Traceback" not in done.stderr, done.stderr
