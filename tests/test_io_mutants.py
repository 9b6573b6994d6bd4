"""Small slips in the persistence paths (found by mutation testing: fileio, checkpoint, checkpoint_check,
checkpoint_info, resume, run_files, rundir) that no other test caught. Every expectation is worked out here from
the documented contract (DESIGN.md §6, the modules' docstrings), never read back through the code under test:
what the system calls saw, files and processes made by hand, attributes edited with plain h5py."""

import json
import os
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from minitransfer import checkpoint as checkpoints
from minitransfer import fileio, models, rundir
from minitransfer import train as training
from minitransfer.checkpoint_info import describe
from minitransfer.errors import MinitransferError
from minitransfer.run_files import RunFiles


def _recording_syscalls(monkeypatch):
    """Record os.fsync (by the path its descriptor names) and os.replace, in the order they happen."""
    events, fsync, replace = [], os.fsync, os.replace

    def syncing(descriptor):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{descriptor}")))
        fsync(descriptor)

    def replacing(source, target, **kwargs):
        replace(source, target, **kwargs)
        events.append(("replace", str(source), str(target)))

    monkeypatch.setattr(os, "fsync", syncing)
    monkeypatch.setattr(os, "replace", replacing)
    return events


def test_an_atomic_write_syncs_the_file_before_its_rename_and_the_folder_after(tmp_path, monkeypatch):
    """Crash safety (fileio's contract): the new bytes are on disk before the rename makes them the file's
    (else a crash leaves an empty or torn file under the real name), and the rename is on disk (the
    folder synced) before the writer goes on (else the old file comes back after a crash)."""
    target = tmp_path / "meta.json"
    target.write_text("old")
    events = _recording_syscalls(monkeypatch)
    fileio.write_text(target, "new")
    monkeypatch.undo()
    temporary = str(fileio.temporary_path(target))
    renamed = events.index(("replace", temporary, str(target)))
    assert ("fsync", temporary) in events[:renamed], events
    assert ("fsync", str(tmp_path)) in events[renamed + 1:], events
    assert target.read_text() == "new"


def test_a_write_kept_when_the_same_rewrites_a_file_of_the_same_length_that_holds_other_text(tmp_path):
    """``keep_same`` leaves a file alone only where it holds exactly that text: a meta.json edited (or
    damaged) to other text of the same length is written again, not kept because its size matched."""
    target = tmp_path / "meta.json"
    target.write_bytes(b'{"count": 7}')
    fileio.write_text(target, '{"count": 9}', keep_same=True)
    assert target.read_bytes() == b'{"count": 9}'


def _dead_pid():
    """The id of a process that has exited (and been waited for)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temporaries_are_those_of_dead_processes_and_only_those(tmp_path):
    """A live writer's temporary is its file in the making: removing it loses that write; a dead one's
    is a crash's leftover, removed."""
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live, dead = tmp_path / f".a.h5.tmp-{alive.pid}", tmp_path / f".b.h5.tmp-{_dead_pid()}"
        live.write_bytes(b"writing"), dead.write_bytes(b"left over")
        removed = fileio.remove_stale_temporaries(tmp_path)
        assert (live.exists(), dead.exists(), removed) == (True, False, [dead])
    finally:
        alive.kill()
        alive.wait()


def test_with_idle_s_only_temporaries_idle_that_long_are_removed(tmp_path):
    """A folder shared with other machines (``idle_s``): a temporary this machine sees no process for may be
    another node's write in progress, so only one untouched for ``idle_s`` is a leftover. The fresh one must
    stay, the old one go."""
    pid = _dead_pid()
    fresh, old = tmp_path / f".a.h5.tmp-{pid}", tmp_path / f".b.h5.tmp-{pid}"
    fresh.write_bytes(b"being written on another node"), old.write_bytes(b"left over")
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))
    removed = fileio.remove_stale_temporaries(tmp_path, idle_s=600)
    assert (fresh.exists(), old.exists(), removed) == (True, False, [old])


def test_last_line_reads_exactly_the_last_bytes_it_is_given(tmp_path):
    log = tmp_path / "grid.log"
    log.write_bytes(b"first line\nlast\n")
    assert fileio.last_line(log, len(b"last\n")) == "last"
    assert fileio.last_line(log, 1 << 12) == "last"


def _network_file(path, outputs, classes, iteration=1, solver=False):
    """A mini checkpoint of ``outputs`` fc8 outputs recording ``classes`` classes at ``iteration`` of a 10-iteration
    run (with zero momentum buffers where ``solver``), written by save(): the file under test is what load() reads."""
    net = models.mini(outputs)
    net.initialize(0)
    table = [{"index": i, "wnid": f"n{i:08d}", "name": f"class {i}"} for i in range(classes)]
    velocity = {name: (np.zeros_like(w), np.zeros_like(b)) for name, (w, b) in net.weights().items()}
    checkpoints.save(path, checkpoints.Checkpoint(
        preset="mini", weights=net.weights(), frozen={},
        meta={"classes": table, "iteration": iteration, "config": {"max_iter": 10}},
        solver=checkpoints.Solver(iteration, 0, {"batch": iteration}, velocity) if solver else None))
    return path


def test_a_network_with_one_output_fewer_than_its_classes_is_refused(tmp_path):
    """fc8 must have an output per class the file records: with one fewer, the last class could never be
    predicted (and a label of it indexes past the logits)."""
    assert checkpoints.load(_network_file(tmp_path / "same.h5", 5, 5)).classes[-1]["index"] == 4
    with pytest.raises(checkpoints.CheckpointError, match="5 outputs for the 6 classes"):
        checkpoints.load(_network_file(tmp_path / "short.h5", 5, 6))


@pytest.mark.parametrize("version", [0, 2])
def test_a_format_version_other_than_1_older_or_newer_is_refused(tmp_path, version):
    """Version 1 is the one layout this minitransfer reads: a file marked 0 is not read as if it were 1."""
    path = _network_file(tmp_path / "net.h5", 5, 5)
    with h5py.File(path, "r+") as f:
        f.attrs["format_version"] = version
    for read in (checkpoints.load, checkpoints.read_meta):  # read_meta: what info and a grid read of a base
        with pytest.raises(checkpoints.CheckpointError, match=f"format version {version}"):
            read(path)


def test_a_bias_of_another_shape_is_named_when_the_weights_fit(tmp_path):
    saved = checkpoints.load(_network_file(tmp_path / "net.h5", 5, 5))
    w, b = saved.weights["fc7"]
    saved.weights["fc7"] = (w, np.zeros(b.shape[0] + 1, np.float32))
    with pytest.raises(checkpoints.CheckpointError, match=r"layer fc7 has W .* and b \(%d,\)" % (b.shape[0] + 1)):
        checkpoints.check_architecture(saved, models.mini(5))


def test_a_weight_beyond_the_documented_1e6_is_refused(tmp_path):
    """No run writes a weight larger than 1e6 (DESIGN.md: loading trusts nothing it reads): one of 2e6, a
    flipped exponent bit or another program's edit, is refused rather than copied into a network."""
    path = _network_file(tmp_path / "net.h5", 5, 5)
    with h5py.File(path, "r+") as f:
        f["weights/conv3/W"][0, 0, 0, 0] = 2e6
    with pytest.raises(checkpoints.CheckpointError, match="conv3/W holds a value of size 2e"):
        checkpoints.load(path)


def test_weights_short_of_max_iter_are_not_taken_for_a_finished_run(micro_data, tmp_path):
    """resume='auto' takes a run whose checkpoint was deleted for finished only where its weights say it
    reached max_iter: weights of iteration 2 of 4 (another run's, copied over by hand) would otherwise end
    the run as done, untrained for half its iterations."""
    out = tmp_path / "b.h5"
    options = {"out": out, "data": micro_data, "batch_size": 8, "max_iter": 4, "eval_every": 2, "quiet": True,
               "device": "cpu"}
    training.train(training.TrainConfig(**options))
    (tmp_path / "b.run" / "checkpoint.h5").unlink(missing_ok=True)
    with h5py.File(out, "r+") as f:
        f.attrs["iteration"] = 2
    with pytest.raises(MinitransferError):
        training.train(training.TrainConfig(**options, resume="auto"))


def test_a_run_started_over_removes_the_weights_of_the_run_it_replaces(tmp_path):
    """overwrite: the old run's weights go first, so that none outlive the run folder they belong to (a
    run failing before it writes its own would leave them to pass for its network)."""
    weights, run_dir = tmp_path / "b.h5", tmp_path / "b.run"
    run_dir.mkdir()
    for name in ("result.json", "checkpoint.h5", "metrics.jsonl", "eval.csv"):
        (run_dir / name).write_text("of the old run")
    weights.write_bytes(b"old weights")
    RunFiles(run_dir, 0, fresh=True, weights=weights)
    assert not weights.exists()
    assert sorted(path.name for path in run_dir.iterdir()) == ["eval.csv"]
    assert (run_dir / "eval.csv").read_text() != "of the old run"


def test_run_records_hold_strict_json_for_infinite_values_too(tmp_path):
    """A diverged evaluation's loss may be inf as well as NaN: result.json is strict JSON (rundir), so every
    non-finite float becomes null, or ``jq`` and browsers refuse the file."""
    record = {"loss": float("inf"), "curve": [float("-inf"), 0.5, float("nan")], "top1": 0.25}
    cleaned = rundir.finite(record)
    assert cleaned == {"loss": None, "curve": [None, 0.5, None], "top1": 0.25}
    json.dumps(cleaned, allow_nan=False)


@pytest.mark.parametrize("iteration, finished", [(9, False), (10, True)])
def test_info_says_finished_only_at_max_iter_itself_and_resumable_only_before(tmp_path, iteration, finished):
    """A checkpoint of iteration 9 of a 10-iteration run is one iteration short of its end, not the trained
    network, and can be resumed; one of iteration 10 is the trained network, with nothing left to resume."""
    described = describe(_network_file(tmp_path / "net.h5", 5, 5, iteration=iteration, solver=True))
    assert (described["iteration"], described["finished"], described["resumable"]) == (iteration, finished,
                                                                                       not finished)
