"""A grid's run whose train crashed (SIGSEGV, SIGABRT: a C library's abort, a fault in native code):
the grid's last lines told it in the words of SIGKILL, "which leaves no message (SIGKILL: the machine
ran out of memory, ...)", while its train.log held the crash's message (Python's faulthandler's)."""

import sys
import textwrap

from minitransfer import experiment as grid
from minitransfer import scheduler
from test_grid_failures import OPTIONS

CRASHING_TRAIN = textwrap.dedent('''
    import faulthandler, os, signal
    faulthandler.enable()
    os.kill(os.getpid(), signal.SIGSEGV)
''')


def test_a_crashed_run_is_sent_to_its_log_not_told_it_left_no_message(tmp_path):
    train = tmp_path / "crashing_train.py"
    train.write_text(CRASHING_TRAIN)
    out, run = tmp_path / "grid", grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)[0]
    outcome = scheduler.run_grid([run], out, OPTIONS, train_command=[sys.executable, str(train)], log=lambda line: None,
                                 poll_seconds=0.01)
    log = grid.run_dir(out, run) / grid.LOG_FILE
    assert "Fatal Python error: Segmentation fault" in log.read_text()  # the message the log holds
    assert outcome.causes() == [
        f"random0/baseA: killed by SIGSEGV; its train.log ({log}) may end on why (a crash's message: a C "
        f"library's abort, Python's faulthandler); repeat the same call to resume it from its last checkpoint, if "
        f"it wrote one, or else to train it from the start"]
