"""Two grids on one folder at once, the test playing the other grid's train, which holds a run and writes its
train.log: the train this grid starts for that run is refused it (exit 2) and leaves nothing in that log (its
command line and its output are kept apart until a train holds the run's lock: minitransfer.train_log); the
grid tells the lost race by that train's own output, not by the log's last line, which the other train's
next line replaces. Before, the refused train's "$ COMMAND" and "error: ... is in use by another minitransfer
process" stood in the other's log (a finished run's log read as a failure), and the grid counted the run
FAILED once the other had written a line more."""

import threading

import pytest
import waiting

from minitransfer import experiment as grid
from minitransfer import grid_runner, launcher, run_lock, scheduler

OPTIONS = {"max_iter": 2, "seed": 0, "device": "cpu"}
OTHERS_LINES = "the other grid's train: iteration 1/9\nthe other grid's train: iteration 2/9\n"


def _taken_as_it_starts(monkeypatch, out, run, taken):
    """The other grid's train takes ``run`` as this grid starts it (after this grid saw it free), and writes
    its first lines into the run's log; its lock is appended to ``taken``."""
    said_start = grid_runner.start_line

    def takes_it(out_, each, *rest):
        if each.name == run.name and not taken:
            taken.append(run_lock.RunLock(grid.run_dir(out, run)).__enter__())
            with open(grid.run_dir(out, run) / grid.LOG_FILE, "a") as log:
                log.write(OTHERS_LINES)
        return said_start(out_, each, *rest)

    monkeypatch.setattr(grid_runner, "start_line", takes_it)


def _checked_log(out, run):
    """The run's log, once the grid has ended: no line of the refused train, and nothing left apart."""
    folder = grid.run_dir(out, run)
    text = (folder / grid.LOG_FILE).read_text()
    assert run_lock.BUSY not in text, text
    assert sum(line.startswith("$ ") for line in text.splitlines()) == 1, text  # the train that trained it
    assert list(folder.glob(f".{grid.LOG_FILE}.tmp-*")) == []
    return text


@pytest.mark.parametrize("preloaded", [True, False], ids=["forked-by-launcher", "popen"])
def test_a_train_refused_the_run_leaves_nothing_in_the_log_the_other_train_writes(micro_data, tmp_path,
                                                                                 monkeypatch, preloaded):
    if not preloaded:
        monkeypatch.setattr(launcher, "usable", lambda: False)
    out, runs = tmp_path / "grid", grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    base_a, lines, taken, seen = runs[0], [], [], []
    _taken_as_it_starts(monkeypatch, out, base_a, taken)

    def lets_it_go_once_waited_for():  # the log as this grid waits for the run: the other train's alone
        waiting.until(lambda: any(line.startswith(base_a.name) and "waiting for it" in line for line in lines))
        seen.append((grid.run_dir(out, base_a) / grid.LOG_FILE).read_text())
        taken[0].__exit__(None, None, None)  # stopped unfinished: this grid trains it

    threading.Thread(target=lets_it_go_once_waited_for, daemon=True).start()
    outcome = scheduler.run_grid(runs, out, dict(OPTIONS, data=micro_data), log=lines.append, poll_seconds=0.01)
    assert outcome.exit_code == 0 and sorted(outcome.finished) == sorted(run.name for run in runs), lines
    assert seen == [OTHERS_LINES], lines
    assert _checked_log(out, base_a).startswith(OTHERS_LINES + "$ ")


def test_a_lost_race_is_told_although_the_other_train_wrote_on_after_the_refusal(micro_data, tmp_path, monkeypatch):
    """The other train writes a line more, then stops unfinished, between this grid's train's refusal and the
    grid's look at its end: the grid starts the run again, not FAILED."""
    out, runs = tmp_path / "grid", grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    base_a, lines, taken = runs[0], [], []
    _taken_as_it_starts(monkeypatch, out, base_a, taken)
    said_as_it_ends = grid_runner.GridRunner._say_ended_unsaid

    def others_line_then_let_go(self, slot, run, code, lost):
        if run.name == base_a.name and taken[-1] is not None:
            with open(grid.run_dir(out, base_a) / grid.LOG_FILE, "a") as log:
                log.write("the other grid's train: stopped, checkpoint written\n")
            taken[-1].__exit__(None, None, None)
            taken.append(None)
        return said_as_it_ends(self, slot, run, code, lost)

    monkeypatch.setattr(grid_runner.GridRunner, "_say_ended_unsaid", others_line_then_let_go)
    outcome = scheduler.run_grid(runs, out, dict(OPTIONS, data=micro_data), log=lines.append, poll_seconds=0.01)
    assert outcome.exit_code == 0 and outcome.failed == [], lines
    assert sorted(outcome.finished) == sorted(run.name for run in runs), lines
    assert f"{base_a.name} was taken by another process, which stopped it unfinished; starting it here" in lines
    _checked_log(out, base_a)
