"""Running out of memory part-way through a run (a fake MemoryError injected, as NumPy or CuPy raise
it): between two iterations (an evaluation, the next batch made) the iterations done are saved and
a resumed run ends with an uninterrupted run's bits; inside a training step (its update possibly
part-applied) nothing is saved and the last checkpoint stays as it was."""

import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import optim, training_run
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import loader
from minitransfer.run_outcome import OutOfMemoryMidRun
from minitransfer.step import OutOfDeviceMemory

# evaluations after iterations 2, 4 and 6; checkpoints after 3 and 6
FIELDS = {"batch_size": 8, "max_iter": 6, "eval_every": 2, "checkpoint_every": 3, "seed": 4, "quiet": True,
          "device": "cpu"}
OPTIONS = ["--batch-size", "8", "--max-iter", "6", "--eval-every", "2", "--checkpoint-every", "3", "--seed", "4",
           "--quiet", "--device", "cpu"]


def _train(out, data, on_iteration=None, **fields):
    return training.train(training.TrainConfig(out=str(out), data=data, **FIELDS, **fields), on_iteration=on_iteration)


@pytest.fixture(scope="module")
def whole(micro_data, tmp_path_factory):
    """The oracle: the weights of the same run trained without a fault."""
    out = tmp_path_factory.mktemp("whole") / "net.h5"
    _train(out, micro_data)
    return checkpoints.load(out).weights


def _same_bits(path, weights):
    saved = checkpoints.load(path).weights
    return saved.keys() == weights.keys() and all((a == b).all() for name in weights
                                                  for a, b in zip(saved[name], weights[name]))


def _checkpoint(out):
    return out.with_suffix(".run") / "checkpoint.h5"


def test_out_of_memory_in_an_evaluation_saves_its_iteration_and_resumes_to_the_same_bits(micro_data, tmp_path,
                                                                                         monkeypatch, whole):
    """The evaluation after iteration 4 runs out of memory (the checkpoint is at 3): iteration 4 is
    saved, exit 1 says to resume with a smaller --eval-batch-size; it lost iteration 4 and said nothing
    of resuming."""
    real_evaluate, calls = training_run.evaluate, []

    def second_runs_out(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise MemoryError("Unable to allocate 2.00 GiB for an array with shape (8, 96, 55, 55)")
        return real_evaluate(*args, **kwargs)

    monkeypatch.setattr(training_run, "evaluate", second_runs_out)
    out = tmp_path / "net.h5"
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(out), *OPTIONS])
    assert result.exit_code == 1, result.output
    assert (f"error: out of memory: the evaluation after iteration 4 ran out of memory (Unable to allocate 2.00 GiB "
            f"for an array with shape (8, 96, 55, 55)): a batch of --eval-batch-size 8 is too large for the memory "
            f"available; iterations 1..4 saved in {_checkpoint(out)}: rerun with --resume auto and a smaller "
            f"--eval-batch-size") in result.output
    assert checkpoints.load(_checkpoint(out)).solver.iteration == 4
    monkeypatch.setattr(training_run, "evaluate", real_evaluate)
    resumed = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(out), *OPTIONS, "--resume", "auto",
                                        "--eval-batch-size", "4"])  # as the message says
    assert resumed.exit_code == 0, resumed.output
    assert _same_bits(out, whole)
    evaluated = (out.with_suffix(".run") / "eval.csv").read_text().splitlines()[1:]
    assert [row.split(",")[0] for row in evaluated] == ["2", "4", "6"]  # the one that ran out made again


def test_out_of_memory_making_a_batch_saves_the_cursor_before_it(micro_data, tmp_path, monkeypatch, whole):
    """The crops of iteration 5's batch fail to allocate after the loader counted that batch
    delivered: the checkpoint continues with it (a cursor one batch on would skip it on resume)."""
    real_forward, failed = loader.augment.forward, []

    def fifth_batch_runs_out(images, mean, crop, train, seed, batch):
        if train and batch == 4 and not failed:
            failed.append(batch)
            raise MemoryError("Unable to allocate the crops")
        return real_forward(images, mean, crop, train, seed, batch)

    monkeypatch.setattr(loader.augment, "forward", fifth_batch_runs_out)
    out = tmp_path / "net.h5"
    with pytest.raises(OutOfMemoryMidRun, match=r"^making the batch of iteration 5 ran out of memory \(Unable to "
                                                r"allocate the crops\); iterations 1\.\.4 saved in .*checkpoint\.h5: "
                                                r"rerun with `resume='auto'` once more memory is free$"):
        _train(out, micro_data)
    saved = checkpoints.load(_checkpoint(out)).solver
    assert (saved.iteration, saved.cursor["batch"]) == (4, 4)
    _train(out, micro_data, resume="auto")
    assert _same_bits(out, whole)


@pytest.mark.parametrize("error, raised, opening", [
    (MemoryError("Unable to allocate the update"), OutOfMemoryMidRun,
     r"the training step of iteration 5 ran out of memory \(Unable to allocate the update\)"),
    (OutOfDeviceMemory("out of GPU memory: a training step ...; lower `batch_size`"), OutOfDeviceMemory,
     r"out of GPU memory: a training step \.\.\.; lower `batch_size`"),  # a ConfigError (exit code 2), as before
], ids=["host", "gpu"])
def test_out_of_memory_inside_a_training_step_keeps_the_last_checkpoint_as_it_was(micro_data, tmp_path, monkeypatch,
                                                                                  whole, error, raised, opening):
    """The solver runs out of memory in iteration 5, after updating conv1 only: those weights are
    not saved; the checkpoint of iteration 3 is kept, named, and resumes to the uninterrupted bits."""
    real_step, kept = optim.step, {}

    def runs_out_in_iteration_5(params, solver, iteration, **kwargs):
        if iteration == 4:
            params[0].data += 1.0  # part of the update applied
            raise error
        return real_step(params, solver, iteration, **kwargs)

    def keep_checkpoint_of_3(done):
        if done == 4:
            kept["bytes"] = _checkpoint(out).read_bytes()

    monkeypatch.setattr(optim, "step", runs_out_in_iteration_5)
    out = tmp_path / "net.h5"
    with pytest.raises(raised, match=rf"^{opening}; its update is not saved \(the weights may be part-updated\); the "
                                     rf"last checkpoint, of iteration 3, is kept in .*checkpoint\.h5: rerun with "
                                     rf"`resume='auto'` once more memory is free, or start over with a smaller "
                                     rf"`batch_size` \(`overwrite=True`\)$") as caught:
        _train(out, micro_data, on_iteration=keep_checkpoint_of_3)
    if raised is OutOfMemoryMidRun:  # the checkpoint a rerun continues from, for a caller to read
        assert (caught.value.checkpoint_path, caught.value.iteration) == (_checkpoint(out), 3)
    assert _checkpoint(out).read_bytes() == kept["bytes"]
    monkeypatch.setattr(optim, "step", real_step)
    _train(out, micro_data, resume="auto")
    assert _same_bits(out, whole)
