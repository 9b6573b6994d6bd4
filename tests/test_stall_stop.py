"""Stopping a training at awkward moments. Its data loader stalled (the workers hung on a slow file
system): SIGTERM stops it as any interrupted run, promptly, with its checkpoint at the last whole
iteration, exit 75, and a resume that ends with the bits of a run never stopped. While it writes its
final weights: it finishes."""
import json
import os
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest
import waiting
from oracles import WEIGHT_LAYERS

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.data import loader_workers

MAX_ITER = 10

# `minitransfer train` whose loader workers are stopped (SIGSTOP: alive, giving nothing, as on a
# hung file system) when the 3rd batch is awaited; the stall is said after half a second.
_STALLING_TRAIN = """
import os, pathlib, signal, sys
from minitransfer.data import loader_workers
loader_workers.STALL_NOTICE_SECONDS = 0.5
take = loader_workers.WorkerPool.take
def stalling_take(pool, batch, count, *rest):
    if batch == 2:
        for process in pool.processes:
            os.kill(process.pid, signal.SIGSTOP)
        pathlib.Path("workers").write_text(" ".join(str(process.pid) for process in pool.processes))
        print("test: workers stopped", file=sys.stderr, flush=True)
    return take(pool, batch, count, *rest)
loader_workers.WorkerPool.take = stalling_take
from minitransfer.cli import main
main(prog_name="minitransfer")
"""

OPTIONS = {"batch_size": 8, "max_iter": MAX_ITER, "eval_every": 3, "log_every": 1, "workers": 1, "device": "cpu"}


def _command_line(data, out):
    return ["--data", data, "-o", out, "--no-progress",
            *(item for key, value in OPTIONS.items() for item in (f"--{key.replace('_', '-')}", str(value)))]


def _weights_and_velocities(path):
    """The weights and momentum of the run of weights file ``path``, from its run folder's checkpoint.h5 (the
    weights file holds no momentum)."""
    saved = checkpoints.load(path.with_suffix(".run") / "checkpoint.h5")
    return [saved.weights[name] for name in WEIGHT_LAYERS] + [saved.solver.velocity[name] for name in WEIGHT_LAYERS]


def resume_equals_a_run_never_stopped(data, stopped, tmp_path, options):
    """Resume the run ``stopped`` (the folder of its net.h5) to its end, train the same run
    straight through as ``tmp_path/straight.h5``: their weights, velocities and eval.csv are equal.
    Returns the straight run's folder."""
    training.train(training.TrainConfig(data=data, out=str(stopped / "net.h5"), resume="auto", quiet=True,
                                        progress=False, **options))
    straight = tmp_path / "straight.h5"
    training.train(training.TrainConfig(data=data, out=str(straight), quiet=True, progress=False, **options))
    for resumed, expected in zip(_weights_and_velocities(stopped / "net.h5"), _weights_and_velocities(straight)):
        np.testing.assert_array_equal(resumed[0], expected[0])  # W
        np.testing.assert_array_equal(resumed[1], expected[1])  # b
    assert (stopped / "net.run" / "eval.csv").read_text() == (tmp_path / "straight.run" / "eval.csv").read_text()
    return tmp_path / "straight.run"


def _read_lines(stream, lines):
    for line in stream:
        lines.append(line)


def _stall_said(said):
    """Whether the stall notice was said after the workers were stopped: on a loaded machine the first batch,
    awaited as the worker starts, could take longer than the notice's half second too, and a notice of it, said
    before the "workers" file was written, was taken for the stall."""
    lines = list(said)
    stopped = [number for number, line in enumerate(lines) if line.startswith("test: workers stopped")]
    return bool(stopped) and any("the data loader has given no batch" in line for line in lines[stopped[0] + 1:])


def test_sigterm_stops_a_training_whose_loader_stalled_with_its_checkpoint_and_the_resume_is_exact(micro_data,
                                                                                                   tmp_path):
    stopped = tmp_path / "stopped"
    stopped.mkdir()
    process = subprocess.Popen([sys.executable, "-c", _STALLING_TRAIN, "train", *_command_line(micro_data, "net.h5")],
                               cwd=stopped, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    said = []
    reader = threading.Thread(target=_read_lines, args=(process.stderr, said), daemon=True)
    reader.start()
    workers = []
    try:
        assert waiting.until(lambda: process.poll() is not None or _stall_said(said)), "".join(said)
        assert process.poll() is None, "".join(said)
        workers = [int(pid) for pid in (stopped / "workers").read_text().split()]
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=waiting.DEADLINE_SECONDS)  # never heard, the stop left it waiting for good
    finally:
        process.kill()
        process.wait()
        for pid in workers:  # left stopped (without the fix): let them see their parent is gone
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
    reader.join(timeout=waiting.DEADLINE_SECONDS)
    stderr = "".join(said)
    assert process.returncode == 75, stderr
    logged = [record["iteration"] for record in map(json.loads, (stopped / "net.run" / "metrics.jsonl").open())
              if "event" not in record]
    last = logged[-1]
    assert logged == list(range(1, last + 1)) and 2 <= last < MAX_ITER
    assert f"interrupted: SIGTERM: stopped after iteration {last} while the data loader's next batch was awaited; " \
           f"wrote net.run/checkpoint.h5; rerun with --resume auto to continue" in stderr, stderr
    assert "Traceback" not in stderr and "Warning" not in stderr, stderr
    saved = checkpoints.load(stopped / "net.run" / "checkpoint.h5")
    assert saved.solver.iteration == last and saved.solver.cursor["batch"] == last

    resume_equals_a_run_never_stopped(micro_data, stopped, tmp_path, OPTIONS)


def test_a_stop_before_the_first_batch_came_writes_nothing_and_says_a_rerun_starts_the_run(micro_data, tmp_path,
                                                                                          monkeypatch):
    """Its workers stalled from the start: no iteration to save, and no checkpoint at iteration 0 to
    pass for one; the rerun trains the run."""
    start, stalled = loader_workers.WorkerPool.__init__, []

    def stalled_from_the_start(pool, *args):
        start(pool, *args)
        for process in pool.processes:
            os.kill(process.pid, signal.SIGSTOP)
            # SIGCONT against a hang only (the stop left unheard): never before the stop, even on a loaded machine
            stalled.append(threading.Timer(waiting.DEADLINE_SECONDS, os.kill, (process.pid, signal.SIGCONT)))
            stalled[-1].start()
        os.kill(os.getpid(), signal.SIGTERM)  # to the training's handler: a stop request

    monkeypatch.setattr(loader_workers.WorkerPool, "__init__", stalled_from_the_start)
    config = training.TrainConfig(data=micro_data, out=str(tmp_path / "net.h5"), quiet=True, **{**OPTIONS,
                                                                                               "max_iter": 2})
    try:
        with pytest.raises(training.Interrupted) as stopped:
            training.train(config)
    finally:
        for timer in stalled:
            timer.cancel()
    assert str(stopped.value) == ("SIGTERM: stopped before the first iteration while the data loader's next batch "
                                  "was awaited; there is nothing to continue from: rerun to start the run")
    assert stopped.value.checkpoint_path is None and stopped.value.iteration == 0
    assert not (tmp_path / "net.run" / "checkpoint.h5").exists()
    monkeypatch.setattr(loader_workers.WorkerPool, "__init__", start)
    assert training.train(config).iterations == 2


# `minitransfer train` sent SIGTERM as it starts writing its final weights (not a checkpoint).
_STOPPED_WHILE_FINISHING = """
import os, signal
from minitransfer import checkpoint
save = checkpoint.save
def save_after_a_stop(path, saved, **named):
    if not str(path).endswith("checkpoint.h5"):
        os.kill(os.getpid(), signal.SIGTERM)
    return save(path, saved, **named)
checkpoint.save = save_after_a_stop
from minitransfer.cli import main
main(prog_name="minitransfer")
"""


def test_a_stop_while_the_final_weights_are_written_lets_the_run_finish(micro_data, tmp_path):
    """The stop came too late to save time: the run was left without its weights and result
    (exit 75, a rerun needed to write them) or, where SIGTERM kept its default action, killed."""
    finished = subprocess.run([sys.executable, "-c", _STOPPED_WHILE_FINISHING, "train", "--quiet",
                               *_command_line(micro_data, "net.h5")], cwd=tmp_path, capture_output=True, text=True,
                              timeout=120)
    assert finished.returncode == 0, finished.stderr
    weights = checkpoints.load(tmp_path / "net.h5")
    assert weights.iteration == MAX_ITER and weights.solver is None  # the momentum: the checkpoint's alone
    assert checkpoints.load(tmp_path / "net.run" / "checkpoint.h5").solver.iteration == MAX_ITER
    assert json.loads((tmp_path / "net.run" / "result.json").read_text())["iterations"] == MAX_ITER


# `minitransfer train` sent SIGTERM during its 5th iteration, then a second stop signal (SIGINT, a
# second Ctrl-C) where SECOND says: "checkpoint", halfway through writing its checkpoint's file;
# "release", as it releases its run directory's lock, on its way out.
_STOPPED_TWICE = """
import os, pathlib, signal, time
from minitransfer import run_lock, step
call = step.TrainingStep.__call__
def stopped_in_the_5th(self, x, labels, iteration):
    if iteration == 4:
        os.kill(os.getpid(), signal.SIGTERM)
    return call(self, x, labels, iteration)
step.TrainingStep.__call__ = stopped_in_the_5th
write_bytes = pathlib.Path.write_bytes
def written_halfway_then_stopped(path, data):
    if os.environ["SECOND"] == "checkpoint" and path.name.startswith(".checkpoint.h5.tmp-"):
        with open(path, "wb") as half:
            half.write(bytes(data[: len(data) // 2]))
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.2)
    return write_bytes(path, data)
pathlib.Path.write_bytes = written_halfway_then_stopped
release = run_lock.RunLock.__exit__
def stopped_while_released(lock, *exc):
    if os.environ["SECOND"] == "release":
        os.kill(os.getpid(), signal.SIGINT)
    return release(lock, *exc)
run_lock.RunLock.__exit__ = stopped_while_released
from minitransfer.cli import main
main(prog_name="minitransfer")
"""


@pytest.mark.parametrize("second", ["checkpoint", "release"])
def test_a_second_stop_while_the_run_stops_keeps_its_checkpoint_its_message_and_exit_75(micro_data, tmp_path, second):
    """A second Ctrl-C (or the grid's SIGINT, sent again every second until its run has ended) as the
    run writes its checkpoint, or releases its locks: without a word of the checkpoint written
    ("stopped by a signal before anything was saved, or ..."), the lock file left behind."""
    stopped = subprocess.run([sys.executable, "-c", _STOPPED_TWICE, "train", "--quiet",
                              *_command_line(micro_data, "net.h5")], cwd=tmp_path, capture_output=True, text=True,
                             timeout=120, env={**os.environ, "SECOND": second})
    assert stopped.returncode == 75, stopped.stderr
    assert stopped.stderr == ("interrupted: SIGTERM: stopped after iteration 5; wrote net.run/checkpoint.h5; rerun "
                              "with --resume auto to continue (or --resume net.run, which names its --out and its "
                              "options too)\n"), \
        stopped.stderr
    assert sorted(path.name for path in (tmp_path / "net.run").iterdir()) == ["checkpoint.h5", "config.json",
                                                                              "eval.csv", "metrics.jsonl"]
    assert checkpoints.load(tmp_path / "net.run" / "checkpoint.h5").solver.iteration == 5
    resumed = training.train(training.TrainConfig(data=micro_data, out=str(tmp_path / "net.h5"), resume="auto",
                                                  quiet=True, progress=False, **OPTIONS))
    assert resumed.iterations == MAX_ITER and resumed.evaluations == 4
