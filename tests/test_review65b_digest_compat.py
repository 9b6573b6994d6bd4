"""eval.csv saved again by a tool that keeps 8 to 11 significant digits (a spreadsheet's values as shown, pandas'
float_format) rounds a value near a 7-digit boundary across it: while result.json recorded a digest of the rows'
values to 7 digits, such a save was refused as edited (exit 65, "its 4 evaluations ... are not those result.json
sums up"): of 60 rows saved to 9 digits one time in four, to 8 almost always; a correct result refused. It now
records each column's sums (result_digests.curve_sums), compared within a slack that any save of 7 digits or more
keeps to; a value changed beyond it is still told."""

import pytest

from minitransfer.result_digests import CURVE_SUMS, curve_sums, rows_resummed

ROWS = [{"iteration": 10, "top1": 0.096, "top5": 0.5, "loss": 2.369176497},
        {"iteration": 20, "top1": 0.11, "top5": 0.526, "loss": 2.3652654447555542}]


def _record(rows):
    return {CURVE_SUMS: curve_sums(rows), "iterations": rows[-1]["iteration"], "evaluations": len(rows),
            "final": {"iteration": rows[-1]["iteration"]}}


def _saved(rows, digits):
    return [{key: float(format(value, f".{digits}g")) if type(value) is float else value for key, value in row.items()}
            for row in rows]


@pytest.mark.parametrize("digits", [7, 8, 9, 11, 15])
def test_an_eval_csv_saved_to_7_digits_or_more_is_read(digits):
    """2.369176497 is 2.369176 to 7 digits; saved to 9 it is 2.3691765, which is 2.369177 to 7."""
    assert rows_resummed(_record(ROWS), _saved(ROWS, digits)) is None


@pytest.mark.parametrize("key, change", [("loss", 1e-5), ("top1", 0.01), ("top5", -0.02)])
def test_a_value_changed_beyond_the_slack_is_told(key, change):
    saved = _saved(ROWS, 9)
    saved[0][key] *= 1 + change
    assert f"their {key} values sum to" in rows_resummed(_record(ROWS), saved)


def test_rows_moved_or_a_diverged_loss_made_finite_are_told():
    swapped = [dict(ROWS[0], iteration=20), dict(ROWS[1], iteration=10)]
    assert "their iterations are not the ones it recorded" in rows_resummed(_record(ROWS), swapped)
    diverged = [ROWS[0], dict(ROWS[1], loss=float("nan"))]
    assert "their iterations are not the ones" in rows_resummed(_record(diverged), ROWS)
    assert rows_resummed(_record(diverged), [dict(row) for row in diverged]) is None
