"""submit.sh's first squeue, where munged or SLURM's controller hangs: with munged stopped on the test cluster, a
squeue failed only after 314 s ("Munge encode failed"), and submit.sh said nothing meanwhile. A
squeue silent for slurm_reached.SQUEUE_PATIENCE s is said to be waited for, naming munged and the controller and
how to check them; it is not cut off (a slow controller still answers, and the submission goes on), nothing is said
once the squeue has answered or submit.sh was stopped, and the notice holds no pipe open after submit.sh ends. Its
failure names munged among the causes. With stand-ins for SLURM's commands (test_slurm's); about 1-4 s a test."""

import contextlib
import os
import signal
import subprocess
import time

import pytest
from test_slurm import OPTIONS, fake_slurm, fake_train_command, sbatch_calls, submit_grid  # noqa: F401 (fixture)

from minitransfer import experiment as grid
from minitransfer import slurm, slurm_reached

HUNG = "squeue has not answered in 1 s: SLURM's controller or munged (its authentication) on this machine may be hung"


def slow_squeue(tmp_path, fake_slurm, seconds):
    """A squeue first on PATH that answers as the stand-in does, after ``seconds``."""
    folder = tmp_path / "slow-bin"
    folder.mkdir()
    (folder / "squeue").write_text(f"#!/usr/bin/env bash\nsleep {seconds}\n"
                                   f"exec {tmp_path / 'fake-bin' / 'squeue'} \"$@\"\n")
    (folder / "squeue").chmod(0o755)
    return dict(PATH=f"{folder}:{os.environ['PATH']}")


def emitted(tmp_path, monkeypatch, patience):
    monkeypatch.setattr(slurm_reached, "SQUEUE_PATIENCE", patience)
    return slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                            train_command=fake_train_command(tmp_path))


def test_a_slow_squeue_is_said_to_be_waited_for_and_the_submission_goes_on(tmp_path, monkeypatch, fake_slurm):
    submit = emitted(tmp_path, monkeypatch, 1)
    done = submit_grid(submit, **slow_squeue(tmp_path, fake_slurm, 3))
    assert done.returncode == 0, done.stderr
    assert done.stderr.count(HUNG) == 1, done.stderr
    assert (f"(scontrol ping; munge -n | unmunge); still waiting for it, nothing submitted yet: SLURM's commands end "
            f"by themselves with their error, after minutes, or Ctrl-C stops {submit} here\n") in done.stderr
    assert len(sbatch_calls(fake_slurm)) == 3  # the bases and each base's transfers: not cut off


def test_a_squeue_that_answers_at_once_is_not_said_and_holds_no_pipe_open(tmp_path, monkeypatch, fake_slurm):
    """Its output read to its end through pipes, as `| tee` reads it: the notice's wait (300 s here) held stderr's
    pipe open until it ended, past submit.sh's end."""
    submit = emitted(tmp_path, monkeypatch, 300)
    done = subprocess.run(["bash", str(submit)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "has not answered" not in done.stderr
    assert len(sbatch_calls(fake_slurm)) == 3


@pytest.mark.parametrize("stop", [lambda pid: os.killpg(pid, signal.SIGINT), lambda pid: os.kill(pid, signal.SIGTERM)],
                         ids=["ctrl-c", "sigterm-to-submit-sh"])
def test_nothing_is_said_after_submit_sh_was_stopped(tmp_path, monkeypatch, fake_slurm, stop):
    """Ctrl-C (SIGINT to its process group) or SIGTERM to submit.sh alone while squeue hangs: the notice said nothing
    after submit.sh had ended."""
    submit = emitted(tmp_path, monkeypatch, 1)
    said = tmp_path / "said"
    with open(said, "w") as output:
        running = subprocess.Popen(["bash", str(submit)], stdout=output, stderr=output, start_new_session=True,
                                   env=dict(os.environ, **slow_squeue(tmp_path, fake_slurm, 30)))
    try:
        time.sleep(0.5)
        stop(running.pid)
        assert running.wait(timeout=10) != 0
        time.sleep(1.5)  # past the notice's second
        assert "has not answered" not in said.read_text()
        assert not sbatch_calls(fake_slurm)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(running.pid, signal.SIGKILL)  # the sleeps left


def test_squeue_failing_names_munged_among_the_causes(tmp_path, monkeypatch, fake_slurm):
    submit = emitted(tmp_path, monkeypatch, 1)
    error = ('squeue: error: Munge encode failed: Failed to connect to "/run/munge/munge.socket.2": Resource '
             'temporarily unavailable')
    done = submit_grid(submit, FAKE_SQUEUE_LIST_ERROR=error)
    assert done.returncode == 1, done.stderr
    assert done.stderr == (f"{error}\nnothing submitted: squeue failed (its error above): SLURM cannot be reached from "
                           "here (SLURM_CONF unset or naming another configuration, SLURM's controller down, munged "
                           f"down or hung here, or not a machine of the cluster: run {submit} on a login node); rerun "
                           f"{submit} once squeue answers\n")
    assert not sbatch_calls(fake_slurm)
