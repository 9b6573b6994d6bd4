"""minitransfer in a program that embeds Python and handles a stop signal itself (a C handler set
before Python started, which Python's signal module knows only as None): train and the command line
leave that handler to its program, and end as they do elsewhere (a shim preloaded into a child Python
stands in for the program; no monkeypatch of Python's signal module reaches what Python found at its
start)."""

import os
import subprocess
import sys
import textwrap

import pytest

import c_shims

SHIM = r"""
#include <signal.h>
#include <unistd.h>
static void host_heard(int signum) { write(1, "the host's handler\n", 19); }
__attribute__((constructor)) static void install(void) { signal(SIGHUP, host_heard); }
"""

CALLS = textwrap.dedent("""
    import os, signal, sys
    from minitransfer import train as training
    print("found", signal.getsignal(signal.SIGHUP), flush=True)
    result = training.train(training.TrainConfig(out=sys.argv[1], data=sys.argv[2], batch_size=8, max_iter=2,
                                                 eval_every=2, quiet=True, device="cpu"))
    print("trained", result.iterations, signal.getsignal(signal.SIGHUP), flush=True)
    os.kill(os.getpid(), signal.SIGHUP)
    print("alive", flush=True)
""")


@pytest.fixture(scope="module")
def host_shim(tmp_path_factory):
    """A shared library that sets a C handler of SIGHUP as it loads, as a program embedding Python does."""
    return c_shims.built(tmp_path_factory, "host", SHIM)


def test_train_leaves_a_stop_signal_the_embedding_program_handles_to_it(host_shim, micro_data, tmp_path):
    """Before, train installed its own handler of SIGHUP, then gave back None as it ended: a TypeError
    (signal handler must be ...) in place of its result, its handler left installed."""
    environment = {**os.environ, "LD_PRELOAD": str(host_shim), "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", CALLS, str(tmp_path / "net.h5"), micro_data], capture_output=True,
                          text=True, timeout=120, env=environment)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == ["found None", "trained 2 None", "the host's handler", "alive"], done.stdout


COMMAND = textwrap.dedent("""
    import os, signal, sys
    from minitransfer.__main__ import command
    sys.argv = ["minitransfer", *sys.argv[1:]]
    try:
        command()
    except SystemExit as ended:
        print("exit", ended.code, signal.getsignal(signal.SIGHUP), flush=True)
    os.kill(os.getpid(), signal.SIGHUP)
    print("alive", flush=True)
""")


@pytest.mark.parametrize("arguments, code, said", [
    (["prepare", "verify", "MICRO"], 0, "(verified)"),
    (["info", "/nonexistent/x.h5"], 2, "Invalid value for 'CHECKPOINT'"),
], ids=["verify", "usage-error"])
def test_the_command_line_leaves_a_stop_signal_the_embedding_program_handles_to_it(host_shim, micro_data, arguments,
                                                                                    code, said):
    """The command line as a program embedding Python runs it (its `command`, as `python -m minitransfer`
    does), a command that ends well and one refused: before, it took the program's SIGHUP over as it
    started, then gave back None as it ended, a TypeError's traceback and exit code 1 after every
    command, its own handler left installed."""
    environment = {**os.environ, "LD_PRELOAD": str(host_shim), "PYTHONPATH": os.pathsep.join(sys.path)}
    arguments = [micro_data if word == "MICRO" else word for word in arguments]
    done = subprocess.run([sys.executable, "-c", COMMAND, *arguments], capture_output=True, text=True, timeout=120,
                          env=environment)
    assert done.returncode == 0 and "Traceback" not in done.stderr and (code or not done.stderr), done.stderr
    assert done.stdout.splitlines()[-3:] == [f"exit {code} None", "the host's handler", "alive"], done.stdout
    assert said in done.stdout + done.stderr
