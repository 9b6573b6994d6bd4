"""The line a local grid says as it starts a run (grid_launch.start_line) follows the grid's plan
(StartNumbers.again), not the run's status read again at launch: a run planned to have its result.json
written again, no longer so as it starts (its folder changed meanwhile), was said "[None/N] start RUN"."""

from minitransfer import experiment as grid
from minitransfer import grid_status
from minitransfer.grid_counts import StartNumbers
from minitransfer.grid_launch import said_start_line, start_line


def test_a_run_planned_to_be_written_again_is_said_so_whatever_its_status_now(tmp_path):
    base_a, base_b = grid.plan_grid(layers=(1,), fine_tuned=False)[:2]
    numbers = StartNumbers([base_a, base_b], {base_a.name})
    assert grid_status.run_status(tmp_path, base_a) != grid_status.WRITE_AGAIN  # nothing there now
    line_a, line_b = (start_line(tmp_path, run, None, numbers) for run in (base_a, base_b))
    assert said_start_line(base_a, line_a, numbers) == f"writing result.json of {base_a.name} again from its checkpoint"
    assert said_start_line(base_b, line_b, numbers) == f"[1/1] start {base_b.name} on CPU"
