"""A run whose config.json records max_iter as no count (text, edited: "20") is left out saying so; it was said
"the result of 20 iterations, but config.json trains it for 20: the result is another training's"."""

import json

from fake_results import finished_result
from minitransfer import experiment as grid
from minitransfer import report

from test_report import ACCURACY, write_run


def _said(runs, max_iter):
    """What the report says of a base whose config.json records ``max_iter`` (its result: 20 iterations)."""
    run = next(run for run in grid.plan_grid(layers=(1,)) if run.name == "random0/baseB")
    write_run(runs, run, ACCURACY[run.name], config={"max_iter": 20})
    (runs / "random0" / "baseB.run" / "result.json").write_text(json.dumps(finished_result(iterations=20)))
    assert not report.measure(runs).left_out  # as the fake result records: read
    (runs / "random0" / "baseB.run" / "config.json").write_text(json.dumps({"max_iter": max_iter}))
    try:
        report.measure(runs)
    except report.NoRuns as error:  # its one run left out
        return str(error)
    raise AssertionError("the run was read")


def test_max_iter_as_text_is_named_as_text(tmp_path):
    said = _said(tmp_path, "20")
    assert f"{tmp_path / 'random0' / 'baseB.run' / 'config.json'}: max_iter is '20', expected a count" in said, said
    assert "trains it for" not in said


def test_another_count_is_still_another_training(tmp_path):
    assert "is the result of 20 iterations, but config.json trains it for 30" in _said(tmp_path, 30)
