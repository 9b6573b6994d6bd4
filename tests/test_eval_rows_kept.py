"""A run keeps eval.csv's rows as it appends them, rather than reading the file again for every checkpoint it
writes (each records the sums of the rows up to it, ``eval_csv_sums``): a run of n checkpoints parsed eval.csv n
times, O(n^2) rows. What each checkpoint records is still the sums of the file's rows as written (the oracle:
:func:`minitransfer.result_digests.checkpoint_sums` of the file read afterwards), fresh and resumed."""

import shutil

from counting import opens_of

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.result_digests import CURVE_SUMS, checkpoint_sums, curve_sums
from minitransfer.run_logs import read_eval_rows
from minitransfer.rundir import RESULT_FILE
from minitransfer.run_file_readers import read_json

OPTIONS = dict(split="all", seed=0, eval_every=1, batch_size=4, preset="micro", quiet=True, device="cpu",
               checkpoint_every=1)


def _sums_are_the_files(run, iterations):
    rows = read_eval_rows(run / "eval.csv")
    assert [row["iteration"] for row in rows] == list(range(1, iterations + 1))
    assert checkpoints.read_meta(run / "checkpoint.h5")[CURVE_SUMS] == checkpoint_sums(rows, iterations)
    assert read_json(run / RESULT_FILE, dict)[CURVE_SUMS] == curve_sums(rows)


def test_a_run_reads_its_eval_csv_not_once_per_checkpoint(micro_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    kept = []

    def keep(iteration, *_):  # the checkpoint of iteration 6, to resume from below
        if iteration == 6:
            shutil.copy("net.run/checkpoint.h5", "six.h5")
            kept.append(iteration)

    opened = opens_of(monkeypatch, tmp_path / "net.run" / "eval.csv")
    training.train(training.TrainConfig(out="net.h5", data=micro_data, max_iter=12, **OPTIONS), on_iteration=keep)
    assert len(opened) <= 1, opened  # 12 checkpoints: it was read 12 times and more
    _sums_are_the_files(tmp_path / "net.run", 12)
    assert kept == [6]
    (tmp_path / "net.run" / "eval.csv").write_text((tmp_path / "net.run" / "eval.csv").read_text() + "7,0.5")
    opened.clear()  # resumed from iteration 6 (below its end: trained again from there), a torn row after its rows
    training.train(training.TrainConfig(out="net.h5", data=micro_data, max_iter=12, resume="six.h5", **OPTIONS))
    assert len(opened) <= 2, opened
    _sums_are_the_files(tmp_path / "net.run", 12)
