"""Two grids on one folder share its runs: the time a grid says its runs left take counts the runs another
process trains now as slots of their own, which take their share of those waiting. Before, each grid said the
time of all the runs waiting on its own slots, about twice the time; and a run waiting here that the other grid
held was counted among "K runs left" until this grid came to start it."""

from test_experiment import fake_train  # noqa: F401 (a fixture)
from test_grid_counts_elsewhere import grid_with_a_base_held
from test_grid_time_lone_train import another_grid_at_work

from minitransfer.grid_counts import runs_left
from minitransfer.grid_progress import TimeLeft

ITERATIONS = 20  # 1 s an iteration: the times below stay in seconds, as the line words them


def _time_left(names, slots):
    """A TimeLeft whose runs ``names`` have ITERATIONS each to train, at 1 s an iteration (one run trained so)."""
    time_left = TimeLeft({name: (ITERATIONS, ITERATIONS) for name in [*names, "done"]}, slots)
    time_left.add("done", ITERATIONS)
    return time_left


def test_the_runs_another_process_trains_share_the_runs_waiting():
    waiting = ["a", "b", "c", "d"]
    time_left = _time_left([*waiting, "there"], slots=1)
    assert time_left.seconds(waiting, {}) == 4 * ITERATIONS  # this grid alone: every run here, one after another
    # the other process's run, half done as far as is known here, then the four shared out between two slots
    assert time_left.seconds(waiting, {}, ["there"]) == (4 + 0.5) * ITERATIONS / 2
    assert time_left.seconds([], {"a": 10.0}, ["there"]) == ITERATIONS - 10  # nothing waits: no share to take
    assert time_left.seconds(["a"], {}, ["there"]) == ITERATIONS  # a run is never split between slots


class _Run:
    def __init__(self, name):
        self.name = name


def test_the_line_says_the_time_counts_another_process_sharing_the_runs():
    time_left = _time_left(["a", "b", "there"], slots=1)
    said = runs_left([_Run("a"), _Run("b")], [], [_Run("there")], time_left)
    assert said.startswith(f"; 2 runs left, about {(2 + 0.5) * ITERATIONS / 2:.0f} s (until "), said
    assert said.endswith("), another process sharing them; 1 more trained by another process"), said
    said = runs_left([], [], [_Run("there")], time_left)
    assert said == "; no run left here; 1 trained by another process"


def test_a_run_waiting_here_that_another_process_holds_is_told_apart_as_a_run_ends(tmp_path, fake_train):  # noqa: F811
    """baseB held by the other grid as this grid's baseA ends: "1 run left" (A1B), baseB told apart."""
    with another_grid_at_work(tmp_path / "grid"):  # a lone train takes no share: test_grid_time_lone_train
        _, lines = grid_with_a_base_held(tmp_path / "grid", fake_train, "random0/baseB", "random0/baseA")
    [done_a] = [line for line in lines if line.startswith("done random0/baseA")]
    counts = done_a.split("; ")[1:]
    assert counts[0].startswith("1 run left, about ") and counts[0].endswith(", another process sharing them"), lines
    assert counts[1:] == ["1 more trained by another process"], lines
