"""The BLAS thread count is the process's, shared by the trainings of its threads (a notebook's two trainings at
once): a resumption sets the count its run's first part trained on (run_threads.resumed_on) and gives the process
its own back as it ends (run_threads.kept). Before, a resumption begun beside a fresh training changed the count
under it, and one that ended first set the process's count back under a fresh training begun on the resumption's:
that training went on on another count than it had started on, and recorded (its bits no run resumed makes again).
"""

import json

import pytest

from minitransfer import cpus, run_threads
import test_resume_threads_restored

two_threads = test_resume_threads_restored.two_threads  # the fixture: this process's OpenBLAS on 2 threads


@pytest.fixture
def trained_on_one(tmp_path):
    """metrics.jsonl of a run that trained its first 4 iterations on 1 thread of this machine's kernels."""
    metrics = tmp_path / "metrics.jsonl"
    record = {"event": run_threads.EVENT, "iteration": 0, "blas": cpus.blas_kernels(), "threads": 1}
    metrics.write_text(json.dumps(record) + "\n")
    return metrics


def test_a_resumption_beside_a_training_under_way_leaves_its_count(two_threads, trained_on_one):
    with run_threads.kept("cpu"):  # a fresh training, on the process's 2 threads
        with run_threads.kept("cpu"):  # another thread's resumption
            note = run_threads.resumed_on(trained_on_one, 4, "cpu")
            assert cpus.blas_threads() == 2
            assert "another training of this process (another thread's) runs on 2: it continues on 2" in note
            # the count it goes on on recorded: a later resumption goes on on it, its note truthful
            assert run_threads.started_on(4, "cpu", trained_on_one)["threads"] == 2
        assert cpus.blas_threads() == 2


def test_a_resumption_that_ends_first_leaves_the_count_a_training_begun_beside_it_runs_on(two_threads,
                                                                                          trained_on_one):
    resumption = run_threads.kept("cpu")
    resumption.__enter__()
    try:
        assert run_threads.resumed_on(trained_on_one, 4, "cpu").startswith("note: ")
        assert cpus.blas_threads() == 1  # the count its first part trained on
        with run_threads.kept("cpu"):  # a fresh training of another thread begins, on 1 thread (and records it)
            resumption.__exit__(None, None, None)
            resumption = None
            assert cpus.blas_threads() == 1  # the fresh one goes on on the count it began on
        assert cpus.blas_threads() == 2  # the last one ended: the process's own count back
    finally:
        if resumption is not None:
            resumption.__exit__(None, None, None)
