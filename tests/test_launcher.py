"""The preloaded launcher (:mod:`minitransfer.launcher`): a run forked from it is the
``minitransfer train`` process a fresh interpreter would be (output, exit codes, signals, bits),
and the scheduler uses it on CPU slots, falling back to new processes when it cannot start."""

import json
import os
import signal
import subprocess
import sys

import h5py
import numpy as np
import pytest
import waiting

import minitransfer.cli
from minitransfer import launcher, scheduler
from minitransfer.experiment import default_train_command, plan_grid

pytestmark = pytest.mark.skipif(not launcher.usable(), reason="no os.fork on this platform")
MINITRANSFER = default_train_command()[:-1]


@pytest.fixture
def preloaded(monkeypatch):
    """A launcher whose runs are killed at the end of the test, if one failed with a run alive."""
    started, runs = launcher.Launcher(dict(os.environ)), []
    start = started.start
    monkeypatch.setattr(started, "start", lambda argv, log: runs.append(start(argv, log)) or runs[-1])
    yield started
    for run in runs:
        run.send_signal(signal.SIGKILL)
        try:
            run.wait()
        except OSError:  # its launcher is gone: the test killed it
            pass
    started.close()


def test_a_forked_command_logs_what_a_fresh_process_prints_and_exits_with_its_code(preloaded, tmp_path):
    version = preloaded.start(["--version"], tmp_path / "version.log")
    assert version.wait() == 0 and version.poll() == 0
    fresh = subprocess.run(MINITRANSFER + ["--version"], capture_output=True, text=True)
    assert (tmp_path / "version.log").read_text() == fresh.stdout and fresh.returncode == 0

    bad = preloaded.start(["train", "--no-such-option"], tmp_path / "bad.log")
    assert bad.wait() == 2
    fresh = subprocess.run(MINITRANSFER + ["train", "--no-such-option"], capture_output=True, text=True)
    assert (tmp_path / "bad.log").read_text() == fresh.stderr and fresh.returncode == 2
    assert "No such option" in fresh.stderr


def _wait_for(path, text):
    assert waiting.until(lambda: path.exists() and text in path.read_text()), f"{text!r} never appeared in {path}"


def test_sigint_stops_a_forked_training_with_exit_75_and_sigkill_reads_as_minus_9(preloaded, synthetic_8, tmp_path):
    arguments = ["train", "--data", synthetic_8, "--preset", "mini", "--max-iter", "100000", "--batch-size", "8",
                 "--log-every", "1", "--checkpoint-every", "100000", "--seed", "3"]
    log = tmp_path / "a.log"
    stopped = preloaded.start(arguments + ["--out", str(tmp_path / "a.h5")], log)
    _wait_for(log, "iteration 2/")
    assert stopped.poll() is None  # still training
    stopped.send_signal(signal.SIGINT)
    assert stopped.wait() == 75
    assert "rerun with --resume auto" in log.read_text() and (tmp_path / "a.run" / "checkpoint.h5").is_file()

    killed = preloaded.start(arguments + ["--out", str(tmp_path / "b.h5")], tmp_path / "b.log")
    _wait_for(tmp_path / "b.log", "iteration 2/")
    killed.send_signal(signal.SIGKILL)
    assert killed.wait() == -signal.SIGKILL
    again = preloaded.start(["--version"], tmp_path / "c.log")  # the launcher goes on serving
    assert again.wait() == 0


def test_a_stop_outside_the_command_lines_handling_is_exit_75_without_a_traceback(tmp_path, monkeypatch):
    """SIGINT where the command line does not handle stops (its first instants before
    stop_as_it_starts, now answered there; as it gives them back at its end) raised a
    KeyboardInterrupt: a traceback in its log, exit 1, and the grid reported the run FAILED rather
    than stopped."""
    def stopped_at_once(**_):
        raise KeyboardInterrupt

    monkeypatch.setattr(minitransfer.cli, "main", stopped_at_once)
    monkeypatch.setattr(sys, "stderr", open(2, "w", closefd=False))  # as in the launcher: not pytest's capture
    log, parent = tmp_path / "log", os.getpid()
    pid = os.fork()
    if pid == 0:
        launcher._child(["train"], str(log), parent)  # never returns: os._exit
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 75
    assert log.read_text() == ("interrupted: stopped as the command ended; rerun the same command to finish what is "
                               "left\n")


def _stop_as_the_child_forks(monkeypatch, stop):
    """The child's first step (``os.setsid``) sends it ``stop``: a stop that reached it as it forked."""
    setsid = os.setsid

    def stopped_as_it_forks():
        setsid()
        os.kill(os.getpid(), stop)

    monkeypatch.setattr(os, "setsid", stopped_as_it_forks)
    monkeypatch.setattr(minitransfer.cli, "main", lambda **_: None)  # a run not stopped: exit 0


def _stop_before_the_command_line_takes_it_over(monkeypatch, stop):
    """The command line, before its handlers are set (its parsing), is sent ``stop``."""
    monkeypatch.setattr(minitransfer.cli, "main", lambda **_: os.kill(os.getpid(), stop))


STOPPED_AT = {"as-it-forks": _stop_as_the_child_forks,
              "before-the-command-line": _stop_before_the_command_line_takes_it_over}
STOPS = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP]


@pytest.mark.parametrize("moment", STOPPED_AT)
@pytest.mark.parametrize("stop", STOPS, ids=[stop.name for stop in STOPS])
def test_a_stop_in_a_forked_runs_first_instants_is_exit_75_told_in_its_log(tmp_path, monkeypatch, stop, moment):
    """A stop that reached the forked child before the command line had taken the stop signals over
    (the grid's stop as the run starts). A SIGINT met before the child had made its log its output
    was told on the grid's output, its train.log left with the command line alone; a SIGTERM, once
    the child had let the stops in with SIGTERM's default, ended it with 143 (-15, read as a crash);
    a SIGHUP, never held, ended it with -1. Each is now held until the child answers stops as the
    ``minitransfer`` command does from its start: exit 75, told in the log."""
    monkeypatch.setattr(sys, "stderr", open(2, "w", closefd=False))  # as in the launcher: not pytest's capture
    STOPPED_AT[moment](monkeypatch, stop)
    log = tmp_path / "train.log"
    requests, request_writer = os.pipe()
    reply_reader, replies = os.pipe()
    os.write(request_writer, (json.dumps({"argv": ["train"], "log": str(log)}) + "\n").encode())
    os.close(request_writer)
    pid = os.fork()
    if pid == 0:  # the launcher, started by a grid that does not ignore SIGHUP (not under nohup)
        try:
            signal.signal(signal.SIGHUP, signal.SIG_DFL)
            launcher._answer(os.fdopen(requests, "rb"), replies)
        finally:
            os._exit(0)
    os.close(requests)
    os.close(replies)
    with os.fdopen(reply_reader) as answers:
        answered = [json.loads(line) for line in answers.read().splitlines()]
    os.waitpid(pid, 0)
    assert answered[1] == {"exit": 75}
    assert log.read_text() == (f"interrupted: {stop.name}: stopped as it started, before anything was written; "
                               f"rerun the same command\n")


@pytest.mark.parametrize("ended", [False, True], ids=["running", "killed"])
def test_closing_a_launcher_closes_its_pipes(preloaded, tmp_path, ended):
    """A notebook runs grid after grid in one process: a closed launcher, running or killed
    meanwhile, leaves no pipe open (its replies' stayed open until garbage collection)."""
    assert preloaded.start(["--version"], tmp_path / "version.log").wait() == 0
    if ended:
        preloaded.process.kill()
        preloaded.process.wait()
    preloaded.close()
    assert preloaded.process.stdin.closed and preloaded.process.stdout.closed
    assert preloaded.process.returncode == (-signal.SIGKILL if ended else 0)


def test_a_dead_launcher_is_an_os_error_that_says_to_rerun(preloaded, synthetic_8, tmp_path):
    arguments = ["train", "--data", synthetic_8, "--preset", "mini", "--max-iter", "100000", "--batch-size", "8",
                 "--log-every", "1", "--out", str(tmp_path / "a.h5")]
    orphan = preloaded.start(arguments, tmp_path / "a.log")
    _wait_for(tmp_path / "a.log", "iteration 2/")
    preloaded.process.kill()
    preloaded.process.wait()
    try:
        with pytest.raises(OSError, match="ended unexpectedly while running PID [0-9]+; repeat the same call"):
            orphan.wait()
    finally:
        os.kill(orphan.pid, signal.SIGKILL)  # it went on training without its launcher


def test_a_forked_training_gives_the_bits_of_a_fresh_process(preloaded, synthetic_8, tmp_path):
    arguments = ["train", "--data", synthetic_8, "--preset", "mini", "--max-iter", "6", "--batch-size", "8",
                 "--eval-every", "2", "--seed", "5"]
    assert preloaded.start(arguments + ["--out", str(tmp_path / "forked.h5")], tmp_path / "forked.log").wait() == 0
    fresh = subprocess.run(MINITRANSFER + arguments + ["--out", str(tmp_path / "fresh.h5")], capture_output=True)
    assert fresh.returncode == 0, fresh.stderr
    assert (tmp_path / "forked.run" / "eval.csv").read_bytes() == (tmp_path / "fresh.run" / "eval.csv").read_bytes()
    with h5py.File(tmp_path / "forked.h5", "r") as forked, h5py.File(tmp_path / "fresh.h5", "r") as new:
        names = []
        forked.visit(names.append)
        arrays = [name for name in names if isinstance(forked[name], h5py.Dataset)]
        assert arrays
        for name in arrays:
            assert np.array_equal(forked[name][()], new[name][()]), name


GRID_OPTIONS = {"preset": "mini", "max_iter": 2, "eval_every": 1, "batch_size": 8, "seed": 0}


def test_the_scheduler_forks_cpu_runs_and_falls_back_to_new_processes(synthetic_8, tmp_path, monkeypatch):
    # One long run (all classes, 120 iterations) and three short ones on two slots: each run is
    # started as soon as a slot is free (not after a poll interval: the poll here is a minute).
    runs = plan_grid(layers=(1,), fine_tuned=False, selffer=False, random_frozen=(1,))  # + all/base, all/random1
    runs = [run for run in runs if run.name != "all/random1"]
    runs = runs[-1:] + runs[:-1]
    options = dict(GRID_OPTIONS, data=synthetic_8, all_classes={"max_iter": 120, "eval_every": 60})
    forked, happened = [], []  # each run's train arguments; ("fork" or "wait", how many lines were logged by then)
    start, wait_any = launcher.Launcher.start, launcher.wait_any
    lines = []

    def started(self, argv, log, *env):
        forked.append(argv)
        happened.append(("fork", len(lines)))
        return start(self, argv, log, *env)

    monkeypatch.setattr(launcher.Launcher, "start", started)
    monkeypatch.setattr(launcher, "wait_any", lambda *args: happened.append(("wait", len(lines))) or wait_any(*args))
    outcome = scheduler.run_grid(runs, tmp_path / "forked", options, devices=(None, None), log=lines.append,
                                 poll_seconds=60)
    assert outcome.exit_code == 0 and len(outcome.finished) == 4, lines
    assert len(forked) == 4 and all(argv[0] == "train" for argv in forked)
    # Which run ends first is up to the machine's load; what must hold is that the first two runs are forked
    # at once (both slots filled), and each run after them right after a line saying one ended, no wait
    # between: a freed slot is filled at once. Told by when each was forked: a start line is said once its run
    # holds its lock, which under load came after a short run on the other slot had ended.
    forks = [(index, at) for index, (what, at) in enumerate(happened) if what == "fork"]
    assert [at for _, at in forks[:2]] == [0, 0] and all(lines[at - 1].startswith("done ") for _, at in forks[2:])
    assert not any(("wait", at) in happened[:index] for index, at in forks), (happened, lines)
    log = (tmp_path / "forked" / "random0" / "A1B.run" / "train.log").read_text()
    assert log.startswith("$ ") and "done: final top-1" in log

    def broken(self, env):
        raise OSError("no launcher here")

    monkeypatch.setattr(launcher.Launcher, "__init__", broken)
    lines.clear()
    outcome = scheduler.run_grid(runs, tmp_path / "fresh", options, devices=(None,), log=lines.append,
                                 poll_seconds=0.05)
    assert outcome.exit_code == 0 and len(outcome.finished) == 4, lines
    assert any("starting runs as new processes from now on (no launcher here)" in line for line in lines)
    for name in ("random0/baseA", "random0/A1B"):
        assert json.loads((tmp_path / "forked" / f"{name}.run" / "result.json").read_text())["mean10_top1"] == \
            json.loads((tmp_path / "fresh" / f"{name}.run" / "result.json").read_text())["mean10_top1"]
