"""``train --resume RUN`` (a run folder) continues that run with the options it was trained with:
every option left at its default takes the run's recorded value, one given otherwise is refused.
It used to refuse a bare ``--resume int.run`` for the defaults it compared with the run's record
("`stepsize` 667 -> 133, `max_iter` 3000 -> 600")."""

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.cli import main

# Not one the defaults give: a resume that took a default for any of them would train otherwise or be refused.
TRAINED = {"max_iter": 6, "base_lr": 0.02, "stepsize": 2, "gamma": 0.5, "momentum": 0.8, "batch_size": 8,
           "eval_every": 3, "eval_batch_size": 4, "checkpoint_every": 2, "seed": 5, "half": "B"}


def _config(out, **fields):
    return training.TrainConfig(out=str(out), device="cpu", quiet=True, **{**TRAINED, **fields})


def _resume(run, *options):
    return CliRunner().invoke(main, ["train", "--resume", str(run), "--quiet", *options])


def _assert_same_weights(out, expected):
    resumed, straight = checkpoints.load(out), checkpoints.load(expected)
    assert resumed.iteration == straight.iteration == TRAINED["max_iter"]
    for name, (w, b) in straight.weights.items():
        assert np.array_equal(resumed.weights[name][0], w) and np.array_equal(resumed.weights[name][1], b), name


@pytest.mark.parametrize("way", ["command line", "python"])
def test_a_run_folder_alone_continues_the_run_with_its_options(micro_data, tmp_path, way):
    straight = training.train(_config(tmp_path / "straight" / "int.h5", data=micro_data))
    interrupted_after(_config(tmp_path / "int.h5", data=micro_data), 3)
    if way == "command line":
        result = _resume(tmp_path / "int.run")
        assert result.exit_code == 0, result.output
    else:
        training.train(training.TrainConfig(resume=tmp_path / "int.run", device="cpu", quiet=True))
    _assert_same_weights(tmp_path / "int.h5", straight.out)


def test_an_option_given_otherwise_than_the_runs_is_still_refused(micro_data, tmp_path):
    interrupted_after(_config(tmp_path / "int.h5", data=micro_data), 3)
    before = (tmp_path / "int.run" / "checkpoint.h5").read_bytes()
    result = _resume(tmp_path / "int.run", "--max-iter", "7")
    assert result.exit_code == 2
    assert result.output.startswith(f"error: cannot resume {tmp_path / 'int.run' / 'checkpoint.h5'} with a different "
                                    f"configuration: --max-iter 6 -> 7; "), result.output
    assert (tmp_path / "int.run" / "checkpoint.h5").read_bytes() == before and not (tmp_path / "int.h5").exists()


def test_a_run_on_the_builtin_set_resumes_once_its_cache_moved(tmp_path, monkeypatch):
    """The built-in set is a cache: its recorded copy gone, it is rebuilt elsewhere and is the run's
    dataset still, with the options its classes set (a wider fc8 here) taken from the run too."""
    fields = {"fc8_outputs": 12}
    straight = training.train(_config(tmp_path / "straight" / "int.h5", **fields))
    interrupted_after(_config(tmp_path / "int.h5", **fields), 3)
    monkeypatch.setenv("MINITRANSFER_CACHE", str(tmp_path / "new-cache"))
    shutil.rmtree(checkpoints.load(tmp_path / "int.run" / "checkpoint.h5").meta["config"]["data"])
    result = _resume(tmp_path / "int.run")
    assert result.exit_code == 0, result.output
    _assert_same_weights(tmp_path / "int.h5", straight.out)


def test_a_run_whose_dataset_moved_asks_for_its_new_folder_then_resumes(micro_data, tmp_path):
    straight = training.train(_config(tmp_path / "straight" / "int.h5", data=micro_data))
    shutil.copytree(micro_data, tmp_path / "data")
    interrupted_after(_config(tmp_path / "int.h5", data=str(tmp_path / "data")), 3)
    (tmp_path / "data").rename(tmp_path / "moved")
    result = _resume(tmp_path / "int.run")
    assert result.exit_code == 2
    assert result.output.endswith(f": the dataset it was trained on, {tmp_path / 'data'}, is not there now (moved or "
                                  f"deleted); give its folder where it is now as --data\n"), result.output
    result = _resume(tmp_path / "int.run", "--data", str(tmp_path / "moved"))
    assert result.exit_code == 0, result.output
    _assert_same_weights(tmp_path / "int.h5", straight.out)


def test_a_transfer_whose_base_was_deleted_resumes_by_its_run_folder_alone(micro_data, tmp_path):
    base = training.train(training.TrainConfig(out=str(tmp_path / "baseA.h5"), data=micro_data, half="A", max_iter=4,
                                               batch_size=8, eval_every=2, device="cpu", quiet=True))
    transfer = {"data": micro_data, "copy_from": base.out, "n": 2, "frozen": True, "half": "B"}
    straight = training.train(_config(tmp_path / "straight" / "A2B.h5", **transfer))
    interrupted_after(_config(tmp_path / "A2B.h5", **transfer), 3)
    (tmp_path / "baseA.h5").unlink()
    shutil.rmtree(tmp_path / "baseA.run")
    result = _resume(tmp_path / "A2B.run")
    assert result.exit_code == 0, result.output
    _assert_same_weights(tmp_path / "A2B.h5", straight.out)


@pytest.mark.parametrize("way", ["command line", "python"])
def test_a_transfer_resumed_by_its_run_folder_takes_its_recorded_options_given_again(micro_data, tmp_path, way):
    """``--resume A2B.run --n 2 --frozen``, the run's own values typed again: `n` and `frozen` were
    refused as needing `copy_from` (checked before the run's recorded options were taken)."""
    base = training.train(training.TrainConfig(out=str(tmp_path / "baseA.h5"), data=micro_data, half="A", max_iter=4,
                                               batch_size=8, eval_every=2, device="cpu", quiet=True))
    transfer = {"data": micro_data, "copy_from": base.out, "n": 2, "frozen": True, "half": "B"}
    straight = training.train(_config(tmp_path / "straight" / "A2B.h5", **transfer))
    interrupted_after(_config(tmp_path / "A2B.h5", **transfer), 3)
    if way == "command line":
        result = _resume(tmp_path / "A2B.run", "--n", "2", "--frozen")
        assert result.exit_code == 0, result.output
    else:
        training.train(training.TrainConfig(resume=tmp_path / "A2B.run", n=2, frozen=True, device="cpu", quiet=True))
    _assert_same_weights(tmp_path / "A2B.h5", straight.out)
    result = _resume(tmp_path / "A2B.run", "--n", "3")
    assert result.exit_code == 2 and "different configuration: --n 2 -> 3" in result.output, result.output


def _as_given(data, out):
    """`--resume auto` with TRAINED's options given as they were (`--resume auto` takes the options given),
    but for `eval_batch_size`, the test's to give or leave unset."""
    options = [word for key, value in TRAINED.items() if key != "eval_batch_size"
               for word in (f"--{key.replace('_', '-')}", str(value))]
    return ["auto", "--data", data, "-o", str(out), *options]


def test_an_eval_batch_size_given_may_change_on_resume_one_left_unset_is_the_runs(micro_data, tmp_path):
    """A run that ran out of memory evaluating is told to resume with a smaller --eval-batch-size:
    given, it may change; left unset, the run's own (2 here) is taken, by a run folder named and by
    --resume auto alike, never the default (the batch size) silently (it had been, for both; then --resume
    auto refused "--eval-batch-size 2 -> 8", where --checkpoint-every and --log-every left unset were kept)."""
    for resumed_by in (_as_given(micro_data, tmp_path / "int.h5"), [tmp_path / "int.run"]):
        interrupted_after(_config(tmp_path / "int.h5", data=micro_data, eval_batch_size=2, overwrite=True), 3)
        resumed = _resume(*resumed_by)
        assert resumed.exit_code == 0, resumed.output
        recorded = json.loads((tmp_path / "int.run" / "config.json").read_text())
        assert recorded["eval_batch_size"] == 2
        assert checkpoints.load(tmp_path / "int.h5").meta["config"]["eval_batch_size"] == 2


def test_an_eval_batch_size_given_on_resume_is_taken(micro_data, tmp_path):
    interrupted_after(_config(tmp_path / "int.h5", data=micro_data, eval_batch_size=2), 3)
    result = _resume(*_as_given(micro_data, tmp_path / "int.h5"), "--eval-batch-size", "1")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "int.run" / "config.json").read_text())["eval_batch_size"] == 1
