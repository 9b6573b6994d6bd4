"""A refused ``train --resume auto -o A4B.h5`` (options unlike those its run recorded) first says what
continues the run as recorded: ``--resume A4B.run`` without those options, which takes the run's `out` and
options; it suggested only another --out or --overwrite, both of which train from the start."""

import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import train as training
from minitransfer.cli import main

OPTIONS = ["--preset", "micro", "--batch-size", "8", "--max-iter", "4", "--eval-every", "2", "--checkpoint-every",
           "2", "--device", "cpu", "--quiet"]


@pytest.fixture
def stopped(micro_data, tmp_path, monkeypatch):
    """A4B.run, stopped at iteration 2 of its 4, trained with base_lr 0.01."""
    monkeypatch.chdir(tmp_path)
    interrupted_after(training.TrainConfig(out="A4B.h5", data=micro_data, preset="micro", batch_size=8, max_iter=4,
                                           eval_every=2, checkpoint_every=2, base_lr=0.01, device="cpu", quiet=True), 2)
    return tmp_path / "A4B.run"


def test_the_refusal_first_says_what_continues_the_run_as_recorded(micro_data, stopped):
    refused = CliRunner().invoke(main, ["train", "--resume", "auto", "-o", "A4B.h5", "--data", micro_data,
                                        "--base-lr", "0.02", *OPTIONS])
    said = " ".join(refused.output.split())
    assert refused.exit_code == 2, refused.output
    assert "--base-lr 0.01 -> 0.02" in said, said
    advice = "to continue the run with the options it recorded, give --resume A4B.run without those options"
    assert advice in said, said
    assert said.index(advice) < said.index("give another --out"), said
    # the advice followed: the run continues from its checkpoint, to its end, with its recorded base_lr
    continued = CliRunner().invoke(main, ["train", "--resume", "A4B.run", "--device", "cpu", "--quiet"])
    assert continued.exit_code == 0, continued.output
    assert (stopped.parent / "A4B.h5").is_file()
    assert '"base_lr": 0.01' in (stopped / "config.json").read_text()
