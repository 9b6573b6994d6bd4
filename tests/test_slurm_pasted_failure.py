"""A failed run's task line (exit 74, 65, 2; a signal: SIGKILL, SIGSEGV; its run folder deleted while it trained)
gives the command to paste to run submit.sh again, from whatever folder its log is read in, where the scripts'
folder holds a blank (or a quote, $, `): it ended on a bare "rerun submit.sh", of no use in another folder, while
the task's other advice said "rerun bash <the quoted path>". Each line's command is pasted into bash, from another
folder, with --help: submit.sh must answer (test_slurm_pasted_advice's check). With stand-ins for SLURM's
commands (tests/test_slurm.py's fake_slurm): deterministic, no SLURM needed; on the real one-node cluster,
tests/test_slurm_killed.py checks a SIGKILL's line."""

import pytest

import test_slurm
from test_slurm import GUARD_SECONDS, run_task
from test_slurm_pasted_advice import FOLDERS, _emit, _pasted

fake_slurm = test_slurm.fake_slurm  # the fixture

# the fake train's environment (tests/test_slurm.py's FAKE_TRAIN) -> the task's exit and the words its line holds
FAILURES = pytest.mark.parametrize("env, code, words", [
    ({"FAKE_TRAIN_EXIT": "74"}, 74, "FAILED: an I/O error (exit 74)"),
    ({"FAKE_TRAIN_EXIT": "65"}, 65, "FAILED: bad data (exit 65)"),
    ({"FAKE_TRAIN_BUSY": "2"}, 2, "FAILED: refused by train (exit 2"),  # refused again once started again
    ({"FAKE_TRAIN_EXIT": "137"}, 137, "FAILED: killed by SIGKILL"),
    ({"FAKE_TRAIN_EXIT": "139"}, 139, "FAILED: killed by SIGSEGV"),
    ({"FAKE_TRAIN_EXIT": "74", "FAKE_TRAIN_DELETE": "1"}, 74, "FAILED (exit 74): "),
], ids=["io", "bad-data", "refused", "sigkill", "sigsegv", "folder-deleted"])


@FOLDERS
@FAILURES
def test_a_failed_tasks_line_names_submit_sh_as_a_command_to_paste(tmp_path, fake_slurm, folder, env, code, words):
    out, scripts, elsewhere = _emit(tmp_path, folder)
    task = run_task(scripts, "bases.sh", 0, **env)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == code, output
    line = output.splitlines()[-1]
    assert line.startswith(f"run random0/baseA: {words}"), output
    _pasted(line, scripts, elsewhere)
