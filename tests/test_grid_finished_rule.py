"""The one rule of "nothing is left to train" (:func:`minitransfer.resumed_records.at_end`), which a resumption's
refusal (gone_refusal), finished_record and a grid's run status follow: the oracle is the record's own numbers."""

import pytest

from minitransfer.resumed_records import at_end, finished_record, gone_refusal


def _meta(iteration, max_iter):
    return {"iteration": iteration, "config": {"max_iter": max_iter, "data": "/nowhere/dataset"}}


@pytest.mark.parametrize("iteration, max_iter", [(0, 20), (19, 20), (20, 20), (1, 1)])
def test_at_end_is_iteration_at_max_iter(iteration, max_iter):
    assert at_end(_meta(iteration, max_iter)) is (iteration == max_iter)


@pytest.mark.parametrize("meta", [{"iteration": 20, "config": {}}, {"iteration": 20}, {"config": {"max_iter": 20}},
                                  {"iteration": 20, "config": {"max_iter": "20"}}])
def test_a_record_without_its_numbers_is_not_at_end(meta):
    assert at_end(meta) is False


def test_the_refusal_and_finished_record_follow_the_one_rule(tmp_path):
    out = tmp_path / "baseA.h5"
    out.write_bytes(b"weights")
    (tmp_path / "baseA.run").mkdir()
    (tmp_path / "baseA.run" / "result.json").write_text("{}")
    for iteration in (10, 20):
        meta = _meta(iteration, 20)
        said_finished = "is finished (nothing is left to train)" in str(gone_refusal(out, meta))
        assert said_finished is finished_record(out, meta) is at_end(meta) is (iteration == 20)
    (tmp_path / "baseA.run" / "result.json").unlink()
    assert not finished_record(out, _meta(20, 20))  # at its end, its result not written: not finished
