"""A grid's dry run where SLURM cannot be asked (its controller stopped or hung, munged hung): seen on the real test
cluster, ``experiment --dry-run`` waited out squeue (9-10 s), then ``scontrol show config`` as long (20-21 s in all),
and its note on the tasks submit.sh queued left their states out without saying why. It now asks SLURM once: the
note says it could not ask SLURM and why (squeue's error, or no answer), and scontrol is not asked after it. With
stand-ins for SLURM's commands; each test about 1 s."""

import os

import pytest

from minitransfer import slurm_array_limit, slurm_asked, slurm_finished
from test_slurm import fake_slurm  # noqa: F401 (fixture)
from test_slurm_unavailable_nodes import RUNS, queued_with

CONNECT_FAILURE = "slurm_load_jobs error: Unable to contact slurm controller (connect failure)"


def scontrol_asked(tmp_path, monkeypatch):
    """A scontrol first on PATH that records each call (answering show config with SLURM's default); the file."""
    bin_dir, calls = tmp_path / "scontrol-bin", tmp_path / "scontrol-calls"
    bin_dir.mkdir()
    (bin_dir / "scontrol").write_text(f"#!/bin/bash\necho \"$*\" >> {calls}\necho 'MaxArraySize = 1001'\n")
    (bin_dir / "scontrol").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    return calls


def test_a_controller_that_refuses_is_said_and_asked_once(tmp_path, monkeypatch, fake_slurm):
    _, tasks = queued_with(tmp_path, fake_slurm, ["Priority", "Priority", "Dependency"])
    calls = scontrol_asked(tmp_path, monkeypatch)
    monkeypatch.setenv("FAKE_SQUEUE_LIST_ERROR", CONNECT_FAILURE)
    note = slurm_finished.submitted_note(RUNS, tmp_path / "grid")
    assert f"random0/baseA as task {tasks[0]}, random0/baseB as task {tasks[1]}" in note, note
    assert (f"): could not ask SLURM (squeue failed: {CONNECT_FAILURE}): queued or running unless cancelled or failed "
            "since, which `squeue --array` tells;") in note, note
    assert slurm_array_limit.cluster_array_size() is None  # the summary then says SLURM's default, unasked
    assert not calls.exists()


def test_a_controller_that_does_not_answer_is_said_and_asked_once(tmp_path, monkeypatch, fake_slurm):
    queued_with(tmp_path, fake_slurm, ["Priority", "Priority", "Dependency"])
    calls = scontrol_asked(tmp_path, monkeypatch)
    (tmp_path / "scontrol-bin" / "squeue").write_text("#!/usr/bin/env bash\nexec sleep 60\n")  # munged hung
    (tmp_path / "scontrol-bin" / "squeue").chmod(0o755)
    monkeypatch.setattr(slurm_asked, "SECONDS", 0.5)
    note = slurm_finished.submitted_note(RUNS, tmp_path / "grid")
    assert "): could not ask SLURM (squeue gave no answer in 0.5 s): queued or running unless" in note, note
    assert slurm_array_limit.cluster_array_size() is None
    assert not calls.exists()


@pytest.mark.parametrize("answers", [True, False], ids=["answers", "not-installed"])
def test_slurm_asked_again_where_it_answered_or_is_not_installed(tmp_path, monkeypatch, fake_slurm, answers):
    """Only a SLURM out of reach is remembered: one that answered is asked again, and where there is no squeue
    (off the cluster) the note says nothing of SLURM out of reach."""
    _, tasks = queued_with(tmp_path, fake_slurm, ["Priority", "Priority", "Dependency"])
    calls = scontrol_asked(tmp_path, monkeypatch)
    if not answers:
        monkeypatch.setenv("PATH", str(tmp_path / "scontrol-bin"))  # scontrol alone: no squeue
    note = slurm_finished.submitted_note(RUNS, tmp_path / "grid")
    assert "could not ask SLURM" not in note, note
    assert (f"random0/baseA as task {tasks[0]} (PENDING)" in note) is answers, note
    assert slurm_array_limit.cluster_array_size() == (1001, "MaxArraySize")
    assert calls.read_text() == "show config\n"
