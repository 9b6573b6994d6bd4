"""A grid started in one thread of a process while another thread trains on the CPU (a notebook's run_grid beside
a background ``train``) starts its launchers and runs. Found in session 73: each of their processes was started with
a ``preexec_fn`` (launcher.ends_with, grid_processes._as_the_run_starts), which makes Python ``fork()`` in place of
``vfork``; fork runs OpenBLAS's atfork handler (blas_thread_shutdown_), which deadlocks where another thread is
inside an OpenBLAS product: the grid's thread hung in Popen forever, and the training's with it (waiting for the
GIL). Reproduced without minitransfer: a thread multiplying matrices in a loop, and
``subprocess.Popen(["true"], preexec_fn=lambda: None)`` in another, hangs within a few tries. Now each new process
watches its parent itself as its first step after exec (the launcher's :func:`minitransfer.launcher._serve`, a run's
``grid_processes._WATCHED_EXEC``), given the parent's PID. Before that, 5 of 5 runs of this test hung on the 2-core
reference machine; the killing of such processes with their parent is tested in test_grid_parent_killed.py."""

import subprocess
import sys

import pytest

BESIDE_A_PRODUCT = """
import os, sys, tempfile, threading
import numpy as np
from minitransfer import launcher
from minitransfer.grid_processes import TrainProcesses

def products(done):
    a = np.random.default_rng(0).random((200, 200), np.float32)
    while not done.is_set():
        a @ a

sys.executable = "true"  # each process one that ends at once: its start is what is tried
runs = TrainProcesses(["true"], [0], preload=False, log=print)  # a GPU slot's: a process of its own
with tempfile.NamedTemporaryFile() as log:
    for _ in range(20):  # a fork hung mostly as the products had just begun: each round a new thread's
        done = threading.Event()
        product = threading.Thread(target=products, args=(done,))
        product.start()
        launcher.Launcher(dict(os.environ)).close()
        runs.start(0, 0, [], log.name).wait()
        done.set()
        product.join()  # none left in a product as Python exits (a daemon thread's: a hang of its own)
print("started")
"""


def test_launchers_and_runs_start_while_another_thread_multiplies_matrices():
    try:
        done = subprocess.run([sys.executable, "-c", BESIDE_A_PRODUCT], capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("the grid's processes' start hung beside a thread running OpenBLAS products")
    assert done.stdout == "started\n", done.stderr
