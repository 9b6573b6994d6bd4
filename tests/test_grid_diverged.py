"""A grid's run whose training diverged: the grid's end said "fix that, then rerun the same command",
and the rerun diverged again, bit for bit, as often as it was run. It now says the run diverged, where,
and that the grid must be trained again with a lower --base-lr."""

import shutil

import pytest
from click.testing import CliRunner

from minitransfer import config, results, run_remedies
from minitransfer.cli import main
from minitransfer.experiment import TREATMENT_FILE
from minitransfer import train as training
from minitransfer.grid_outcome import Failure, failure_cause
from minitransfer.run_outcome import Diverged

FAST = {"preset": "micro", "batch_size": 8, "eval_every": 2, "quiet": True, "device": "cpu"}
AGAIN = ("a rerun diverges again, bit for bit: train the grid again into a new folder (-o) with a lower --base-lr, "
         "which its runs share")


@pytest.fixture(scope="module")
def runs(micro_data, tmp_path_factory):
    """A run folder whose training diverged (a learning rate of 1e5) and one that finished."""
    folder = tmp_path_factory.mktemp("grid")
    with pytest.raises(Diverged):
        training.train(config.TrainConfig(out=str(folder / "A1B.h5"), data=micro_data, base_lr=1e5, max_iter=8,
                                          **FAST))
    training.train(config.TrainConfig(out=str(folder / "B1B.h5"), data=micro_data, max_iter=2, **FAST))
    return folder


def test_a_diverged_run_is_told_as_such_with_what_to_change(runs):
    said = failure_cause(1, ["random0/A1B"], [Failure(1, runs / "A1B.run" / "train.log")])
    assert said.startswith("random0/A1B: diverged (exit 1; training diverged: "), said
    assert said.endswith(f"): {AGAIN}"), said
    assert "repeat the same call" not in said


def test_runs_that_failed_otherwise_keep_the_advice_to_rerun_and_name_the_diverged_ones(runs):
    said = failure_cause(1, ["random0/A1B", "random0/B1B"], [Failure(1, runs / f"{name}.run" / "train.log")
                                                            for name in ("A1B", "B1B")])
    assert said.startswith(f"random0/A1B, random0/B1B: failed (exit 1): their train.log (e.g. {runs}/A1B.run/"
                           "train.log) says why; fix that, then repeat the same call; random0/A1B of them diverged "
                           "(random0/A1B: training diverged: "), said
    assert said.endswith(AGAIN)
    assert failure_cause(1, ["random0/B1B"], [Failure(1, runs / "B1B.run" / "train.log")]).endswith(
        "says why; fix that, then repeat the same call")


@pytest.mark.usefixtures("placeholder_figures")
def test_the_report_of_a_grid_whose_run_diverged_says_to_train_the_grid_again(micro_data, tmp_path):
    """The report told of a grid's diverged run what it tells of a lone one, "start it over with
    --overwrite ... and a lower --base-lr": that run alone retrained so is one the grid refuses
    (trained otherwise), its report pooling two schedules, and retrained with the grid's options it
    diverges again, bit for bit. It now says what the grid's end says: train the grid again."""
    out = tmp_path / "grid"
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), "--layers", "1",
                                       "--no-fine-tuned", "--preset", "micro", "--max-iter", "8",
                                       "--base-lr", "100000", "--device", "cpu"])
    assert result.exit_code == 1 and AGAIN in result.output, result.output
    _, _, left_out = results.collect(out)
    diverged = [line for line in left_out if line.startswith("random0/baseA: training diverged: ")]
    assert len(diverged) == 1, left_out
    assert diverged[0].endswith("resumed, or trained again with the grid's options, it diverges again, bit for bit; "
                                "train the grid again into a new folder (-o) with a lower --base-lr, which its runs "
                                "share, or check the data (this run alone trained again with another --base-lr is "
                                "one the grid refuses, and its report would pool two schedules)"), diverged
    assert "--overwrite" not in diverged[0]
    lone = tmp_path / "lone"
    lone.mkdir()
    shutil.copytree(out / "random0" / "baseA.run", lone / "baseA.run")
    (lone / "baseA.run" / TREATMENT_FILE).unlink()  # the same run, trained by hand: started over on its own
    [alone] = results.collect(lone)[2]
    assert alone.endswith("resumed, it diverges again; start it over with --overwrite (without --resume) and a lower "
                          "--base-lr, or check the data"), alone
    assert run_remedies.start_over_in(out / "random0" / "baseA.run") in diverged[0]  # as info and eval say it
    assert run_remedies.start_over_in(lone / "baseA.run") in alone


def test_a_failed_run_whose_metrics_cannot_be_read_is_told_as_failed(tmp_path):
    """A metrics.jsonl that is a folder: before, the grid's end summary raised IsADirectoryError."""
    (tmp_path / "A1B.run" / "metrics.jsonl").mkdir(parents=True)
    said = failure_cause(1, ["random0/A1B"], [Failure(1, tmp_path / "A1B.run" / "train.log")])
    assert said == (f"random0/A1B: failed (exit 1): its train.log ({tmp_path}/A1B.run/train.log) says why; fix "
                    f"that, then repeat the same call")
