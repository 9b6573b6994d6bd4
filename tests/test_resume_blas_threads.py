"""A CPU run resumed in a shell that gives NumPy's OpenBLAS another number of threads continues on those its first
part trained on: OpenBLAS sums a product's terms in another order on another number of threads, and a run stopped
at iteration 3 with OMP_NUM_THREADS=1, resumed where the variable is unset (two threads on a 2-core machine), ended
with other weights than the run uninterrupted (and than info's "made again by" command makes). Every resume command
printed (info's, report's, train's stop line) gives no thread variable: the resumption keeps the count itself."""

import json
import os
import subprocess
import sys

import pytest

from minitransfer.cpus import THREAD_VARIABLES, blas_kernels
from minitransfer.run_threads import EVENT, trained_on

OPTIONS = ["--preset", "micro", "--max-iter", "6", "--eval-every", "2", "--checkpoint-every", "2", "--device", "cpu",
           "--quiet"]
STOPPED_AT_3 = """
import sys
from minitransfer import train as training

def stop(done):
    if done == 3:
        raise KeyboardInterrupt

config = training.TrainConfig(out=sys.argv[1], data=sys.argv[2], preset="micro", max_iter=6, eval_every=2,
                              checkpoint_every=2, device="cpu", quiet=True)
try:
    training.train(config, on_iteration=stop)
except training.Interrupted:
    sys.exit(75)
"""


def _shell(**variables):
    """This environment without a BLAS thread variable, but ``variables``."""
    return {**{name: value for name, value in os.environ.items() if name not in THREAD_VARIABLES}, **variables}


def _run(words, env, code=0):
    done = subprocess.run([sys.executable, *map(str, words)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == code, done.stdout + done.stderr
    return done


def _network_sha256(weights):
    return json.loads(_run(["-m", "minitransfer", "info", weights, "--json"], None).stdout)["network_sha256"]


@pytest.mark.skipif(blas_kernels() is None, reason="NumPy's BLAS is not OpenBLAS: its threads cannot be read or set")
def test_a_run_resumed_under_another_thread_count_ends_as_the_run_uninterrupted(micro_data, tmp_path):
    straight = tmp_path / "straight.h5"
    _run(["-m", "minitransfer", "train", "--data", micro_data, "-o", straight, *OPTIONS], _shell(OMP_NUM_THREADS="1"))
    stopped = tmp_path / "stopped.h5"
    _run(["-c", STOPPED_AT_3, stopped, micro_data], _shell(OMP_NUM_THREADS="1"), code=75)
    resumed = _run(["-m", "minitransfer", "train", "--data", micro_data, "-o", stopped, *OPTIONS[:-1], "--resume",
                    "auto"], _shell(OMP_NUM_THREADS="2"))
    assert _network_sha256(stopped) == _network_sha256(straight)
    environment = json.loads((tmp_path / "stopped.run" / "result.json").read_text())["environment"]
    assert environment["blas_threads"] == 1  # as OpenBLAS itself tells its count
    assert "note: this run trained its iterations up to 3 on 1 BLAS thread" in resumed.stderr + resumed.stdout
    assert "not the 2 this process was given (OMP_NUM_THREADS=2)" in resumed.stderr + resumed.stdout


def _metrics(tmp_path, *records):
    path = tmp_path / "metrics.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records) + "{torn")
    return path


def test_the_threads_of_the_last_start_up_to_the_checkpoint_are_those_the_run_trained_on(tmp_path):
    metrics = _metrics(tmp_path, {"event": EVENT, "iteration": 0, "blas": "OpenBLAS Haswell", "threads": 1},
                       {"iteration": 2, "loss": 1.0}, {"event": EVENT, "iteration": 2, "threads": 4},
                       {"event": EVENT, "iteration": 5, "threads": 8})  # a start after the checkpoint resumed from
    assert trained_on(metrics, 0) == 1
    assert trained_on(metrics, 3) == 4
    assert trained_on(tmp_path / "none.jsonl", 3) is None
    assert trained_on(_metrics(tmp_path, {"iteration": 2, "loss": 1.0}), 3) is None  # an earlier version's run
    assert trained_on(_metrics(tmp_path, {"event": EVENT, "iteration": 0, "threads": True}), 3) is None
