"""Ctrl-C (SIGINT) while ``experiment`` checks its options and plans, before any run starts: exit 75
with the one line every command says when stopped, no traceback, and nothing torn left in OUT: a
folder the grid made is removed again, a file of its plan is whole or not there, and no temporary
of one is left. The stop comes where a driver stalls the command (a marker file says it has), not
after a time.

The stall sleeps in short sleeps, never one long one: CPython runs a signal's handler between bytecodes,
and a sleep does not look for one due before it began. A SIGINT that came after the marker was written
and after Python last looked, before the sleep began (the test sees the file as soon as it is created; a
loaded machine can pause the driver anywhere) waited for the whole sleep, 600 s: the test timed out."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

import waiting
from minitransfer.cli._errors import INTERRUPTED

# STALL_AT: "resolve" (the first base's configuration resolved, as experiment's checks begin) or the
# start of a temporary's name (its fsync, the file written but not renamed into place)
DRIVER = textwrap.dedent('''
    import os, pathlib, sys, time
    from minitransfer import config, fileio
    stall_at, marker = os.environ["STALL_AT"], pathlib.Path(os.environ["STALL_MARK"])

    def stalling(function, here):
        def stalled(*args, **kwargs):
            if here(*args) and not marker.exists():
                marker.write_text(stall_at)
                while True:  # short sleeps: a stop that came before the first began is answered after it
                    time.sleep(0.05)
            return function(*args, **kwargs)
        return stalled

    if stall_at == "resolve":
        config.resolve = stalling(config.resolve, lambda *args: True)
    else:
        fileio.fsync_path = stalling(fileio.fsync_path, lambda path: path.name.startswith(stall_at))
    from minitransfer.cli import main
    main(sys.argv[1:], prog_name="minitransfer")
''')


@pytest.mark.parametrize("stall_at, kept", [("resolve", []), (".experiment.json.tmp", []),
                                            (".treatment.json.tmp", ["experiment.json"])],
                         ids=["checking-bases", "writing-the-plan", "writing-a-run-folder"])
def test_ctrl_c_while_the_grid_plans_exits_75_in_one_line_leaving_nothing_torn(micro_data, tmp_path, stall_at, kept):
    out = tmp_path / "grid"
    process = _stalled_experiment(micro_data, out, tmp_path, stall_at)
    process.send_signal(signal.SIGINT)
    _assert_stopped(process)
    if not kept:  # the folder the grid made for its lock files, removed with them
        assert not out.exists(), sorted(out.rglob("*"))
        return
    files = sorted(path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file())
    assert [name for name in files if not name.startswith(".experiment-")] == kept  # its lock files apart
    for name in kept:
        json.loads((out / name).read_text())


# Runs the driver (argv[1]) with a thread that, once the driver stalls (its main thread in the stall's
# sleep), makes SIGINT's handler due without sending the signal (_thread.interrupt_main): as a SIGINT that
# came after Python last looked for one and before the sleep began, which the sleep does not cut short.
STOP_DUE_AS_IT_SLEEPS = textwrap.dedent('''
    import _thread, os, pathlib, runpy, signal, sys, threading, time
    marker, main = pathlib.Path(os.environ["STALL_MARK"]), threading.main_thread().ident

    def stop_due():
        # this thread holding the GIL, the main thread's innermost frame the stall's: it is in its sleep
        while not (marker.exists() and sys._current_frames()[main].f_code.co_name == "stalled"):
            time.sleep(0.01)
        _thread.interrupt_main(signal.SIGINT)

    threading.Thread(target=stop_due, daemon=True).start()
    runpy.run_path(sys.argv.pop(1), run_name="__main__")
''')


def test_a_stop_due_before_the_stall_sleeps_is_answered(micro_data, tmp_path):
    """The driver's own race, made certain: a stop whose handler is due as the stall sleeps, the signal
    itself gone, is answered (exit 75, the one line), not left waiting for the sleep's end."""
    (tmp_path / "stop_due.py").write_text(STOP_DUE_AS_IT_SLEEPS)
    _assert_stopped(_stalled_experiment(micro_data, tmp_path / "grid", tmp_path, "resolve", "stop_due.py"))


def _stalled_experiment(micro_data, out, tmp_path, stall_at, *before):
    """``experiment`` into ``out`` run by the driver (through the scripts ``before``, in ``tmp_path``), once
    it has stalled at ``stall_at``: its Popen."""
    marker, driver = tmp_path / "stalled", tmp_path / "driver.py"
    driver.write_text(DRIVER)
    process = subprocess.Popen([sys.executable, *(str(tmp_path / script) for script in before), str(driver),
                                "experiment", "--data", micro_data, "-o", str(out), "--layers", "1", "--max-iter", "4",
                                "--device", "cpu"],
                               env=dict(os.environ, STALL_AT=stall_at, STALL_MARK=str(marker)),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    waiting.until_while_running(marker.exists, process, f"the experiment stalled at {stall_at}")
    return process


def _assert_stopped(process):
    """``process`` ends with exit code 75 and the one line every command says when stopped, no traceback."""
    try:
        _, stderr = process.communicate(timeout=waiting.DEADLINE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"not stopped: {process.communicate()}") from None
    assert process.returncode == 75, stderr
    assert stderr.splitlines()[-1] == f"interrupted: {INTERRUPTED}" and "Traceback" not in stderr, stderr
