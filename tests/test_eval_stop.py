"""Stopping during an evaluation, which on ImageNet's 25,000 validation images lasts minutes: a
training's periodic (or last) evaluation ends before its next batch, the run stops as any
interrupted run (its checkpoint at the iteration evaluated, exit 75) and the resumed run, which
evaluates that iteration again, ends with the bits and logs of a run never stopped; ``eval`` stops
as promptly."""
import json
import os
import signal
import subprocess
import sys

import pytest
import waiting
from test_stall_stop import resume_equals_a_run_never_stopped

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training

MAX_ITER = 10
# evaluations after iterations 3, 6, 9 and 10, of half A's 8 validation images one at a time
OPTIONS = {"batch_size": 8, "eval_batch_size": 1, "max_iter": MAX_ITER, "eval_every": 3, "checkpoint_every": 4,
           "log_every": 1, "workers": 1, "device": "cpu"}
VALIDATION_IMAGES = 8

# `minitransfer ...` whose evaluation holds its batch once SLOW_AFTER batches have been evaluated, until
# the file "release" exists, a line written to the file "evaluating" as each such batch begins; the
# file "heard-PID" says that the SIGTERM handler of process PID has been called. The test releases
# the batch once the stop is heard: whatever the machine's load, it lands during that batch, and the batches begun show
# whether the evaluation went on.
_SLOW_EVALUATION = """
import os, pathlib, signal, time
install = signal.signal
def heard(handler):
    def handle(*args):
        pathlib.Path(f"heard-{os.getpid()}").touch()
        return handler(*args)
    return handle
signal.signal = lambda signum, handler: install(signum, heard(handler) if signum == signal.SIGTERM
                                                and callable(handler) else handler)
from minitransfer import net
forward, evaluated = net.Net.forward, [0]
def held_forward(self, x, labels, train, *rest, **options):
    if not train:
        evaluated[0] += 1
        if evaluated[0] > int(os.environ["SLOW_AFTER"]):
            with open("evaluating", "a") as begun:
                begun.write("batch\\n")
            for _ in range(int(os.environ["HOLD_SECONDS"]) * 50):  # against a hang only
                if pathlib.Path("release").exists():
                    break
                time.sleep(0.02)
    return forward(self, x, labels, train, *rest, **options)
net.Net.forward = held_forward
from minitransfer.cli import main
main(prog_name="minitransfer")
"""


def _command_line(data, out):
    return ["--data", data, "-o", out, "--no-progress",
            *(item for key, value in OPTIONS.items() for item in (f"--{key.replace('_', '-')}", str(value)))]


def _stopped_while_evaluating(arguments, cwd, slow_after):
    """Run ``minitransfer ARGUMENTS`` with its evaluation held after ``slow_after`` batches, SIGTERM its
    process group in the held batch; returns (exit code, stderr, the held batches begun: 1 where the
    stop ends the evaluation before its next batch)."""
    environment = {**os.environ, "SLOW_AFTER": str(slow_after), "HOLD_SECONDS": str(waiting.DEADLINE_SECONDS)}
    process = subprocess.Popen([sys.executable, "-c", _SLOW_EVALUATION, *arguments], cwd=cwd, env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        waiting.until_while_running((cwd / "evaluating").exists, process, "the held evaluation")
        os.killpg(process.pid, signal.SIGTERM)
        waiting.until_while_running((cwd / f"heard-{process.pid}").exists, process, "the SIGTERM handler")
        (cwd / "release").touch()
        _, stderr = process.communicate(timeout=waiting.DEADLINE_SECONDS)
        return process.returncode, stderr, len((cwd / "evaluating").read_text().splitlines())
    finally:
        process.kill()
        process.wait()


def _metrics(run_dir):
    """metrics.jsonl's records without their wall-clock seconds."""
    return [{key: value for key, value in json.loads(line).items() if key != "seconds"}
            for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("evaluated, stopped_at", [(1, 6), (3, MAX_ITER)], ids=["periodic", "last"])
def test_sigterm_during_an_evaluation_stops_the_training_promptly_and_the_resume_is_exact(micro_data, tmp_path,
                                                                                          evaluated, stopped_at):
    """The evaluation after iteration 6 (the checkpoint before it at 4), or the last one: without the
    stop heard during it, the run went on evaluating its 7 batches left."""
    stopped = tmp_path / "stopped"
    stopped.mkdir()
    code, stderr, batches = _stopped_while_evaluating(["train", *_command_line(micro_data, "net.h5")], stopped,
                                                      evaluated * VALIDATION_IMAGES)
    assert code == 75, stderr
    assert batches == 1, batches  # the batch under way, then the checkpoint: not the 7 left of the evaluation
    assert f"interrupted: SIGTERM: stopped after iteration {stopped_at} during its evaluation, which the resumed " \
           f"run makes again; wrote net.run/checkpoint.h5; rerun with --resume auto to continue" in stderr, stderr
    assert "Traceback" not in stderr and "Warning" not in stderr, stderr
    assert checkpoints.load(stopped / "net.run" / "checkpoint.h5").solver.iteration == stopped_at
    assert not (stopped / "net.h5").exists()
    assert [row.split(",")[0] for row in (stopped / "net.run" / "eval.csv").read_text().splitlines()[1:]] == \
           [str(done) for done in (3, 6, 9)[:evaluated]]

    straight = resume_equals_a_run_never_stopped(micro_data, stopped, tmp_path, OPTIONS)
    assert _metrics(stopped / "net.run") == _metrics(straight)
    result = json.loads((stopped / "net.run" / "result.json").read_text())
    assert result["evaluations"] == 4 and result["iterations"] == MAX_ITER


def test_sigterm_during_eval_of_a_checkpoint_stops_it_promptly(micro_data, tmp_path):
    """``minitransfer eval``: the CLI's handler ends the evaluation at once (KeyboardInterrupt)."""
    training.train(training.TrainConfig(data=micro_data, out=str(tmp_path / "net.h5"), quiet=True, progress=False,
                                        **{**OPTIONS, "max_iter": 2}))
    code, stderr, batches = _stopped_while_evaluating(["eval", "net.h5", "--batch-size", "1", "--device", "cpu"],
                                                      tmp_path, 0)
    assert code == 75, stderr
    assert batches == 1, batches
    assert stderr.startswith("interrupted: ") and "Traceback" not in stderr, stderr
