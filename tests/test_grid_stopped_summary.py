"""A grid stopped while its run's train started up, before that run wrote a checkpoint: the run's train.log said
"stopped by a signal before a checkpoint was written", its folder held none, yet the grid said "interrupted
random0/baseA (exit 75, checkpoint written)" and summed it up as "1 stopped with a checkpoint". It now counts
it as stopped before its first checkpoint, which a rerun trains from the start; a run stopped after its first
checkpoint is still counted with it."""

import sys

import pytest

from minitransfer import experiment as grid
from minitransfer import scheduler
from minitransfer.grid_outcome import GridInterrupted

# The real train, stopped in its start-up as a stop signal that came while it resolved its configuration stops
# it (sent inside a finalizer, where Python swallows the KeyboardInterrupt: owed to the next safe point): exit 75.
_STOPPED_IN_START_UP = """
import os, signal, sys, weakref
from minitransfer import train as training
from minitransfer.cli import main
found = training.resolve
def resolve(*args, **kwargs):
    resolved = found(*args, **kwargs)
    class Collected:
        pass
    collected = Collected()
    weakref.finalize(collected, os.kill, os.getpid(), signal.SIGINT)
    del collected
    return resolved
training.resolve = resolve
main(args=sys.argv[1:], prog_name="minitransfer")
"""


@pytest.fixture
def stopped_train(tmp_path):
    path = tmp_path / "stopped_train.py"
    path.write_text(_STOPPED_IN_START_UP)
    return [sys.executable, str(path), "train"]


def test_a_run_stopped_before_its_first_checkpoint_is_not_counted_as_stopped_with_one(micro_data, tmp_path,
                                                                                       stopped_train):
    out, lines = tmp_path / "grid", []
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B
    options = {"data": micro_data, "preset": "micro", "max_iter": 4, "seed": 0, "device": "cpu"}
    with pytest.raises(GridInterrupted) as raised:
        scheduler.run_grid(runs, out, options, train_command=stopped_train, log=lines.append, poll_seconds=0.01)
    outcome = raised.value.grid_outcome
    base = grid.run_dir(out, runs[0])
    assert "before a checkpoint was written" in (base / grid.LOG_FILE).read_text().splitlines()[-1]
    assert not (base / grid.CHECKPOINT_FILE).exists()
    assert outcome.stopped == [] and outcome.unsaved == [runs[0].name], lines
    assert "0 stopped with a checkpoint, 1 stopped before its first checkpoint (a rerun trains it from the start), " \
           "2 not started" in outcome.summary(), outcome.summary()
    assert not any("checkpoint written" in line for line in lines), lines
