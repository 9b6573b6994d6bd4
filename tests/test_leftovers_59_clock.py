"""metrics.jsonl's ``seconds`` of a resumed run began at 0 again, below the rows the run logged before it stopped
(iteration 6 at 1.6 s, iteration 8 at 0.4 s): a time axis going backwards, said nowhere. They now go on from the
last row kept (result.json's ``seconds`` stays that of the call that finished the run, as its docs say)."""

import json

from interrupting import interrupted_after

from minitransfer import resumed_logs
from minitransfer import train as training


def test_a_resumed_run_s_rows_go_on_from_the_time_its_kept_rows_reached(micro_data, tmp_path):
    options = dict(out=str(tmp_path / "net.h5"), data=micro_data, batch_size=8, max_iter=8, eval_every=4,
                   checkpoint_every=4, log_every=2, device="cpu", quiet=True)
    interrupted_after(training.TrainConfig(**options), 6)
    metrics = tmp_path / "net.run" / "metrics.jsonl"
    before = [json.loads(line) for line in metrics.read_text().splitlines()]
    assert before[-1]["iteration"] == 6 and "seconds" in before[-1], before
    before[-1]["seconds"] = reached = 1000.0  # as a run that trained long before it stopped: told apart from any clock
    metrics.write_text("".join(json.dumps(record) + "\n" for record in before))
    training.train(training.TrainConfig(**options, resume="auto"))
    rows = [json.loads(line) for line in metrics.read_text().splitlines()]
    seconds = [record["seconds"] for record in rows if "event" not in record]
    assert [record["iteration"] for record in rows if "event" not in record] == [2, 4, 6, 8]
    assert seconds == sorted(seconds) and seconds[-1] >= reached, rows


def test_the_seconds_go_on_from_the_last_training_row_kept():
    kept = ['{"iteration": 2, "loss": 1.0, "top1": 0.5, "lr": 0.01, "seconds": 1.5}',
            '{"event": "eval", "iteration": 2, "top1": 0.5, "top5": 1.0, "loss": 1.0}']
    assert resumed_logs.seconds_logged(kept) == 1.5
    assert resumed_logs.seconds_logged(kept[1:]) == resumed_logs.seconds_logged([]) == 0.0
