"""A prepare started while another prepares the same folder with the same options (two terminals, two SLURM jobs
sharing a cache) waits for it, saying whom it waits for, then finds the dataset it left: exit 0, nothing written.
It was refused at once (exit 2, "being prepared by another minitransfer process"). One with other options, an
--overwrite, or one whose own process holds the lock is refused at once, as before; a wait is bounded."""

import json
import os
import subprocess
import sys

import pytest
import waiting
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import build, dataset, lock, same_origin, shard_format, synthetic

TINY = {"classes": 4, "train_per_class": 8, "val_per_class": 2, "size": 14, "seed": 1}
OPTIONS = ["--classes", "4", "--train-per-class", "8", "--val-per-class", "2", "--seed", "1", "--size", "14"]
# A stand-in for a running `minitransfer prepare synthetic OUT` (its /proc/PID/cmdline names the command): holds OUT's
# lock as prepare does until its stdin closes; then, as the import it was finishes, writes meta.json (saved in
# OUT/../meta.json) and removes importing.json, unless $HOLDER_ENDS is "killed" (it ends leaving the folder).
HOLDER = """
import os, pathlib, sys
from minitransfer.data import lock
out = pathlib.Path(sys.argv[-1])
with lock.writing(out):
    print("held", flush=True)
    sys.stdin.read()
    if os.environ["HOLDER_ENDS"] == "killed":
        os._exit(9)
    (out / "meta.json").write_bytes((out.parent / "meta.json").read_bytes())
    (out / "importing.json").unlink()
"""


@pytest.fixture
def data(tmp_path):
    """A dataset as an import with OPTIONS leaves it while it writes: shards written, meta.json not yet."""
    out = synthetic.build_synthetic(tmp_path / "data", **TINY).path
    record = json.loads((out / shard_format.META_FILE).read_text())
    same_origin.record_import(out, record["source"], 14, record["source"], build.images_per_shard(14))
    (out / shard_format.META_FILE).rename(tmp_path / shard_format.META_FILE)
    return out


@pytest.fixture
def preparing(data, tmp_path):
    """``preparing(how)``: the process holding ``data``'s lock as a running prepare does (:data:`HOLDER`)."""
    started = []

    def start(how="finishing"):
        script = tmp_path / "bin" / "minitransfer"
        script.parent.mkdir(exist_ok=True)
        script.write_text(HOLDER)
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "HOLDER_ENDS": how}
        process = subprocess.Popen([sys.executable, str(script), "prepare", "synthetic", str(data)],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=environment)
        started.append(process)
        assert process.stdout.readline() == "held\n"
        return process

    yield start
    for process in started:
        process.stdin.close()
        process.wait(timeout=waiting.DEADLINE_SECONDS)
        process.stdout.close()


@pytest.fixture
def waits(monkeypatch):
    """{"slept": seconds the waits slept, "then": a function called at the first}: no real time spent."""
    waited = {"slept": 0, "then": lambda: None}

    def sleep(seconds):
        if not waited["slept"]:
            waited["then"]()
        waited["slept"] += seconds

    monkeypatch.setattr(lock, "_sleep", sleep, raising=False)  # raising: run on the code before it
    monkeypatch.setattr(lock, "clock", lambda: waited["slept"], raising=False)
    return waited


def _prepare(data, *extra):
    return CliRunner().invoke(main, ["prepare", "synthetic", str(data), *OPTIONS, *extra])


def _ended(process):
    process.stdin.close()
    assert process.wait(timeout=waiting.DEADLINE_SECONDS) in (0, 9)


def test_a_second_same_prepare_waits_for_the_first_then_finds_the_dataset_prepared(data, preparing, waits, tree_state):
    first = preparing()
    finished = {}
    waits["then"] = lambda: (_ended(first), finished.update(tree_state(data)))
    result = _prepare(data)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"{data} is being prepared by another minitransfer process (minitransfer prepare synthetic, PID {first.pid}): "
        f"waiting for it to finish (for as long as it shows progress), then checking the dataset it leaves against "
        f"this prepare's options\n{data}: already prepared, nothing written: 4 classes, train 32, val 8 images"), \
        result.output
    assert waits["slept"] == lock.WAIT_POLL_S
    assert tree_state(data) == finished and "meta.json" in finished and "importing.json" not in finished


def test_a_prepare_whose_first_was_killed_finishes_the_import_it_waited_for(data, preparing, waits):
    first = preparing("killed")
    waits["then"] = lambda: _ended(first)
    result = _prepare(data)
    assert result.exit_code == 0, result.output
    assert "waiting for it to finish" in result.output and f"PID {first.pid}" in result.output
    assert not (data / shard_format.IMPORTING_FILE).exists()
    dataset.open_dataset(data).verify()  # DatasetError where damaged


def test_a_prepare_with_other_options_is_refused_at_once_as_before(data, preparing, waits, tree_state):
    """(an --overwrite too, as tests/data/test_lock_holders.py's prepare shows)"""
    first = preparing()
    before = tree_state(data)
    result = _prepare(data, "--seed", "2")
    assert result.exit_code == 2, result.output
    assert result.output.endswith(f"error: {data} is being prepared by another minitransfer process (minitransfer "
                                  f"prepare synthetic, PID {first.pid}): wait for it to finish, or give another OUT\n")
    assert "waiting" not in result.output and waits["slept"] == 0
    assert tree_state(data) == before


def test_a_prepare_of_the_process_holding_the_lock_is_refused_at_once(data, waits):
    with lock.writing(data):  # a script that prepares while it holds the lock: nothing to wait for
        result = _prepare(data)
    assert result.exit_code == 2, result.output
    assert result.output == (f"error: {data} is being prepared by another minitransfer process (PID {os.getpid()}): "
                             f"wait for it to finish, or give another OUT\n")
    assert waits["slept"] == 0


def test_a_wait_gives_up_after_its_bound_saying_so(data, preparing, waits, tree_state, monkeypatch):
    """A first prepare stopped with Ctrl-Z, or hung on a file system, keeps the lock for good: given up once it has
    shown no progress for lock.STALLED_S (30 minutes; a wait had a fixed bound of 4 hours)."""
    monkeypatch.setattr(lock, "WAIT_POLL_S", 600, raising=False)
    first = preparing()
    before = tree_state(data)
    result = _prepare(data)
    assert result.exit_code == 2, result.output
    named = f"(minitransfer prepare synthetic, PID {first.pid})"
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{data} is being prepared by another minitransfer process {named}: waiting for it")
    assert lines[1:-1] == [f"still waiting for the prepare of {data} {named} to finish ({minutes} minutes so far)"
                           for minutes in (10, 20)]
    assert lines[-1] == (f"error: {data} is still being prepared by another minitransfer process {named}, which has "
                         f"shown no progress for 30 minutes (no file of the folder changed, no CPU time used): it may "
                         f"be stopped (Ctrl-Z) or hung. Rerun this command to wait again, or end it (kill -9 "
                         f"{first.pid}) and rerun, which finishes its import; or give another OUT")
    assert waits["slept"] == 30 * 60
    assert tree_state(data) == before


def test_a_prepare_stopped_while_it_waits_says_it_wrote_nothing(data, preparing, waits, tree_state):
    """It said "the shards finished so far are kept" (exit 75), of the shards the other prepare wrote."""
    first = preparing()
    before = tree_state(data)

    def stopped():  # Ctrl-C, as the command line's handler raises it (minitransfer.stopping.interrupt)
        raise KeyboardInterrupt()

    waits["then"] = stopped
    result = _prepare(data)
    assert result.exit_code == 75, result.output
    assert result.output.endswith(f"interrupted: stopped by a signal while waiting for the other prepare of {data} to "
                                  f"finish; this one wrote nothing: rerun the same command (it waits again, then "
                                  f"checks the dataset left)\n"), result.output
    assert "kept" not in result.output and tree_state(data) == before
    assert first.poll() is None  # the other one goes on
