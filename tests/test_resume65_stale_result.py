"""A finished run trained again from an older checkpoint (a copy given as `resume`, or one put back in
checkpoint.h5's place, resumed with `resume='auto'`) kept the result.json and weights file of the training it
replaced while it trained: report read that result.json against eval.csv's rows cut back to the checkpoint and
refused the whole folder as edited (exit 65), or, once the rows were back, reported the old result as finished;
killed meanwhile, the folder stayed refused, and `resume='auto'` called the run "already finished" from that
result, so that only `overwrite` mended it. train now removes them (for good) before it rewrites eval.csv: the
run is unfinished while it trains, as a run without a result.json, and a kill leaves it resumable."""

import json
import shutil

import pytest
from click.testing import CliRunner

from minitransfer import fileio, results, run_files, training_run
from minitransfer import train as training
from minitransfer.cli import main

OPTIONS = dict(half="A", seed=0, eval_every=1, batch_size=4, preset="micro", quiet=True, device="cpu",
               checkpoint_every=2, max_iter=4)


@pytest.fixture
def runs(tmp_path, micro_data):
    """A folder holding baseA trained for real (4 evaluations, checkpoints at 2 and 4), and beside it ck2.h5, a
    copy of its checkpoint at iteration 2 (trained in each test's own folder: the copy records its `out`)."""
    folder = tmp_path / "runs"

    def keep(done):
        if done == 3:  # the checkpoint of iteration 2 is the run's now
            shutil.copy(folder / "baseA.run" / "checkpoint.h5", tmp_path / "ck2.h5")

    training.train(training.TrainConfig(out=str(folder / "baseA.h5"), data=micro_data, **OPTIONS), on_iteration=keep)
    return folder


class Killed(BaseException):
    """What a kill -9 leaves, in this process: nothing of the run's handlers runs (no checkpoint, no file)."""


def _seen(folder):
    """(results' names and evaluations, unfinished, left out) as report collects them."""
    found, unfinished, left_out = results.collect(folder)
    return [(r.run.name, r.evaluations) for r in found], unfinished, [str(text) for text in left_out]


def _train_again(folder, micro_data, resume, look):
    return training.train(training.TrainConfig(out=str(folder / "baseA.h5"), data=micro_data, resume=resume,
                                               **OPTIONS), on_iteration=look)


@pytest.mark.parametrize("how", ["copy given", "put back"])
def test_a_run_trained_again_from_an_older_checkpoint_is_unfinished_while_it_trains(runs, micro_data, how):
    before = json.loads((runs / "baseA.run" / "result.json").read_text())
    if how == "put back":
        shutil.copy(runs.parent / "ck2.h5", runs / "baseA.run" / "checkpoint.h5")
    seen = {}

    def look(done):
        seen[done] = (_seen(runs), (runs / "baseA.h5").exists())

    result = _train_again(runs, micro_data, str(runs.parent / "ck2.h5") if how == "copy given" else "auto", look)
    # before: at 3 left out as edited (report refused the folder, exit 65), at 4 the old result reported
    assert seen == {3: (([], ["baseA"], []), False), 4: (([], ["baseA"], []), False)}
    assert _seen(runs) == ([("baseA", 4)], [], [])
    assert result.mean10_top1 == before["mean10_top1"] and result.evaluations == 4


def test_a_kill_while_it_trains_leaves_it_unfinished_and_resumable(runs, micro_data, tmp_path, placeholder_figures):
    before = json.loads((runs / "baseA.run" / "result.json").read_text())

    def kill(done):
        if done == 3:
            raise Killed

    with pytest.raises(Killed):
        _train_again(runs, micro_data, str(runs.parent / "ck2.h5"), kill)
    assert _seen(runs) == ([], ["baseA"], [])
    done = CliRunner().invoke(main, ["report", str(runs), "-o", str(tmp_path / "report")])
    # before: exit 65, "eval.csv: its 3 evaluations up to iteration 4 ... edited since train wrote it"
    assert done.exit_code != 65 and "edited" not in done.output, done.output
    assert "1 not finished (baseA" in done.output, done.output
    # before: "already finished" from the old result.json, the folder still refused by report; and its
    # checkpoint.h5 the old one, at 4 (a kill before eval.csv's row 3 left a resume refused for lacking it)
    trained = []
    result = _train_again(runs, micro_data, "auto", trained.append)
    assert trained == [3, 4]  # from the copy's iteration, its checkpoint.h5 now
    assert result.evaluations == 4 and result.mean10_top1 == before["mean10_top1"]
    assert _seen(runs) == ([("baseA", 4)], [], [])


def test_a_copy_replaced_after_it_was_read_is_not_taken_for_the_runs_checkpoint(runs, micro_data, monkeypatch):
    real = training_run.RunFiles

    def replaced_first(*args, **kwargs):  # between the resume's read of the copy and the run's files
        (runs.parent / "ck2.h5").write_bytes(b"not the checkpoint read")
        return real(*args, **kwargs)

    monkeypatch.setattr(training_run, "RunFiles", replaced_first)

    def kill(done):
        if done == 3:
            raise Killed

    with pytest.raises(Killed):
        _train_again(runs, micro_data, str(runs.parent / "ck2.h5"), kill)
    assert not (runs / "baseA.run" / "checkpoint.h5").exists()
    monkeypatch.undo()
    trained = []
    assert _train_again(runs, micro_data, "auto", trained.append).evaluations == 4
    assert trained == [1, 2, 3, 4]  # started over: nothing else to continue from


def test_a_finished_run_mended_at_its_end_keeps_its_weights_until_they_are_written(runs, micro_data):
    """The mend (an unreadable result.json, resumed at max_iter) trains nothing: its weights are kept, as
    before, and its result written again."""
    (runs / "baseA.run" / "result.json").write_text("{")
    weights = (runs / "baseA.h5").stat()
    result = _train_again(runs, micro_data, "auto", None)
    assert result.evaluations == 4 and (runs / "baseA.h5").stat().st_mtime_ns == weights.st_mtime_ns
    assert _seen(runs) == ([("baseA", 4)], [], [])


def test_a_copy_that_cannot_be_written_leaves_the_finished_run_as_it_was(runs, micro_data, monkeypatch):
    def full(self, resumed):
        raise fileio.StorageError(28, f"cannot write {self.checkpoint}: No space left on device")

    monkeypatch.setattr(run_files.RunFiles, "_take_checkpoint", full)
    with pytest.raises(fileio.StorageError, match="No space left"):
        _train_again(runs, micro_data, str(runs.parent / "ck2.h5"), None)
    assert (runs / "baseA.h5").exists() and _seen(runs) == ([("baseA", 4)], [], [])
