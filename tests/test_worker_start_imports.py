"""The modules a spawned decode worker (prepare's DecoderPool: decoder_pool's ``_work`` over decode's ``load_item``) or
loader worker (loader_workers' ``_worker_main``) imports as it starts do not import minitransfer.path_kinds, which
integrity, decode and image_reader import only where a dataset's file is found not to be a regular file: each
worker of a run starts in a new interpreter, and path_kinds' imports (checkpoint's words, rundir's) cost every one
of them that time for a fault it almost never meets. A fresh interpreter for each, as a spawned worker is."""

import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the modules a worker's start imports: the target's own, and those its pickled arguments name
ENTRIES = {"decode worker": ["minitransfer.data.decoder_pool", "minitransfer.data.decode"],
           "loader worker": ["minitransfer.data.loader_workers"]}


@pytest.mark.parametrize("worker", sorted(ENTRIES))
def test_a_workers_start_does_not_import_path_kinds(worker):
    imports = "; ".join(f"import {module}" for module in ENTRIES[worker])
    code = f"import sys; {imports}; print('minitransfer.path_kinds' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([REPO, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False", f"{worker}: path_kinds imported as it starts"
