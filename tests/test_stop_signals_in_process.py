"""The command line run inside another program (``minitransfer.cli.main``, standalone or through click's
CliRunner): however the command ends (done, stopped by a signal, an error, an exception), the program gets
back the stop signals' handlers it had. Each test compares them itself, right after the call: the autouse
fixture of conftest.py that restores them after every test cannot hide a handler left behind."""

import os
import signal

import pytest
from click.testing import CliRunner

from minitransfer import stopping
from minitransfer import train as training
from minitransfer.cli import main


@pytest.fixture
def callers_handlers():
    """Handlers of the caller's own for SIGINT, SIGTERM and SIGHUP (each records the signals it hears),
    installed for the test, then the ones found before put back: {signal: (handler, what it heard)}."""
    found = {stop: signal.getsignal(stop) for stop in stopping.STOP_SIGNALS}
    heard = []
    installed = {stop: lambda signum, frame: heard.append(signum) for stop in stopping.STOP_SIGNALS}
    for stop, handler in installed.items():
        signal.signal(stop, handler)
    yield installed, heard
    for stop, handler in found.items():
        signal.signal(stop, handler)


def _ran(arguments, how):
    """The exit code of the command line run in this process with ``arguments``: through CliRunner, or
    ``main`` called as a program calls it (standalone, its SystemExit caught)."""
    if how == "cli-runner":
        return CliRunner().invoke(main, arguments).exit_code
    with pytest.raises(SystemExit) as ended:
        main(args=arguments, prog_name="minitransfer")
    return ended.value.code


def _train(micro_data, tmp_path):
    return ["train", "--data", micro_data, "-o", str(tmp_path / "net.h5"), "--batch-size", "8", "--max-iter", "2",
            "--device", "cpu", "--quiet"]


def _assert_given_back(installed, heard):
    """The handlers are the caller's again, and a SIGHUP sent now reaches the caller's (not ignored)."""
    assert {stop: signal.getsignal(stop) for stop in installed} == installed
    os.kill(os.getpid(), signal.SIGHUP)
    assert heard == [signal.SIGHUP]


HOW = pytest.mark.parametrize("how", ["cli-runner", "main"])


@HOW
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["sigint", "sigterm", "sighup"])
def test_a_command_stopped_by_a_signal_gives_the_caller_its_handlers_back(micro_data, tmp_path, monkeypatch,
                                                                         callers_handlers, how, stop):
    """A training sent ``stop`` as it starts ends interrupted (75); before, it left the caller's stop
    signals ignored (and SIGHUP with them: a closed terminal no longer reached the caller)."""
    found = training.resume_point

    def resume_point(plan):
        os.kill(os.getpid(), stop)
        return found(plan)

    monkeypatch.setattr(training, "resume_point", resume_point)
    assert _ran(_train(micro_data, tmp_path), how) == 75
    _assert_given_back(*callers_handlers)


@HOW
def test_a_command_done_gives_the_caller_its_handlers_back(micro_data, tmp_path, callers_handlers, how):
    assert _ran(_train(micro_data, tmp_path), how) == 0
    _assert_given_back(*callers_handlers)


@HOW
@pytest.mark.parametrize("arguments, code", [(["info", "/nonexistent/x.h5"], 2), (["--no-such-option"], 2)],
                         ids=["refused-argument", "refused-group-option"])
def test_a_command_refused_gives_the_caller_its_handlers_back(callers_handlers, how, arguments, code):
    assert _ran(arguments, how) == code
    _assert_given_back(*callers_handlers)


def test_a_command_that_raises_gives_the_caller_its_handlers_back(micro_data, tmp_path, monkeypatch,
                                                                  callers_handlers):
    """An exception the command line does not know (a bug) goes through to the caller, the handlers given back."""
    def broken(plan):
        raise RuntimeError("a bug")

    monkeypatch.setattr(training, "resume_point", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        main(args=_train(micro_data, tmp_path), prog_name="minitransfer", standalone_mode=False)
    _assert_given_back(*callers_handlers)


@HOW
def test_a_command_stopped_then_one_done_leaves_no_exit_hook_ignoring_stops(micro_data, tmp_path, monkeypatch,
                                                                           callers_handlers, how):
    """The hook that ignores stop signals at exit, registered as a command ends interrupted (75), is for
    a process that the exit ends; a caller that caught it and ran another command, which ended otherwise,
    kept it before: its own clean-up at exit could not be stopped with Ctrl-C."""
    registered = []  # the atexit hooks of this test, in a registry of its own
    monkeypatch.setattr(stopping.atexit, "register", lambda hook: registered.append(hook) or hook)
    monkeypatch.setattr(stopping.atexit, "unregister", lambda hook: registered.remove(hook) if hook in registered
                        else None)
    monkeypatch.setattr(stopping, "_ignored_at_exit", [])
    found = training.resume_point

    def stopped(plan):
        os.kill(os.getpid(), signal.SIGTERM)
        return found(plan)

    monkeypatch.setattr(training, "resume_point", stopped)
    assert _ran(_train(micro_data, tmp_path), how) == 75
    assert len(registered) == 1  # kept, should that exit end the process
    ignores = registered[0]
    monkeypatch.setattr(training, "resume_point", found)
    assert _ran(_train(micro_data, tmp_path / "second"), how) == 0
    assert ignores not in registered and stopping._ignored_at_exit == []
    _assert_given_back(*callers_handlers)
