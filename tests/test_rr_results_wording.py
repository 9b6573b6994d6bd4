"""What eval.csv's rows no longer summing to their record says agrees in number: one row is "1 evaluation ... is not
the one" it records, not "1 evaluations ... are not those" (result.json's sums and a checkpoint's alike)."""

from minitransfer import result_digests

ROWS = [{"iteration": 1, "top1": 0.25, "top5": 1.0, "loss": 1.5}, {"iteration": 2, "top1": 0.5, "top5": 1.0,
                                                                      "loss": 0.75}]
EDITED = [{**ROWS[0], "loss": 1.25}, ROWS[1]]


def test_one_row_before_a_checkpoint_is_said_in_the_singular():
    recorded = result_digests.checkpoint_sums(ROWS, 2)
    assert result_digests.rows_resummed_at(recorded, EDITED, 2, "c.h5").startswith(
        "its 1 evaluation before iteration 2 is not the one c.h5 records (")


def test_more_rows_before_a_checkpoint_are_said_in_the_plural():
    rows = [*ROWS, {"iteration": 3, "top1": 0.5, "top5": 1.0, "loss": 0.5}]
    recorded = result_digests.checkpoint_sums(rows, 3)
    assert result_digests.rows_resummed_at(recorded, [*EDITED, rows[2]], 3, "c.h5").startswith(
        "its 2 evaluations before iteration 3 are not those c.h5 records (")


def test_one_row_result_json_sums_up_is_said_in_the_singular():
    record = {result_digests.CURVE_SUMS: result_digests.curve_sums(ROWS[:1]), "iterations": 1, "evaluations": 1,
              "final": {"iteration": 1}}
    assert result_digests.rows_resummed(record, EDITED[:1]) == (
        "its 1 evaluation up to iteration 1 is not the one result.json sums up (their loss values sum to 1.25, it "
        "recorded 1.5)")
    record[result_digests.CURVE_SUMS] = result_digests.curve_sums(ROWS)
    assert result_digests.rows_resummed({**record, "iterations": 2, "evaluations": 2, "final": {"iteration": 2}},
                                        EDITED).startswith("its 2 evaluations up to iteration 2 are not those ")
