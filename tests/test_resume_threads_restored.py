"""The BLAS thread count a resumption sets (the count its first part trained on: run_threads.resumed_on) is its
run's alone: it stayed set for the rest of the process, and a notebook given OMP_NUM_THREADS=2 that resumed a run
recorded on 1 thread trained its next fresh run on 1 thread, and logged it so. The process's count is back once the
resumed run ends: finished, stopped or failed."""

import json

import pytest

from minitransfer import cpus
from minitransfer import train as training
from minitransfer.run_threads import EVENT

ITERATIONS = dict(preset="micro", max_iter=4, eval_every=2, checkpoint_every=2, device="cpu", quiet=True)


@pytest.fixture
def two_threads():
    """This process's OpenBLAS on 2 threads for the test (as OMP_NUM_THREADS=2 gives it), its count again after."""
    before = cpus.blas_threads()
    if before is None or not cpus.set_blas_threads(2) or cpus.blas_threads() != 2:
        pytest.skip("NumPy's BLAS is not an OpenBLAS whose threads can be set to 2")
    try:
        yield
    finally:
        cpus.set_blas_threads(before)


def _stopped_on_one_thread(micro_data, out):
    """A run trained on 1 thread, stopped at iteration 2 (its checkpoint), as a shell with OMP_NUM_THREADS=1 runs it."""
    def stop(done):
        if done == 2:
            raise KeyboardInterrupt
    assert cpus.set_blas_threads(1) and cpus.blas_threads() == 1
    try:
        with pytest.raises(training.Interrupted):
            training.train(training.TrainConfig(out=str(out), data=micro_data, **ITERATIONS), on_iteration=stop)
    finally:
        cpus.set_blas_threads(2)
    return out


def _logged_threads(out):
    """The thread counts the run of weights ``out`` logged to its metrics.jsonl as it (re)started."""
    lines = (out.parent / out.name.replace(".h5", ".run") / "metrics.jsonl").read_text().splitlines()
    return [record["threads"] for record in map(json.loads, lines) if record.get("event") == EVENT]


def test_a_fresh_run_after_a_resumed_one_trains_on_the_process_count(micro_data, tmp_path, two_threads):
    stopped = _stopped_on_one_thread(micro_data, tmp_path / "stopped.h5")
    resumed = training.train(training.TrainConfig(out=str(stopped), data=micro_data, resume="auto", **ITERATIONS))
    assert resumed.environment["blas_threads"] == 1  # finished on the count its first part trained on
    assert cpus.blas_threads() == 2
    fresh = tmp_path / "fresh.h5"
    training.train(training.TrainConfig(out=str(fresh), data=micro_data, **ITERATIONS))
    assert _logged_threads(fresh) == [2]


@pytest.mark.parametrize("ending", [KeyboardInterrupt, RuntimeError])
def test_a_resumed_run_stopped_or_failed_gives_the_process_its_count_back(micro_data, tmp_path, two_threads, ending):
    stopped = _stopped_on_one_thread(micro_data, tmp_path / "stopped.h5")

    def end(done):
        assert cpus.blas_threads() == 1  # the resumption trains on its first part's count
        raise ending("the caller's")
    with pytest.raises((training.Interrupted, RuntimeError)):
        training.train(training.TrainConfig(out=str(stopped), data=micro_data, resume="auto", **ITERATIONS),
                       on_iteration=end)
    assert cpus.blas_threads() == 2
