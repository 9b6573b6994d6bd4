"""Fault drills (issue: nothing lost, nothing mixed): concurrent runs on one output, a full disk, torn
run files, kill -9 at random points, malformed checkpoints, read-only folders, leftovers of crashes.

Each drill asserts the exit code, the message, and that nothing else changed on disk. A full disk is
a real tmpfs when this runs as root with mount rights, otherwise an injected ENOSPC. More kill -9
trials: MINITRANSFER_FAULT_TRIALS=20 pytest tests/test_faults.py.
"""

import contextlib
import dataclasses
import errno
import json
import os
import pathlib
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
import waiting

from minitransfer import checkpoint as checkpoints
from minitransfer import checkpoint_write, config, fileio, models, optim, run_files, run_lock, run_logs
from minitransfer import train as training
from minitransfer.data import synthetic
from minitransfer.data.dataset import DatasetError
from minitransfer.experiment import default_train_command

MINITRANSFER = default_train_command()[:-1]
FAST = {"batch_size": 16, "max_iter": 6, "eval_every": 3, "checkpoint_every": 3, "quiet": True, "device": "cpu"}
CLI_FAST = ["--batch-size", "16", "--max-iter", "6", "--eval-every", "3", "--checkpoint-every", "3", "--quiet",
            "--device", "cpu"]
KILL_TRIALS = int(os.environ.get("MINITRANSFER_FAULT_TRIALS", "2"))


def cli(args, cwd, timeout=300):
    return subprocess.run(MINITRANSFER + [str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def snapshot(folder):
    """{relative path: bytes} of every file under ``folder``."""
    folder = pathlib.Path(folder)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def weights(path):
    return {name: (w.copy(), b.copy()) for name, (w, b) in checkpoints.load(path).weights.items()}


def same_weights(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k][0], b[k][0]) and np.array_equal(a[k][1], b[k][1])
                                        for k in a)


@pytest.fixture(scope="module")
def reference(micro_data, tmp_path_factory):
    """An uninterrupted 6-iteration base: the bits every interrupted run must end with."""
    out = tmp_path_factory.mktemp("reference") / "net.h5"
    training.train(config.TrainConfig(out=str(out), data=micro_data, seed=4, **FAST))
    return out


# ---- one writer per run --------------------------------------------------------------------------

def test_a_second_run_into_a_busy_run_directory_is_refused_and_changes_nothing(micro_data, tmp_path, reference):
    out = tmp_path / "net.h5"
    training.train(config.TrainConfig(out=str(out), data=micro_data, seed=4, **FAST))
    before = snapshot(tmp_path)
    with run_lock.RunLock(tmp_path / "net.run"):
        for resume, overwrite in ((None, True), ("auto", False)):
            # the lock this test's process holds: told as its other training (another thread's, in a notebook)
            with pytest.raises(run_lock.RunBusy, match=rf"net.run is in use by another training of this process "
                                                     rf"\(PID {os.getpid()}"):
                training.train(config.TrainConfig(out=str(out), data=micro_data, seed=9, resume=resume,
                                                  overwrite=overwrite, **FAST))
    assert snapshot(tmp_path) == before and same_weights(weights(out), weights(reference))


# A first training that stops itself (SIGSTOP) the moment it holds its run's lock: held there, not caught by
# a poll while it trains (which needed a training of hundreds of iterations to be caught on a loaded machine).
_STOP_ONCE_LOCKED = """
import os, signal
if os.environ.get("STOP_ONCE_LOCKED"):
    from minitransfer import run_lock
    enter = run_lock.RunLock.__enter__
    def stopping_enter(self):
        held = enter(self)
        os.kill(os.getpid(), signal.SIGSTOP)
        return held
    run_lock.RunLock.__enter__ = stopping_enter
"""


def _stopped(pid):
    """Whether process ``pid`` is stopped (SIGSTOP), as /proc says."""
    with contextlib.suppress(FileNotFoundError):
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "T"
    return False


def test_two_processes_on_one_output_one_trains_the_other_exits_2(micro_data, tmp_path, reference):
    # The first stops itself (SIGSTOP) once it holds its run's lock, while the second starts: it meets the
    # first training whatever the machine's speed or load, and the first then trains on to its end.
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_STOP_ONCE_LOCKED)
    env = {**os.environ, "STOP_ONCE_LOCKED": "1", "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}
    args = ["train", "--data", micro_data, "-o", "net.h5", "--seed", "4", *CLI_FAST]
    first = subprocess.Popen(MINITRANSFER + args, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        waiting.until_while_running(lambda: _stopped(first.pid), first, "the first run stops holding its lock")
        assert run_lock.holder(tmp_path / "net.run") not in (None, -1)
        second = cli(["train", "--data", micro_data, "-o", "net.h5", "--seed", "5", "--resume", "auto",
                      *CLI_FAST], tmp_path)
    finally:
        first.send_signal(signal.SIGCONT)
    assert first.wait(timeout=waiting.DEADLINE_SECONDS) == 0, first.communicate()
    assert second.returncode == 2 and f"in use by another minitransfer process (PID {first.pid})" in second.stderr
    assert "Traceback" not in second.stderr
    rows = (tmp_path / "net.run" / "eval.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows] == ["iteration", "3", "6"]
    assert same_weights(weights(tmp_path / "net.h5"), weights(reference))  # the first's seed, trained alone
    assert json.loads((tmp_path / "net.run" / "config.json").read_text())["seed"] == 4
    assert not (tmp_path / "net.run" / "lock").exists()


def test_a_refused_or_failed_run_leaves_no_empty_run_directory(micro_data, tmp_path, monkeypatch):
    def full(path, text, keep_same=False, named=None):
        raise fileio.storage_error(path, OSError(errno.ENOSPC, "No space left on device"), named=named)

    monkeypatch.setattr(fileio, "write_text", full)
    with pytest.raises(fileio.StorageError):
        training.train(config.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, **FAST))
    assert os.listdir(tmp_path) == []


# ---- a full disk ----------------------------------------------------------------------------------

@contextlib.contextmanager
def tmpfs(folder, options, why):
    """``folder`` with a tmpfs mounted there with ``options`` (root with mount rights only, else a
    skip saying ``why`` it is needed)."""
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                                           capture_output=True).returncode:
        pytest.skip(f"{why} needs root with mount rights")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def small_disk(folder, size):
    """``folder`` on a tmpfs of ``size`` bytes (the injected-ENOSPC drills run without it)."""
    return tmpfs(folder, f"size={size}", "a small tmpfs")


def test_a_full_disk_ends_with_exit_74_the_previous_checkpoint_intact(micro_data, tmp_path, reference):
    """A real tmpfs with room for one checkpoint but not for its replacement: exit 74 naming the file
    and the space needed; after freeing space, --resume auto finishes with the uninterrupted bits."""
    with small_disk(tmp_path / "disk", 900_000) as disk:
        result = cli(["train", "--data", micro_data, "-o", "net.h5", "--seed", "4", *CLI_FAST], disk)
        assert result.returncode == 74, result.stderr
        assert "error: cannot write" in result.stderr and "No space left on device" in result.stderr
        assert "MB needed" in result.stderr and "Traceback" not in result.stderr
        assert result.stderr.endswith("free some space and rerun with --resume auto\n")
        assert not [p for p in disk.rglob("*") if ".tmp-" in p.name]
        saved = checkpoints.load(disk / "net.run" / "checkpoint.h5")
        assert saved.solver.iteration == 3 and not (disk / "net.h5").exists()
        subprocess.run(["mount", "-o", "remount,size=8m", str(disk)], check=True)
        resumed = cli(["train", "--data", micro_data, "-o", "net.h5", "--seed", "4", "--resume", "auto",
                       *CLI_FAST], disk)
        assert resumed.returncode == 0, resumed.stderr
        assert same_weights(weights(disk / "net.h5"), weights(reference))


def test_a_disk_out_of_inodes_says_so_not_only_the_megabytes_it_has_free(tmp_path, monkeypatch):
    """ENOSPC with space free: the file system has no inodes left (a tmpfs with nr_inodes, a disk
    filled with small files); the message said only "N MB free there", contradicting itself."""
    real_statvfs = os.statvfs

    def no_inodes(path):
        status = real_statvfs(path)
        return os.statvfs_result((status.f_bsize, status.f_frsize, status.f_blocks, status.f_bfree,
                                  status.f_bavail, 1000, 0, 0, status.f_flag, status.f_namemax))

    def no_space(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "statvfs", no_inodes)
    monkeypatch.setattr(pathlib.Path, "write_bytes", no_space)
    with pytest.raises(fileio.StorageError, match=rf"^cannot write {re.escape(str(tmp_path))}/net\.h5: No space left "
                                                  r"on device \(7 bytes needed, [\d,]+\.\d MB free but no inodes "
                                                  r"\(file entries\) left there\); delete some files and rerun$"):
        fileio.write_bytes(tmp_path / "net.h5", b"weights")
    assert os.listdir(tmp_path) == []


WRITE_SITES = ("config.json", "eval.csv", "metrics.jsonl", "checkpoint.h5", "net.h5", "result.json")


@pytest.mark.parametrize("site", WRITE_SITES)
def test_enospc_at_every_write_site_is_a_storage_error_and_resumable(micro_data, tmp_path, reference, monkeypatch,
                                                                       site):
    """ENOSPC injected at each write site of a run (the first write of that file after iteration 3's
    checkpoint, or its very first write for config.json): a StorageError naming the file, no
    temporary left, and the rerun with resume="auto" ends with the uninterrupted run's weights."""
    out = tmp_path / "net.h5"
    real_write_bytes, real_append = fileio.write_bytes, fileio.append_text
    checkpoint = tmp_path / "net.run" / "checkpoint.h5"
    armed = {"on": site == "config.json"}

    def fail_if_site(path, named):
        if checkpoint.exists() and checkpoints.load(checkpoint).solver.iteration == 3:
            armed["on"] = True
        if armed["on"] and pathlib.Path(path).name == site:
            raise fileio.storage_error(path, OSError(errno.ENOSPC, "No space left on device"), 1234, named)

    def write_bytes(path, data, named=None):
        fail_if_site(path, named)
        real_write_bytes(path, data, named)

    def append_text(path, text, named=None):
        fail_if_site(path, named)
        real_append(path, text, named)

    monkeypatch.setattr(fileio, "write_bytes", write_bytes)
    monkeypatch.setattr(fileio, "append_text", append_text)
    with pytest.raises(fileio.StorageError, match=rf"cannot write .*{site}: No space left on device .*; free some "
                                                  rf"space and rerun with `resume='auto'`$"):
        training.train(config.TrainConfig(out=str(out), data=micro_data, seed=4, **FAST))
    assert not [p for p in tmp_path.rglob("*") if ".tmp-" in p.name]
    monkeypatch.undo()
    resumed = config.TrainConfig(out=str(out), data=micro_data, seed=4, resume="auto", overwrite=True, **FAST)
    training.train(resumed)
    assert same_weights(weights(out), weights(reference))


def _fsync_failing_on_folders(code):
    """An os.fsync that fails with errno ``code`` on a folder and syncs files, as on WSL's drvfs."""
    real = os.fsync

    def fsync(descriptor):
        if stat.S_ISDIR(os.fstat(descriptor).st_mode):
            raise OSError(code, os.strerror(code))
        real(descriptor)
    return fsync


def test_a_file_system_that_cannot_sync_folders_trains_and_prepares(micro_data, tmp_path, reference, monkeypatch):
    """Windows drives under WSL, SMB and some FUSE mounts answer a folder's fsync with EINVAL: every
    write ended in "cannot write ...: Invalid argument" (exit 74). The rename is what there is to
    have there; the run trains to the uninterrupted bits. Another errno (EIO) is still exit 74."""
    monkeypatch.setattr(os, "fsync", _fsync_failing_on_folders(errno.EINVAL))
    training.train(config.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, seed=4, **FAST))
    assert same_weights(weights(tmp_path / "net.h5"), weights(reference))
    synthetic.build_synthetic(tmp_path / "data", classes=2, train_per_class=2, val_per_class=1, size=8, seed=0)
    monkeypatch.setattr(os, "fsync", _fsync_failing_on_folders(errno.EIO))
    with pytest.raises(fileio.StorageError, match=r"cannot (write|remove) .*other\S*: Input/output error"):
        training.train(config.TrainConfig(out=str(tmp_path / "other.h5"), data=micro_data, seed=4, **FAST))


# ---- torn run files and kill -9 -------------------------------------------------------------------

def test_torn_last_lines_of_the_run_logs_are_dropped_on_resume(micro_data, tmp_path, reference):
    out = tmp_path / "net.h5"

    def stop_after_4(done):
        if done == 4:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(training.Interrupted):
        training.train(config.TrainConfig(out=str(out), data=micro_data, seed=4, **FAST), on_iteration=stop_after_4)
    with open(tmp_path / "net.run" / "metrics.jsonl", "a") as stream:
        stream.write('{"iteration": 5, "lo')
    with open(tmp_path / "net.run" / "eval.csv", "a") as stream:
        stream.write("6,0.5")
    result = training.train(config.TrainConfig(out=str(out), data=micro_data, seed=4, resume="auto", **FAST))
    assert same_weights(weights(out), weights(reference)) and result.evaluations == 2
    for line in (tmp_path / "net.run" / "metrics.jsonl").read_text().splitlines():
        json.loads(line)
    assert [r.split(",")[0] for r in (tmp_path / "net.run" / "eval.csv").read_text().splitlines()] == \
        ["iteration", "3", "6"]


def test_data_that_fails_mid_run_saves_the_iterations_done_and_resumes_to_the_same_bits(micro_data, tmp_path,
                                                                                          reference):
    """Every training shard cut short after iteration 4 (after the checks at the start, with the
    last checkpoint at 3): DatasetError naming a shard, iteration 4 saved; once the shards are put
    back, --resume auto ends with the bits of the uninterrupted run."""
    data = tmp_path / "data"
    shutil.copytree(micro_data, data)
    shards = sorted(data.glob("train-*.h5"))
    originals = {shard: shard.read_bytes() for shard in shards}
    out = tmp_path / "net.h5"

    def cut_shards_after_4(done):
        if done == 4:
            for shard in shards:
                os.truncate(shard, 4096)

    fields = dict(FAST, workers=0)
    with pytest.raises(DatasetError, match=r"train-\d+\.h5: .*truncated.*the 4 iterations done are saved in "
                                                    r".*checkpoint\.h5.*resume='auto'"):
        training.train(config.TrainConfig(out=str(out), data=str(data), seed=4, **fields),
                       on_iteration=cut_shards_after_4)
    assert checkpoints.load(tmp_path / "net.run" / "checkpoint.h5").solver.iteration == 4
    for shard, content in originals.items():
        shard.write_bytes(content)
    training.train(config.TrainConfig(out=str(out), data=str(data), seed=4, resume="auto", **fields))
    assert same_weights(weights(out), weights(reference))


def _finished_run(micro_data, folder):
    """A finished 6-iteration run in ``folder`` (evaluations at 3 and 6) whose result.json is gone, as if it
    had stopped after its last checkpoint; returns the result it had and its run directory."""
    result = training.train(config.TrainConfig(out=str(folder / "net.h5"), data=micro_data, seed=4, **FAST))
    (folder / "net.run" / "result.json").unlink()
    return result, folder / "net.run"


def test_a_cut_off_last_evaluation_is_redone_on_resume(micro_data, tmp_path):
    """The row at the checkpoint's own iteration can be redone: the weights it scored are the checkpoint's."""
    finished, run_dir = _finished_run(micro_data, tmp_path)
    before = (run_dir / "eval.csv").read_text()
    with open(run_dir / "eval.csv", "r+") as stream:
        stream.truncate(len(before) - 10)
    result = training.train(config.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, seed=4, resume="auto",
                                               **FAST))
    assert (run_dir / "eval.csv").read_text() == before
    assert (result.final, result.mean10_top1, result.evaluations) == \
        (finished.final, finished.mean10_top1, finished.evaluations) and result.final["iteration"] == 6
    events = [r["iteration"] for r in run_logs.read_metrics(run_dir / "metrics.jsonl") if r.get("event") == "eval"]
    assert events == [3, 6]


@pytest.mark.parametrize("damage, message", [
    (lambda text: text.replace("iteration,top1,top5,loss", "x,y"), "eval.csv: the header is 'x,y'"),
    (lambda text: "x,y\n", "eval.csv: the header is 'x,y'"),
    (lambda text: "".join(line for line in text.splitlines(keepends=True) if not line.startswith("3,")),
     "eval.csv lacks the evaluations at iteration 3, made before the checkpoint at 6"),
    (lambda text: text.replace("\n3,0.", "\n3,7."), "eval.csv lacks the evaluations at iteration 3"),
    (lambda text: re.sub(r"\n3,.*", "\n3,nan,nan,nan", text), "eval.csv lacks the evaluations at iteration 3"),
], ids=["header", "header-only", "row-removed", "accuracy-above-1", "nan-row"])
def test_an_eval_csv_that_lost_evaluations_before_the_checkpoint_is_refused(micro_data, tmp_path, damage, message):
    _, run_dir = _finished_run(micro_data, tmp_path)
    eval_csv = run_dir / "eval.csv"
    eval_csv.write_text(damage(eval_csv.read_text()))
    before = snapshot(tmp_path)
    result = cli(["train", "--data", micro_data, "-o", "net.h5", "--seed", "4", "--resume", "auto", *CLI_FAST],
                 tmp_path)
    assert result.returncode == 65 and message in result.stderr and "--overwrite" in result.stderr, result.stderr
    assert snapshot(tmp_path) == before and not (run_dir / "result.json").exists()


def test_a_result_json_without_numbers_is_written_again_on_resume(micro_data, tmp_path):
    finished, run_dir = _finished_run(micro_data, tmp_path)
    (run_dir / "result.json").write_text(json.dumps({**finished.to_dict(), "mean10_top1": None}))
    result = training.train(config.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, seed=4, resume="auto",
                                               **FAST))
    assert result.mean10_top1 == finished.mean10_top1
    assert json.loads((run_dir / "result.json").read_text())["mean10_top1"] == finished.mean10_top1


def test_json_run_files_never_hold_nan(tmp_path):
    """A diverged evaluation's loss is not finite: strict JSON has no NaN, so it is written as null."""
    files = run_files.RunFiles(tmp_path / "net.run", 0, fresh=True)
    files.write_json(files.result, {"final": {"top1": 0.5, "loss": float("nan")}, "best": [float("inf"), 0.25]})
    text = files.result.read_text()
    assert json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in {text}")) == \
        {"final": {"top1": 0.5, "loss": None}, "best": [None, 0.25]}


@pytest.mark.parametrize("trial", range(KILL_TRIALS))
def test_kill_9_at_a_random_moment_then_resume_gives_the_same_bits(micro_data, tmp_path, reference, trial):
    args = ["train", "--data", micro_data, "-o", "net.h5", "--seed", "4", "--resume", "auto", *CLI_FAST]
    delay = random.Random(trial).uniform(0.3, 3.0)
    process = subprocess.Popen(MINITRANSFER + args, cwd=tmp_path, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    time.sleep(delay)
    process.kill()
    process.wait()
    for attempt in range(3):
        result = cli(args, tmp_path)
        if result.returncode == 0:
            break
    assert result.returncode == 0, result.stderr
    assert same_weights(weights(tmp_path / "net.h5"), weights(reference)), f"killed after {delay:.2f} s"
    assert not [p for p in tmp_path.rglob("*") if ".tmp-" in p.name]


def test_leftover_temporaries_of_dead_processes_are_removed_when_a_run_starts(micro_data, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    (tmp_path / "net.run").mkdir()
    stale = [tmp_path / f".net.h5.tmp-{pid}", tmp_path / "net.run" / f".checkpoint.h5.tmp-{pid}"]
    alive = tmp_path / f".other.h5.tmp-{os.getppid()}"
    for path in stale + [alive]:
        path.write_bytes(b"half a file")
    training.train(config.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, **FAST))
    assert not any(path.exists() for path in stale) and alive.exists()


# ---- resuming: any spelling of the same file, never another network ------------------------------

@pytest.mark.parametrize("spelling", ["./net.h5", "ABSOLUTE", "sub/../net.h5"])
def test_resume_accepts_any_spelling_of_the_same_output(micro_data, tmp_path, reference, spelling):
    (tmp_path / "sub").mkdir()
    stop = cli(["train", "--data", micro_data, "-o", "net.h5", "--seed", "4", *CLI_FAST[:2], "--max-iter", "3",
                *CLI_FAST[4:]], tmp_path)
    assert stop.returncode == 0, stop.stderr
    spelled = str(tmp_path / "net.h5") if spelling == "ABSOLUTE" else spelling
    (tmp_path / "net.h5").unlink()  # as if interrupted after its checkpoint at 3
    result = cli(["train", "--data", micro_data, "-o", spelled, "--seed", "4", "--resume", "auto",
                  "--max-iter", "3", *CLI_FAST[:2], *CLI_FAST[4:]], tmp_path)
    assert result.returncode == 0, result.stderr


def test_a_foreign_network_in_place_of_the_runs_checkpoint_is_refused_by_name(micro_data, tmp_path):
    out = tmp_path / "net.h5"
    training.train(config.TrainConfig(out=str(out), data=micro_data, seed=4, **FAST))
    # a mini network of zeros (36 px, its own images' size): another preset than the run's, micro, at a fraction
    # of a CaffeNet's cost to write and read
    checkpoints.save(tmp_path / "net.run" / "checkpoint.h5", _zero_checkpoint(models.mini, 36, solver=True))
    result = cli(["train", "--data", micro_data, "-o", "net.h5", "--seed", "4", "--resume", "auto", *CLI_FAST],
                 tmp_path)
    assert result.returncode == 65 and "net.run/checkpoint.h5 holds a 'mini' network; this run trains 'micro'" \
        in result.stderr, result.stderr


def test_the_class_table_mismatch_names_the_first_differing_class(micro_data, tmp_path):
    out = tmp_path / "net.h5"
    training.train(config.TrainConfig(out=str(out), data=micro_data, seed=4, **FAST))
    path = tmp_path / "net.run" / "checkpoint.h5"
    with h5py.File(path, "a") as f:
        classes = json.loads(f.attrs["classes"])
        classes[1]["wnid"] = "n99"
        f.attrs["classes"] = json.dumps(classes)
    with pytest.raises(config.DataMismatch, match=r"label 1 is 'n99' .* in the checkpoint, 'synthetic-00\d' .* here"):
        training.train(config.TrainConfig(out=str(out), data=micro_data, seed=4, resume="auto", **FAST))


def _blow_up_at_iteration_4(monkeypatch):
    """Make the solver's step set conv1's weights to 1e24 at iteration 4 (finite, but no trained network
    has such weights); the real step returned."""
    real_step = optim.step

    def explode(params, solver, iteration):
        lr = real_step(params, solver, iteration)
        if iteration == 4:
            params[0].data[...] = 1e24
        return lr

    monkeypatch.setattr(optim, "step", explode)
    return real_step


def test_blown_up_weights_never_replace_the_last_good_checkpoint(micro_data, tmp_path, monkeypatch):
    """The diagnostic names the parameter that blew up (it listed every layer's norms, naming none)."""
    out = tmp_path / "net.h5"
    _blow_up_at_iteration_4(monkeypatch)
    blown_up = r"^weights of conv1/W became non-finite or larger than 1e\+06 at iteration 6 "
    with pytest.raises(training.Diverged, match=blown_up):
        training.train(config.TrainConfig(out=str(out), data=micro_data, seed=4, **FAST))
    assert checkpoints.load(tmp_path / "net.run" / "checkpoint.h5").solver.iteration == 3


def test_a_plain_rerun_of_a_diverged_run_says_it_diverged_and_that_a_lower_rate_trains_it(micro_data, tmp_path,
                                                                                          monkeypatch):
    """It told to continue the run (`resume='auto'`), which replays its steps and diverges again."""
    out = tmp_path / "net.h5"
    real_step = _blow_up_at_iteration_4(monkeypatch)
    c = config.TrainConfig(out=str(out), data=micro_data, seed=4, **FAST)
    with pytest.raises(training.Diverged):
        training.train(c)
    monkeypatch.setattr(optim, "step", real_step)
    with pytest.raises(config.ConfigError, match=r"checkpoint.h5 exists, of a run that ended so: training diverged: "
                                          r"weights of conv1/W .* at iteration 6 .*; resumed, it would diverge again: "
                                          r"start over with a lower `base_lr` \(`overwrite=True`\)$"):
        training.train(c)
    training.train(dataclasses.replace(c, overwrite=True))  # as it says: the run trains from the start
    assert (tmp_path / "net.run/result.json").is_file()


# ---- malformed inputs on the command line: exit 65 naming the file, never a traceback -------------

def _save_compressed(path, checkpoint):
    """:func:`checkpoints.save`, its arrays stored with HDF5's gzip filter (which h5py always reads): the
    same checkpoint to every reader, a CaffeNet of zeros then under 1 MB on disk, not 228 MB (455 MB with
    its solver's velocities) written, synced, hashed and read by each drill."""
    def compressed(group, key, array):
        array = np.asarray(array, dtype=np.float32)
        group.create_dataset(key, data=array, chunks=array.shape or None, fletcher32=True, compression="gzip",
                             compression_opts=1)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checkpoint_write, "_write_array", compressed)
        checkpoints.save(path, checkpoint)


def _zero_checkpoint(build, image_side, solver=False):
    """A checkpoint of the network ``build`` makes (a preset of :mod:`minitransfer.models`) for 4 classes, every
    weight zero, its mean image ``image_side`` pixels square."""
    net = build(4)
    weights = {name: (np.zeros(w, np.float32), np.zeros(b, np.float32)) for name, w, b in net.architecture()}
    return checkpoints.Checkpoint(
        preset=net.preset, weights=weights, frozen={},
        meta={"classes": [{"index": i, "wnid": f"n{i:08d}", "name": f"class {i}"} for i in range(4)], "iteration": 1},
        mean=np.zeros((image_side, image_side, 3), np.float32),
        solver=checkpoints.Solver(iteration=1, seed=0, cursor={}, velocity=weights) if solver else None)


@pytest.mark.parametrize("attribute, value", [("classes", '{"a": 1}'), ("config", "[1]"), ("mean_source", '"x"')])
def test_malformed_checkpoint_attributes_exit_65_on_every_command(micro_data, tmp_path, attribute, value):
    out = tmp_path / "net.h5"
    training.train(config.TrainConfig(out=str(out), data=micro_data, seed=4, **FAST))
    with h5py.File(out, "a") as f:
        f.attrs[attribute] = value
    for args in (["info", out], ["eval", out, "--data", micro_data, "--device", "cpu"],
                 ["train", "--data", micro_data, "--copy-from", out, "--n", "2", "-o", tmp_path / "t.h5", *CLI_FAST]):
        result = cli(args, tmp_path)
        assert result.returncode == 65, (args, result.stderr)
        assert f"net.h5: attribute {attribute} must be" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "t.run").exists()


def _cursor(**change):
    return lambda f: f["solver"].attrs.__setitem__("cursor", json.dumps({**json.loads(f["solver"].attrs["cursor"]),
                                                                         **change}))


def _put(dataset, value):
    def put(f):
        array = f[dataset][...]
        array.flat[0] = value
        f[dataset][...] = array
    return put


def _iteration(root, solver):
    return lambda f: (f.attrs.__setitem__("iteration", root), f["solver"].attrs.__setitem__("iteration", solver))


@pytest.mark.parametrize("damage, message", [
    (lambda f: f["solver"].attrs.__setitem__("cursor", '{"batch": 4}'), "solver attribute cursor does not fit"),
    (_cursor(count=1000), "solver attribute cursor does not fit"),
    (_cursor(batch=2), "solver attribute cursor is at batch 2, its iteration is 4"),
    (_iteration(10**6, 10**6), "attribute iteration is 1000000, past the end of its run (config max_iter 6)"),
    (_iteration(-5, -5), "attribute iteration is -5"),
    (_iteration(4, 5), "solver attribute iteration 5 disagrees with the root attribute iteration 4"),
    (_put("weights/conv1/W", np.nan), "/weights/conv1/W holds NaN or infinite values"),
    (_put("solver/velocity/fc8/b", np.inf), "/solver/velocity/fc8/b holds NaN or infinite values"),
], ids=["cursor-of-nothing", "cursor-of-another-stream", "cursor-behind", "iteration-past-the-end",
        "iteration-negative", "iterations-disagree", "nan-weight", "inf-velocity"])
def test_a_damaged_run_checkpoint_is_refused_on_resume_and_changes_nothing(micro_data, tmp_path, damage, message):
    def stop_after_4(done):
        if done == 4:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(training.Interrupted):
        training.train(config.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, seed=4, **FAST),
                       on_iteration=stop_after_4)
    with h5py.File(tmp_path / "net.run" / "checkpoint.h5", "a") as f:
        damage(f)
    before = snapshot(tmp_path)
    result = cli(["train", "--data", micro_data, "-o", "net.h5", "--seed", "4", "--resume", "auto", *CLI_FAST],
                 tmp_path)
    assert result.returncode == 65, result.stderr
    assert "checkpoint net.run/checkpoint.h5: " in result.stderr and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and snapshot(tmp_path) == before


def test_non_finite_weights_exit_65_on_every_command(micro_data, tmp_path):
    out = tmp_path / "net.h5"
    training.train(config.TrainConfig(out=str(out), data=micro_data, seed=4, **FAST))
    with h5py.File(out, "a") as f:
        _put("weights/conv2/W", np.nan)(f)
    for args in (["info", out], ["eval", out, "--data", micro_data, "--device", "cpu"],
                 ["train", "--data", micro_data, "--copy-from", out, "--n", "7", "-o", tmp_path / "t.h5", *CLI_FAST]):
        result = cli(args, tmp_path)
        assert result.returncode == 65, (args, result.stderr)
        assert "net.h5: /weights/conv2/W holds NaN" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "t.run").exists()


def test_a_caffenet_checkpoint_on_small_images_is_bad_data(micro_data, tmp_path):
    _save_compressed(tmp_path / "caffenet.h5", _zero_checkpoint(models.caffenet, 36))
    result = cli(["eval", "caffenet.h5", "--data", micro_data, "--device", "cpu"], tmp_path)
    assert result.returncode == 65 and "caffenet.h5 is a caffenet network that takes 227x227 crops" in result.stderr


# ---- read-only output folders and signals outside the training loop -------------------------------

@contextlib.contextmanager
def read_only(folder):
    """``folder`` where nothing can be written: a read-only tmpfs as root (root ignores modes),
    else chmod 555."""
    if os.geteuid() == 0:
        with tmpfs(folder, "ro,size=1m", "a read-only folder for root") as mounted:
            yield mounted
        return
    folder.mkdir()
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(0o755)


def test_a_read_only_output_folder_is_exit_74_on_every_writing_command(micro_data, tmp_path, reference):
    with read_only(tmp_path / "ro") as folder:
        commands = [
            ["train", "--data", micro_data, "-o", folder / "net.h5", *CLI_FAST],
            ["prepare", "synthetic", folder / "data", "--classes", "2", "--train-per-class", "2",
             "--val-per-class", "1"],
            ["experiment", "--data", micro_data, "-o", folder / "grid", "--layers", "1", "--device", "cpu",
             "--max-iter", "2"],
            ["report", reference.parent, "-o", folder / "report"],
            ["demo", "-o", folder / "demo", "--device", "cpu"],
        ]
        for args in commands:
            result = cli(args, tmp_path)
            assert result.returncode == 74, (args[0], result.stdout, result.stderr)
            assert "Traceback" not in result.stderr and str(folder) in result.stderr, args[0]


def test_a_finished_run_in_a_read_only_folder_is_reported_not_refused(micro_data, tmp_path):
    """--resume auto on a finished run writes nothing, so a read-only folder is no obstacle; an
    unfinished one there still cannot be written (exit 74)."""
    with tmpfs(tmp_path / "disk", "size=8m", "remounting a folder read-only") as disk:
        train = ["train", "--data", micro_data, "--seed", "4", "--resume", "auto",
                 *[arg for arg in CLI_FAST if arg != "--quiet"]]
        for name in ("done.h5", "unfinished.h5"):
            assert cli([*train, "-o", name], disk).returncode == 0
        (disk / "unfinished.run" / "result.json").unlink()
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        before = snapshot(disk)
        finished = cli([*train, "-o", "done.h5"], disk)
        assert finished.returncode == 0, finished.stderr
        assert "done.h5 is already finished (mean of all 2 evaluations" in finished.stderr
        assert "nothing to do" in finished.stderr
        unfinished = cli([*train, "-o", "unfinished.h5"], disk)
        assert unfinished.returncode == 74 and "cannot write unfinished.run/lock: Read-only file system" \
            in unfinished.stderr, unfinished.stderr
        assert snapshot(disk) == before


def test_a_dataset_in_a_read_only_folder_is_trained_on_and_evaluated(tmp_path):
    """Readers lock the dataset against prepare with a file in its folder: where none can be created,
    nobody can prepare there either, and reading goes on without it (also beside a lock file a
    killed reader left, which is locked read-only)."""
    with tmpfs(tmp_path / "disk", "size=1m", "remounting a folder read-only") as disk:
        for name in ("clean", "left-lock"):
            synthetic.build_synthetic(disk / name, classes=4, train_per_class=8, val_per_class=2, size=14, seed=1)
        (disk / "left-lock" / "lock").write_bytes(b"")
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        before = snapshot(disk)
        for name in ("clean", "left-lock"):
            trained = cli(["train", "--data", disk / name, "-o", f"{name}.h5", "--preset", "micro", *CLI_FAST],
                          tmp_path)
            assert trained.returncode == 0, trained.stderr
            evaluated = cli(["eval", f"{name}.h5", "--device", "cpu"], tmp_path)
            assert evaluated.returncode == 0 and f"on val of {disk / name} (4 images)" in evaluated.stdout, \
                evaluated.stderr
        assert snapshot(disk) == before


def _stopped_in_the_dataset_build(tmp_path, at_exit="", command=("train", "-o", "net.h5"), stop=signal.SIGTERM,
                                  preexec_fn=None):
    """``command`` (train) in a subprocess started with ``preexec_fn``, sent ``stop`` (SIGTERM)
    while it builds the built-in dataset (the build is held open: it sleeps after writing);
    ``at_exit``: Python run first, e.g. an atexit hook. Returns the process (signalled)."""
    cache = tmp_path / "cache"
    slow_build = (f"import atexit, pathlib, time; {at_exit or 'pass'}; from minitransfer.data import synthetic; "
                  "build = synthetic.build_synthetic; synthetic.build_synthetic = lambda *a, **k: "
                  f"(build(*a, **k), time.sleep({waiting.DEADLINE_SECONDS})); "
                  "from minitransfer.cli import main; main(prog_name='minitransfer')")
    process = subprocess.Popen([sys.executable, "-c", slow_build, *command, "--device", "cpu"],
                               cwd=tmp_path, env=dict(os.environ, MINITRANSFER_CACHE=str(cache)),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=preexec_fn)
    waiting.until_while_running(lambda: any(cache.glob(".synthetic-*.tmp-*/meta.json")), process,
                                "the dataset built")
    process.send_signal(stop)
    return process


def test_sigterm_before_training_starts_is_an_orderly_exit_75(tmp_path):
    """SIGTERM while the built-in dataset is being built (before the training loop): a message and
    exit 75, not a silent 143, and no half-built dataset or run folder left behind."""
    process = _stopped_in_the_dataset_build(tmp_path)
    _, stderr = process.communicate(timeout=waiting.DEADLINE_SECONDS)
    assert process.returncode == 75, stderr
    assert stderr.startswith("interrupted: ") and "rerun the same command to start it" in stderr, stderr
    assert "--resume" not in stderr, stderr  # a fresh run, nothing of it written: a plain rerun starts it
    assert "Traceback" not in stderr
    assert not (tmp_path / "net.run").exists() and list((tmp_path / "cache").iterdir()) == []


@pytest.mark.parametrize("command", [("train", "-o", "net.h5"), ("demo", "-o", "demo")], ids=["train", "demo"])
def test_sigint_stops_a_command_started_with_sigint_ignored(tmp_path, command):
    """A shell script's background job (`minitransfer demo &`) starts with SIGINT ignored, which
    Python leaves so: `kill -INT` must still stop it as Ctrl-C does (exit 75, nothing half-built
    left), not let it run on. (experiment: test_experiment.py, prepare: test_decoder_pool.py.)"""
    process = _stopped_in_the_dataset_build(tmp_path, command=command, stop=signal.SIGINT,
                                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        _, stderr = process.communicate(timeout=waiting.DEADLINE_SECONDS)
    finally:
        process.kill()
    assert process.returncode == 75, stderr
    assert stderr.startswith("interrupted: ") and "rerun the same command" in stderr and "Traceback" not in stderr
    assert "--resume auto" not in stderr, stderr  # nothing written: train's fresh run is rerun as it was too
    assert sorted(os.listdir(tmp_path)) == ["cache"] and list((tmp_path / "cache").iterdir()) == []


def test_a_second_signal_while_exiting_interrupted_keeps_exit_75(tmp_path):
    """A second Ctrl-C or SIGTERM after the first one's "interrupted" message (a user pressing twice,
    a scheduler escalating) must not turn exit 75 into a death by signal (143), which a requeue
    script would read as a crash. The exit is held open by the test (an atexit hook waits until both
    signals are sent: the file "sent")."""
    hold_exit = ("atexit.register(lambda: (pathlib.Path('exiting').touch(), any(pathlib.Path('sent').exists() or "
                 f"time.sleep(0.02) for _ in range({waiting.DEADLINE_SECONDS} * 50))))")
    process = _stopped_in_the_dataset_build(tmp_path, at_exit=hold_exit)
    waiting.until_while_running((tmp_path / "exiting").exists, process, "the exit held")
    process.send_signal(signal.SIGTERM)
    process.send_signal(signal.SIGINT)
    (tmp_path / "sent").touch()
    _, stderr = process.communicate(timeout=waiting.DEADLINE_SECONDS)
    assert process.returncode == 75, stderr
    assert stderr.startswith("interrupted: ") and "Traceback" not in stderr


def test_a_torn_last_row_is_not_read_even_when_it_parses(tmp_path):
    """What a full disk leaves mid-append may still parse ("6,0.5,0.9,1" of "6,0.5,0.9,1.25\n"): a
    row without its newline is never read."""
    path = tmp_path / "eval.csv"
    path.write_text("iteration,top1,top5,loss\n3,0.4,0.8,1.5\n6,0.5,0.9,1")
    assert run_logs.read_eval_rows(path) == [{"iteration": 3, "top1": 0.4, "top5": 0.8, "loss": 1.5}]
    metrics = tmp_path / "metrics.jsonl"
    metrics.write_text('{"iteration": 3, "loss": 1.5}\n{"iteration": 4}')
    assert run_logs.read_metrics(metrics) == [{"iteration": 3, "loss": 1.5}]
