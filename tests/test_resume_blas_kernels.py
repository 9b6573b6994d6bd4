"""A CPU run resumed where OpenBLAS cannot give the bits of the run uninterrupted: its first part ran other kernels
(another machine's CPU: SkylakeX's, resumed on a Haswell), or the count cannot be set here. It goes on on this
process's threads, says so, and logs the start it makes; before, a run begun on 64 threads of a 64-core machine ran
64 threads on a 2-core laptop, its note naming the laptop's kernels and promising the bits uninterrupted. And with
no OpenBLAS (MKL's NumPy), nothing is logged or set."""

import json

import pytest

from minitransfer import cpus
from minitransfer.run_threads import EVENT, resumed_on, started_on


@pytest.fixture
def laptop(monkeypatch):
    """This process: OpenBLAS Haswell on 2 threads; the counts set, recorded."""
    state = {"threads": 2, "set": []}
    monkeypatch.setattr(cpus, "blas_kernels", lambda: "OpenBLAS Haswell")
    monkeypatch.setattr(cpus, "blas_threads", lambda: state["threads"])

    def set_threads(count):
        state["set"].append(count)
        state["threads"] = count
        return True

    monkeypatch.setattr(cpus, "set_blas_threads", set_threads)
    return state


def _metrics(tmp_path, blas, threads):
    path = tmp_path / "metrics.jsonl"
    path.write_text(json.dumps({"event": EVENT, "iteration": 0, "blas": blas, "threads": threads}) + "\n"
                    + json.dumps({"iteration": 3, "loss": 1.0}) + "\n")
    return path


def test_a_run_begun_on_other_kernels_keeps_this_processs_threads_and_says_so(tmp_path, laptop):
    metrics = _metrics(tmp_path, "OpenBLAS SkylakeX", 64)
    note = resumed_on(metrics, 3, "cpu")
    assert laptop["set"] == [] and laptop["threads"] == 2  # was 64 threads on the laptop's 2 cores
    assert "OpenBLAS SkylakeX" in note and "(OpenBLAS Haswell)" in note and "is not the bits" in note, note
    assert started_on(3, "cpu", metrics) == {"event": EVENT, "iteration": 3, "blas": "OpenBLAS Haswell", "threads": 2}


def test_the_same_kernels_on_another_count_set_it(tmp_path, laptop):
    metrics = _metrics(tmp_path, "OpenBLAS Haswell", 1)
    note = resumed_on(metrics, 3, "cpu")
    assert laptop["set"] == [1] and "continues on 1 BLAS thread," in note, note
    assert started_on(3, "cpu", metrics) is None  # its logs stay those of the run uninterrupted


def test_a_count_that_cannot_be_set_is_said(tmp_path, laptop, monkeypatch):
    monkeypatch.setattr(cpus, "set_blas_threads", lambda count: False)
    note = resumed_on(_metrics(tmp_path, "OpenBLAS Haswell", 1), 3, "cpu")
    assert note is not None and "cannot be set" in note and "is not the bits" in note, note


def test_a_count_set_that_did_not_take_is_said(tmp_path, laptop, monkeypatch):
    monkeypatch.setattr(cpus, "set_blas_threads", lambda count: True)  # OpenBLAS kept its 2
    note = resumed_on(_metrics(tmp_path, "OpenBLAS Haswell", 1), 3, "cpu")
    assert note is not None and "cannot be set" in note, note


def test_without_openblas_nothing_is_logged_or_set(tmp_path, monkeypatch):
    monkeypatch.setattr(cpus, "blas_threads", lambda: None)  # MKL's NumPy: its threads cannot be read
    monkeypatch.setattr(cpus, "set_blas_threads", lambda count: pytest.fail("set"))
    metrics = _metrics(tmp_path, "OpenBLAS Haswell", 1)
    assert resumed_on(metrics, 3, "cpu") is None
    assert started_on(0, "cpu", metrics) is None and started_on(3, "cpu", metrics) is None
