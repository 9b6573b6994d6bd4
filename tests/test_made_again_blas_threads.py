"""A CPU network is made again bit for bit by info's "made again by" command pasted into a new shell: NumPy's
OpenBLAS sums a product's terms in another order on another number of threads, so a run trained with
OMP_NUM_THREADS=1 and the command pasted where the variable is unset (two threads on a 2-core machine) made another
network sha256. Its result.json records the BLAS's threads and kernels (environment.blas_threads, .blas), and the
command begins with the variable that sets them."""

import json
import os
import platform
import shutil
import subprocess
import sys

import pytest

from pasted import paste, ran

from minitransfer.cpus import THREAD_VARIABLES, blas_kernels
from minitransfer.result_digests import RESULT_SHA256, result_sha256

TRAIN = ["--preset", "micro", "--max-iter", "4", "--eval-every", "2", "--device", "cpu", "--quiet"]


def _minitransfer(*words, env=None):
    done = subprocess.run([sys.executable, "-m", "minitransfer", *map(str, words)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _network_sha256(weights):
    """The digest of the network alone: its weights, classes, dataset and iteration, not its --out."""
    return json.loads(_minitransfer("info", weights, "--json"))["network_sha256"]


@pytest.fixture(scope="module")
def one_thread_run(micro_data, tmp_path_factory):
    """A network trained in a process given OMP_NUM_THREADS=1 (its others unset): its weights file."""
    out = tmp_path_factory.mktemp("one-thread") / "net.h5"
    one = {**{name: value for name, value in os.environ.items() if name not in THREAD_VARIABLES},
           "OMP_NUM_THREADS": "1"}
    _minitransfer("train", "--data", micro_data, "-o", out, *TRAIN, env=one)
    return out


def test_the_made_again_command_of_a_one_thread_run_makes_its_bits_in_a_shell_without_the_variable(
        one_thread_run, tmp_path, monkeypatch):
    out = one_thread_run
    environment = json.loads((out.with_suffix(".run") / "result.json").read_text())["environment"]
    assert environment["blas_threads"] == (1 if blas_kernels() else None)
    assert environment["blas"] == blas_kernels()
    shown = _minitransfer("info", out)
    made = _made(out, shown)
    command = made.removeprefix("made again by: ")
    if blas_kernels():  # an OpenBLAS, whose threads can be read: the command sets them
        assert f" on cpu ({platform.platform()}), NumPy's BLAS {blas_kernels()} on 1 thread\n" in shown, shown
        assert command.startswith("OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 minitransfer train "), made
        assert "NumPy's BLAS" not in made  # the same kernels here: no caveat
    for name in THREAD_VARIABLES:  # a new shell's: the variable unset
        monkeypatch.delenv(name, raising=False)
    again = tmp_path / "again.h5"
    ran(*paste(f"`{command.replace(str(out), str(again))}`", tmp_path))
    assert _network_sha256(again) == _network_sha256(out)


def _made(weights, shown=None):
    """info's "made again by" line of ``weights`` (``shown``: what info printed of it, where it was run already)."""
    shown = _minitransfer("info", weights) if shown is None else shown
    return next(line for line in shown.splitlines() if line.startswith("made again by: "))


def _recorded_as(one_thread_run, tmp_path, change):
    """A copy of the run of ``one_thread_run`` whose result.json's environment is ``change``d (its digest written
    again, as train writes it): the copy's weights file."""
    shutil.copy(one_thread_run, tmp_path / "net.h5")
    shutil.copytree(one_thread_run.with_suffix(".run"), tmp_path / "net.run")
    result = tmp_path / "net.run" / "result.json"
    record = json.loads(result.read_text())
    change(record["environment"])
    record[RESULT_SHA256] = result_sha256(record)
    result.write_text(json.dumps(record))
    return tmp_path / "net.h5"


def test_a_run_of_an_earlier_version_without_the_record_keeps_its_words(one_thread_run, tmp_path):
    def earlier(environment):
        for name in ("blas", "blas_threads", "blas_threads_variable"):
            del environment[name]

    made = _made(_recorded_as(one_thread_run, tmp_path, earlier))
    assert made.startswith("made again by: minitransfer train ") and "NumPy's BLAS" not in made


def test_a_run_of_other_kernels_is_said_to_maybe_differ(one_thread_run, tmp_path):
    made = _made(_recorded_as(one_thread_run, tmp_path, lambda environment: environment.update(blas="OpenBLAS Zen")))
    assert f"(NumPy's BLAS here is {blas_kernels() or 'not OpenBLAS'}, the run's was OpenBLAS Zen: its bits may " \
           f"differ" in made, made
