"""The training-loss curve a report draws of a run (Result.losses): at most LOSS_POINTS of its metrics.jsonl's loss
lines, evenly spaced. Its events (an evaluation's, each start's "blas-threads") are no points: sampled among all its
lines, each event picked left a hole in the curve, a third of its points where a run evaluates as often as it logs."""

import json

from minitransfer import experiment as grid
from minitransfer import run_file_readers
from minitransfer.results import read_run
from minitransfer.run_threads import EVENT
from test_report import write_run


def _run_logging(tmp_path, losses, event_every):
    """A finished run whose metrics.jsonl logs ``losses`` training losses, an event after every ``event_every``."""
    run = grid.plan_grid(layers=(1,))[0]
    write_run(tmp_path, run, 0.5)
    folder = grid.run_dir(tmp_path, run)
    lines = [json.dumps({"event": EVENT, "iteration": 0, "blas": "OpenBLAS Haswell", "threads": 1})]
    for n in range(1, losses + 1):
        lines.append(json.dumps({"iteration": 10 * n, "loss": 1.0 / n, "top1": 0.5, "lr": 0.01, "seconds": n}))
        if n % event_every == 0:
            lines.append(json.dumps({"event": "eval", "iteration": 10 * n, "top1": 0.5, "top5": 1.0, "loss": 0.7}))
    (folder / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def test_a_curve_sampled_from_a_long_log_keeps_every_point_however_many_events_it_holds(tmp_path):
    most = run_file_readers.LOSS_POINTS
    losses = read_run(_run_logging(tmp_path, 4 * most, event_every=2)).losses
    iterations = [iteration for iteration, _ in losses]
    assert len(losses) == most  # was two thirds of them: each event sampled was left out
    assert iterations[0] == 10 and iterations[-1] == 10 * 4 * most  # the first loss logged and the last
    steps = {later - earlier for earlier, later in zip(iterations, iterations[1:])}
    assert max(steps) - min(steps) <= 10, sorted(steps)  # evenly spaced among the losses: no hole where an event was
    assert all(loss == 1.0 / (iteration // 10) for iteration, loss in losses)  # each its own line's


def test_a_short_log_draws_every_loss_and_no_event(tmp_path):
    losses = read_run(_run_logging(tmp_path, 30, event_every=3)).losses
    assert [iteration for iteration, _ in losses] == [10 * n for n in range(1, 31)]
