"""Ctrl-C (SIGINT) while ``experiment`` checks its options and plans, before any run starts: exit 75
with the one line every command says when stopped, no traceback, and nothing torn left in OUT: a
folder the grid made is removed again, a file of its plan is whole or not there, and no temporary
of one is left. The stop comes where a driver stalls the command (a marker file says it has), not
after a time."""

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
                time.sleep(600)
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
    out, marker = tmp_path / "grid", tmp_path / "stalled"
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    process = subprocess.Popen([sys.executable, str(driver), "experiment", "--data", micro_data, "-o", str(out),
                                "--layers", "1", "--max-iter", "4", "--device", "cpu"],
                               env=dict(os.environ, STALL_AT=stall_at, STALL_MARK=str(marker)),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    waiting.until_while_running(marker.exists, process, f"the experiment stalled at {stall_at}")
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=waiting.DEADLINE_SECONDS)
    assert process.returncode == 75, stderr
    assert stderr.splitlines()[-1] == f"interrupted: {INTERRUPTED}" and "Traceback" not in stderr, stderr
    if not kept:  # the folder the grid made for its lock files, removed with them
        assert not out.exists(), sorted(out.rglob("*"))
        return
    files = sorted(path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file())
    assert [name for name in files if not name.startswith(".experiment-")] == kept  # its lock files apart
    for name in kept:
        json.loads((out / name).read_text())
