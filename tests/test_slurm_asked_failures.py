"""A SLURM command that fails while SLURM's controller answers (squeue rejecting an option, a user SLURM does not
know) was remembered as "SLURM out of reach" for 60 s: scontrol was then not asked, and the summary assumed SLURM's
default of 1001 tasks an array on a cluster that sets its own. Only a controller out of reach (connection refused or
timed out, munge's errors) is remembered now; another failure is said as that command's, and the next command is
asked. With stand-ins for SLURM's commands, as in test_slurm_unreachable_controller; each test about 1 s."""

import pytest

from minitransfer import slurm_array_limit, slurm_asked, slurm_finished
from test_slurm import fake_slurm  # noqa: F401 (fixture)
from test_slurm_unavailable_nodes import RUNS, queued_with
from test_slurm_unreachable_controller import scontrol_asked


def squeue_failing(tmp_path, *lines):
    """A squeue first on PATH (after scontrol_asked's) that prints ``lines`` on stderr and exits 1."""
    squeue = tmp_path / "scontrol-bin" / "squeue"
    squeue.write_text("#!/usr/bin/env bash\nprintf '%s\\n' " + " ".join(repr(line) for line in lines) + " >&2\n"
                      "exit 1\n")
    squeue.chmod(0o755)


@pytest.mark.parametrize("lines, why", [
    (["squeue: unrecognized option '--states=all'", 'Try "squeue --help" for more information'],
     "squeue failed: squeue: unrecognized option '--states=all'"),
    (["squeue: error: Invalid user: 1234"], "squeue failed: squeue: error: Invalid user: 1234"),
    ([], "squeue failed (exit 1)"),
], ids=["refused-option", "unknown-user", "silent"])
def test_a_command_that_fails_with_slurm_up_is_said_and_the_next_is_asked(tmp_path, monkeypatch, fake_slurm, lines,
                                                                           why):
    _, tasks = queued_with(tmp_path, fake_slurm, ["Priority", "Priority", "Dependency"])
    calls = scontrol_asked(tmp_path, monkeypatch)
    squeue_failing(tmp_path, *lines)
    note = slurm_finished.submitted_note(RUNS, tmp_path / "grid")
    assert "could not ask SLURM" not in note, note
    assert (f"random0/baseA as task {tasks[0]}, random0/baseB as task {tasks[1]}, random0/A1B as task {tasks[2]}): "
            f"could not read their states ({why}): queued or running unless cancelled or failed since") in note, note
    assert slurm_asked.unreached() is None
    assert slurm_array_limit.cluster_array_size() == (1001, "MaxArraySize")  # asked: scontrol's answer
    assert calls.read_text() == "show config\n"


@pytest.mark.parametrize("lines", [
    ["slurm_load_jobs error: Socket timed out on send/recv operation"],
    ["squeue: error: slurm_persist_conn_open_without_init: failed to open persistent connection to host:ctl:6817: "
     "Connection refused"],
    ['squeue: error: Munge encode failed: Failed to access "/run/munge/munge.socket.2": No such file or directory',
     "squeue: error: auth_g_pack: protocol_version 9984 not supported",
     "slurm_load_jobs error: Protocol authentication error"],
    ["squeue: error: Munge decode failed: Invalid credential", "slurm_load_jobs error: Invalid authentication "
     "credential"],
], ids=["socket-timed-out", "connection-refused", "munge-socket", "munge-credential"])
def test_a_controller_out_of_reach_is_remembered(tmp_path, monkeypatch, fake_slurm, lines):
    queued_with(tmp_path, fake_slurm, ["Priority", "Priority", "Dependency"])
    calls = scontrol_asked(tmp_path, monkeypatch)
    squeue_failing(tmp_path, *lines)
    note = slurm_finished.submitted_note(RUNS, tmp_path / "grid")
    assert f"): could not ask SLURM (squeue failed: {lines[-1]}): queued or running unless" in note, note
    assert slurm_array_limit.cluster_array_size() is None
    assert not calls.exists()
