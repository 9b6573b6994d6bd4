"""How far each running run of a grid has got, told on the grid's log every so often (before, a grid
whose output went to a file or a pipe said nothing between a run's start and its end: hours on ImageNet)."""

import functools
import inspect
import io
import json
import sys
import textwrap

import waiting
from click.testing import CliRunner
from fake_results import finished_result

from minitransfer import experiment as grid
from minitransfer import scheduler
from minitransfer.grid_progress import RunLog, RunsTraining, Warnings
from minitransfer.progress import Progress
from test_experiment import OPTIONS

# A stand-in for `train`: writes progress lines as train does (Progress, no terminal) into its log, then waits
# until its grid has told its last one (the test's log marks it in the run's folder), then finishes.
FAKE_TRAIN = textwrap.dedent('''
    import json, pathlib, sys, time
    from minitransfer.progress import Progress
    args = sys.argv[1:]
    weights = pathlib.Path(args[args.index("--out") + 1])
    folder = weights.with_suffix(".run")
    shown = Progress(total=20, start=0, bar=False, quiet=False, every=1, stream=sys.stderr)
    for done in (1, 2, 3):
        shown.iteration(done, 0.5, 0.01)
    deadline = time.time() + GUARD_SECONDS  # against a hang only: told within the grid's next looks
    while not (folder / "told").exists() and time.time() < deadline:
        time.sleep(0.01)
    weights.write_text("weights")
    (folder / "result.json").write_text(RESULT)
''').replace("RESULT", repr(json.dumps(finished_result()))).replace("GUARD_SECONDS", str(waiting.DEADLINE_SECONDS))

RUNS = grid.plan_grid(layers=(), random_seeds=(0,))  # baseA, baseB


def _fake_train(tmp_path):
    path = tmp_path / "fake_train.py"
    path.write_text(FAKE_TRAIN)
    return [sys.executable, str(path)]


def _told_log(out, lines):
    """The grid's log: keeps its lines, and marks each run whose iteration 3 it told (its train then ends)."""
    def log(line):
        lines.append(line)
        name, _, text = line.partition(": ")
        if text.startswith("iteration 3/20"):
            (out / f"{name}.run" / "told").write_text("")
    return log


def test_the_grid_tells_how_far_each_running_run_has_got(tmp_path):
    out, lines = tmp_path / "grid", []
    outcome = scheduler.run_grid(RUNS, out, OPTIONS, train_command=_fake_train(tmp_path), log=_told_log(out, lines),
                                 poll_seconds=0.01, progress_every=1e-6)
    assert outcome.finished == [run.name for run in RUNS], lines
    for run in RUNS:
        told = [line for line in lines if line.startswith(f"{run.name}: iteration")]
        assert told and told[-1] == f"{run.name}: iteration 3/20", lines
        assert len(told) == len(set(told)), lines  # a line unchanged is not told again


def test_experiment_keeps_run_grids_progress_period_terminal_or_not(micro_data, tmp_path, monkeypatch):
    """experiment leaves run_grid's period as it is (every Progress.LINE_SECONDS; before, it chose by isatty):
    whether its output is a terminal or a pipe, the grid tells its runs' progress."""
    from minitransfer.cli import main

    out, asked = tmp_path / "grid", {}

    def run_grid(*args, **kwargs):
        asked.update(kwargs)
        kwargs.update(train_command=_fake_train(tmp_path), poll_seconds=0.01, progress_every=1e-6,
                      log=functools.partial(lambda log, line: (_told_log(out, [])(line), log(line)), kwargs["log"]))
        return scheduler_run_grid(*args, **kwargs)

    scheduler_run_grid = scheduler.run_grid
    monkeypatch.setattr(scheduler, "run_grid", run_grid)
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), "--layers", "1",
                                       "--no-fine-tuned", "--max-iter", "20", "--device", "cpu"])
    every = asked.get("progress_every", inspect.signature(scheduler_run_grid).parameters["progress_every"].default)
    assert every == Progress.LINE_SECONDS, result.output
    assert "\nrandom0/baseA: iteration 3/20\n" in result.output, result.output


class _Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def _progress_log(path, iterations, partial=""):
    """A log as train writes it (no terminal), iterations 1..``iterations`` of 20, then ``partial``."""
    stream = io.StringIO()
    shown = Progress(total=20, start=0, bar=False, quiet=False, every=1, stream=stream)
    for done in range(1, iterations + 1):
        shown.iteration(done, 0.5, 0.01)
    path.write_text("micro on cpu\nwarning: a warning\n" + stream.getvalue() + partial)


def test_a_line_per_period_for_a_changed_run_only(tmp_path):
    clock, lines, path = _Clock(), [], tmp_path / "train.log"
    training = RunsTraining(lines.append, every=30, clock=clock)
    _progress_log(path, 4, partial="iteration 5/2")  # the last line still being written
    training.tell({"random0/baseA": RunLog(path, 0)})
    assert lines == []  # within the first period
    clock.now += 30
    training.tell({"random0/baseA": RunLog(path, 0), "random0/baseB": RunLog(tmp_path / "none.log", 0)})
    assert lines == ["random0/baseA: iteration 4/20"]
    clock.now += 60
    training.tell({"random0/baseA": RunLog(path, 0)})
    assert lines == ["random0/baseA: iteration 4/20"]  # nothing new
    _progress_log(path, 6)
    clock.now += 29
    training.tell({"random0/baseA": RunLog(path, 0)})
    assert len(lines) == 1  # the period since the last look not over
    clock.now += 1
    training.tell({"random0/baseA": RunLog(path, 0)})
    assert lines[1:] == ["random0/baseA: iteration 6/20"]


def test_the_time_left_is_kept_and_a_long_log_read_from_its_end(tmp_path):
    """Only a log's last TAIL_BYTES are read: a progress line before them (baseB's) is not told."""
    path, before_tail = tmp_path / "train.log", tmp_path / "other.log"
    path.write_text("x" * 10 * RunsTraining.TAIL_BYTES + "\niteration 600/2000 loss 0.1 lr 0.01 3.1 it/s, 40 s left\n"
                    + "eval at 600: top-1 0.5\n")
    before_tail.write_text("iteration 500/2000 loss 0.2 lr 0.01 3.0 it/s, 60 s left\n"
                           + "eval line\n" * RunsTraining.TAIL_BYTES)
    clock, lines = _Clock(), []
    training = RunsTraining(lines.append, every=30, clock=clock)
    clock.now += 30
    training.tell({"random0/baseA": RunLog(path, 0), "random0/baseB": RunLog(before_tail, 0)})
    assert lines == ["random0/baseA: iteration 600/2000, 40 s left"]


def test_never_where_the_period_is_none(tmp_path):
    path, lines = tmp_path / "train.log", []
    _progress_log(path, 3)
    clock = _Clock()
    training = RunsTraining(lines.append, every=None, clock=clock)
    clock.now += 1e6
    training.tell({"random0/baseA": RunLog(path, 0)})
    assert lines == []


def test_a_resumed_runs_log_is_read_from_the_runs_start(tmp_path):
    """The grid appends to a resumed run's log: the line of its earlier attempt was told as the run's
    progress, its old time left with it, until the new attempt wrote its own."""
    path, lines, clock, name = tmp_path / "train.log", [], _Clock(), "random0/baseA"
    _progress_log(path, 6)  # the earlier attempt's, ending at iteration 6
    with open(path, "a") as log:
        log.write("$ train --resume\n")  # as the grid opens the log (grid_launch.open_run_log), then watches it
    warnings = Warnings(lines.append)
    warnings.watch(name, path)
    with open(path, "a") as log:
        log.write("micro on cpu\n")
    training = RunsTraining(lines.append, every=30, clock=clock)
    clock.now += 30
    training.tell(warnings.run_logs([name]))
    assert lines == []
    earlier = path.read_text()
    _progress_log(path, 7)
    path.write_text(earlier + path.read_text().splitlines(keepends=True)[-1])
    clock.now += 30
    training.tell(warnings.run_logs([name]))
    assert lines == [f"{name}: iteration 7/20"]
