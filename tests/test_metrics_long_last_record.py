"""metrics.jsonl's last record longer than the bytes read first (run_logs.LAST_LINE_BYTES): fileio.last_line read
those bytes alone, so the record came back as its end, parsed as a torn line, and a run that diverged with a long
message (every layer's norms) was not said to have diverged. It is read whole now, back to the line's start."""

import json

from minitransfer import fileio, run_logs


def _metrics(tmp_path, last):
    """A metrics.jsonl of one short record, then ``last``, one JSON line each."""
    path = tmp_path / "metrics.jsonl"
    first = {"event": "train", "iteration": 1, "loss": 6.9}
    path.write_text(json.dumps(first) + "\n" + json.dumps(last) + "\n", encoding="utf-8")
    return path


def test_a_last_record_longer_than_the_bytes_read_first_is_read_whole(tmp_path):
    norms = "; ".join(f"layer{i} norm {i * 1.5:.3f}" for i in range(8000))
    last = {"event": "diverged", "iteration": 12, "message": "loss became nan at iteration 12 (lr 1000); " + norms}
    path = _metrics(tmp_path, last)
    assert len(json.dumps(last)) > run_logs.LAST_LINE_BYTES  # the case: longer than the budget read first
    assert run_logs.last_record(path) == last
    assert run_logs.divergence(path) == "training diverged: loss became nan at iteration 12 (lr 1000)"


def test_a_long_last_line_is_read_whole_past_a_small_first_read(tmp_path):
    path = tmp_path / "log"
    path.write_text("first\n" + "x" * 10000 + "\n\n", encoding="utf-8")
    assert fileio.last_line(path, 100) == "x" * 10000
    assert fileio.last_line(path, 100, skipping=("x",)) == "first"
