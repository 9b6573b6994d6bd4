"""--copy-from a run folder whose training diverged (no weights file: it never will finish): the advice to
give its latest checkpoint said nothing of the divergence, as if the run might yet finish."""

import pytest
from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.cli._errors import option_text
from minitransfer.run_logs import divergence

FAST = ["--max-iter", "2", "--eval-every", "2", "--batch-size", "8", "--device", "cpu"]


def _transfer(base, data, out):
    return CliRunner().invoke(main, ["train", "--data", data, "--copy-from", str(base), "--n", "3", "--frozen",
                                     "-o", str(out), *FAST])


def test_copying_from_a_diverged_run_folder_says_it_diverged(micro_data, tmp_path):
    with pytest.raises(training.Diverged):
        training.train(config.TrainConfig(out=str(tmp_path / "midA.h5"), data=micro_data, split="all", base_lr=50.0,
                                          checkpoint_every=1, max_iter=20, batch_size=8, device="cpu", quiet=True))
    run = tmp_path / "midA.run"
    diverged = divergence(run / "metrics.jsonl")
    assert diverged  # the oracle: what the run's log records
    done = _transfer(run, micro_data, tmp_path / "t.h5")
    assert done.exit_code == 2, done.output
    assert f"{run} has not finished (no midA.h5 beside it): its {diverged}" in done.output
    assert f"give {run / 'checkpoint.h5'}, or start it over with a lower --base-lr (--overwrite, without --resume)" \
        in " ".join(done.output.split())
    (run / "treatment.json").write_text("{}")  # as a grid's run: its runs share --base-lr
    done = _transfer(run, micro_data, tmp_path / "t.h5")
    assert "or train its grid again into a new folder with a lower --base-lr, which the grid's runs share" \
        in " ".join(done.output.split())


def test_the_library_says_a_copied_run_folder_diverged_as_the_command_line_does(micro_data, tmp_path):
    """TrainConfig(copy_from=<a run folder whose run diverged>) advised its latest checkpoint as if the run
    might yet finish; it says that it diverged, in the command line's words (one wording, fields as the
    library names them)."""
    with pytest.raises(training.Diverged):
        training.train(config.TrainConfig(out=str(tmp_path / "midA.h5"), data=micro_data, split="all", base_lr=50.0,
                                          checkpoint_every=1, max_iter=20, batch_size=8, device="cpu", quiet=True))
    run = tmp_path / "midA.run"
    diverged = divergence(run / "metrics.jsonl")
    assert diverged
    with pytest.raises(config.ConfigError) as refused:
        training.train(config.TrainConfig(out=str(tmp_path / "t.h5"), data=micro_data, copy_from=str(run), n=3,
                                          frozen=True, max_iter=2, batch_size=8, device="cpu", quiet=True))
    said = str(refused.value)
    assert said.startswith(f"`copy_from` {run} is the run folder of {tmp_path / 'midA.h5'}, which has not finished "
                           f"(no midA.h5 beside it): its {diverged} (see its metrics.jsonl), so it never will"), said
    assert said.endswith(f"give {run / 'checkpoint.h5'}, or start it over with a lower `base_lr` (`overwrite=True`, "
                         f"without `resume`)"), said
    cli = _transfer(run, micro_data, tmp_path / "t.h5").output
    assert option_text(said.split(", which ", 1)[1]) in " ".join(cli.split())  # the same words
    assert not (tmp_path / "t.run").exists()


def test_copying_from_an_unfinished_run_folder_that_did_not_diverge_says_nothing_of_it(micro_data, tmp_path):
    training.train(config.TrainConfig(out=str(tmp_path / "midA.h5"), data=micro_data, split="all", checkpoint_every=1,
                                      max_iter=2, batch_size=8, device="cpu", quiet=True))
    (tmp_path / "midA.h5").unlink()  # as a run stopped before its end leaves it: a checkpoint, no weights file
    (tmp_path / "midA.run" / "result.json").unlink()
    done = _transfer(tmp_path / "midA.run", micro_data, tmp_path / "t.h5")
    assert done.exit_code == 2, done.output
    assert ("has not finished (no midA.h5 beside it); a transfer copies a finished base: train it to its end"
            in done.output)
    assert "diverged" not in done.output
