"""A resumption refused for an option given otherwise names the options the user gave, not the
defaults that follow from them: ``train --resume auto --max-iter 8`` of a run trained with max_iter 4
also listed ``--stepsize 1 -> 2`` (the paper's step scaled to 8 iterations), which nobody gave."""

import pytest
from click.testing import CliRunner

from minitransfer import optim
from minitransfer import train as training
from minitransfer.cli import main


@pytest.fixture
def trained(micro_data, tmp_path):
    training.train(training.TrainConfig(out=str(tmp_path / "b.h5"), data=micro_data, preset="micro", batch_size=8,
                                        max_iter=4, device="cpu", quiet=True))
    return tmp_path / "b.h5"


@pytest.mark.parametrize("given, listed", [
    (["--max-iter", "8", "--batch-size", "8"], "--max-iter 4 -> 8"),
    (["--max-iter", "8", "--batch-size", "8", "--stepsize", "3"], "--stepsize 1 -> 3, --max-iter 4 -> 8"),
    ([], "--max-iter 4 -> 600, --batch-size 8 -> 32; to continue the run as it was trained, give --max-iter 4 "
         "--batch-size 8"),  # the preset's defaults: what changed, not what follows; the values that go on
], ids=["max-iter", "stepsize-given-too", "defaults"])
def test_a_refused_resumption_lists_the_options_not_what_follows_from_them(micro_data, trained, given, listed):
    assert optim.PAPER.scaled(8) != 1  # what the refusal listed besides --max-iter
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(trained), "--resume", "auto",
                                       "--preset", "micro", "--device", "cpu", "--quiet", *given])
    assert result.exit_code == 2, result.output
    assert f"cannot resume {trained.with_suffix('.run') / 'checkpoint.h5'} with a different configuration: {listed}; " \
           f"to train the new configuration from the start" in " ".join(result.output.split())


def test_the_stepsize_of_the_reduced_data_solver_follows_from_per_class(micro_data, tmp_path):
    """A reduced-data run takes the reduced-data solver, whose step at the same --max-iter is another
    (3 of 8 iterations, the paper's 2): `--per-class` given to a run trained without it listed
    `--stepsize 2 -> 3` too."""
    out = tmp_path / "b.h5"
    training.train(training.TrainConfig(out=str(out), data=micro_data, preset="micro", batch_size=8, max_iter=8,
                                        device="cpu", quiet=True))
    assert optim.PAPER.scaled(8) != optim.REDUCED.scaled(8)
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(out), "--resume", "auto", "--preset",
                                       "micro", "--device", "cpu", "--quiet", "--max-iter", "8", "--batch-size", "8",
                                       "--per-class", "3"])
    assert result.exit_code == 2, result.output
    listed = " ".join(result.output.split()).partition("with a different configuration: ")[2].partition(";")[0]
    assert "--per-class" in listed and "--stepsize" not in listed, listed
