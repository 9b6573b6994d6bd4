"""The paper's metric, a network's top-1 as the mean of its 10 best evaluations (the original code's; all of them
where fewer), worked out by hand for 12 evaluations: train's summary (minitransfer.evaluate.summarize) and the one
report checks result.json against (minitransfer.result_checks._summed). The tests that train or check runs make
fewer than 10 evaluations, where "the 10 best" is all of them: a mutant taking the 9 best passed them all."""

import math

import pytest

from minitransfer import evaluate, result_checks

# 12 evaluations, out of iteration order; top-1 0.01..0.12 shuffled: the 10 best are 0.03..0.12, mean 0.075
TOP1 = {100: 0.05, 200: 0.01, 300: 0.12, 400: 0.07, 500: 0.02, 600: 0.10,
        700: 0.03, 800: 0.11, 900: 0.04, 1000: 0.08, 1100: 0.09, 1200: 0.06}
ROWS = [{"iteration": iteration, "top1": top1, "top5": min(1.0, 3 * top1), "loss": 3.0 - top1}
        for iteration, top1 in sorted(TOP1.items(), key=lambda item: -item[1] * (item[0] % 300 + 1))]


def test_train_s_summary_is_the_mean_of_the_10_best_and_the_last_iteration_s_row():
    """(Mutants: the 9 best, the 10 worst, the first evaluation taken as the final one.)"""
    summary = evaluate.summarize(ROWS)
    assert math.isclose(summary["mean10_top1"], 0.075, rel_tol=1e-12)
    assert summary["best_top1"] == 0.12 and summary["evaluations"] == 12
    assert summary["final"] == {"iteration": 1200, "top1": 0.06, "top5": pytest.approx(0.18), "loss": 2.94}


def test_the_summary_report_checks_result_json_against_is_the_same_metric():
    """result.json is refused where it is not this summary: it must be the mean of the 10 best too (mutant: the
    checker's 9 best, which would refuse every run of more than 10 evaluations), of the rows up to the iteration
    its checkpoint reached: up to 600, 6 rows (0.05, 0.01, 0.12, 0.07, 0.02, 0.10), mean 0.061666..."""
    summed = result_checks._summed(ROWS, None)
    assert math.isclose(summed["mean10_top1"], 0.075, rel_tol=1e-12) and summed["best_top1"] == 0.12
    assert summed["evaluations"] == 12 and summed["final.iteration"] == 1200 and summed["final.top1"] == 0.06
    cut = result_checks._summed(ROWS, 600)
    assert cut["evaluations"] == 6 and cut["final.iteration"] == 600 and cut["best_top1"] == 0.12
    assert math.isclose(cut["mean10_top1"], 0.37 / 6, rel_tol=1e-12)
