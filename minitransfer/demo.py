"""``minitransfer demo``: the paper's experiment in miniature on the built-in synthetic data."""

from minitransfer.experiment import plan_grid
from minitransfer.scheduler import run_grid

DEMO_LAYERS = (1, 3, 5)
# 200 iterations with one learning-rate step at 150 (lr 0.01, then 0.001): the mini bases reach
# about 0.75 top-1 on their 10 synthetic classes; 20 evaluations for the mean of the 10 best.
DEMO_TRAIN_OPTIONS = {"preset": "mini", "max_iter": 200, "stepsize": 150, "eval_every": 10, "seed": 0}


def run_demo(out, data, device="cpu", devices=(None,), log=print):
    """The demo grid on dataset ``data`` (the built-in synthetic set): random split seed 0, baseA and
    baseB, then BnB, BnB+, AnB and AnB+ for n in :data:`DEMO_LAYERS`, with the ``mini`` preset and a
    short schedule (:data:`DEMO_TRAIN_OPTIONS`). Returns the :class:`GridOutcome`; rerunning skips
    the finished runs."""
    runs = plan_grid(random_seeds=(0,), layers=DEMO_LAYERS)
    options = dict(DEMO_TRAIN_OPTIONS, data=str(data), device=device)
    return run_grid(runs, out, options, devices=devices, log=log)
