"""A run folder as `copy_from`: ``train --copy-from runs/baseA.run`` copies its run's weights
(runs/baseA.h5); ``TrainConfig(copy_from="runs/baseA.run")`` was refused ("not a file: give its
weights file"). The library takes it as the command line does."""

import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import fileio
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"batch_size": 8, "max_iter": 2, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True}


@pytest.fixture
def base(micro_data, tmp_path):
    """A finished base, runs/baseA.h5, beside its run folder runs/baseA.run."""
    (tmp_path / "runs").mkdir()
    training.train(training.TrainConfig(out=str(tmp_path / "runs" / "baseA.h5"), data=micro_data, **FAST))
    return tmp_path / "runs" / "baseA.h5"


@pytest.mark.parametrize("named", ["baseA.run", "baseA.run/"], ids=["folder", "trailing-slash"])
def test_a_finished_run_folder_as_copy_from_copies_its_weights(micro_data, base, tmp_path, named):
    copy_from = f"{base.parent}/{named}"
    result = training.train(training.TrainConfig(out=str(tmp_path / "A1B.h5"), copy_from=copy_from, n=1,
                                                 data=micro_data, **FAST))
    saved = checkpoints.load(result.out, solver=False)
    assert saved.meta["config"]["copy_from"] == str(base)
    assert saved.meta["source"]["sha256"] == fileio.sha256_file(base)


def test_the_library_and_the_command_line_record_the_same_base(micro_data, base, tmp_path):
    CliRunner().invoke(main, ["train", "-o", str(tmp_path / "cli.h5"), "--copy-from", str(base.parent / "baseA.run"),
                              "--n", "1", "--data", micro_data, "--batch-size", "8", "--max-iter", "2",
                              "--device", "cpu", "--quiet"], catch_exceptions=False)
    training.train(training.TrainConfig(out=str(tmp_path / "lib.h5"), copy_from=str(base.parent / "baseA.run"), n=1,
                                        data=micro_data, **FAST))
    cli, lib = (checkpoints.load(tmp_path / name, solver=False).meta for name in ("cli.h5", "lib.h5"))
    assert cli["config"]["copy_from"] == lib["config"]["copy_from"] == str(base)
    assert cli["source"] == lib["source"]


def test_an_unfinished_run_folder_as_copy_from_says_to_finish_it_or_give_its_checkpoint(micro_data, base, tmp_path):
    run = base.parent / "baseA.run"
    base.unlink()  # its run as it stood before writing its weights: no result.json, no baseA.h5
    (run / "result.json").unlink()
    with pytest.raises(training.ConfigError) as refused:
        training.train(training.TrainConfig(out=str(tmp_path / "A1B.h5"), copy_from=str(run), n=1, data=micro_data,
                                            **FAST))
    assert str(refused.value) == (f"`copy_from` {run} is the run folder of {base}, which has not finished (no "
                                  f"baseA.h5 beside it); a transfer copies a finished base: train it to its end "
                                  f"first (train with `resume='{run}'`), then rerun; or, to copy from its latest "
                                  f"checkpoint as it is, give {run / 'checkpoint.h5'}: report leaves such a transfer "
                                  f"out of the paper's treatments (they copy from bases trained to the end of their "
                                  f"run)")
    assert not (tmp_path / "A1B.run").exists()


@pytest.mark.parametrize("given", ["library", "command-line"])
def test_a_finished_run_folder_whose_weights_were_moved_says_so(micro_data, base, tmp_path, given):
    """Its run finished (result.json) and baseA.h5 was moved away: said as for `copy_from` naming
    baseA.h5 (where the network is: where the file went, or its last checkpoint), where it said the run
    "has not finished (no baseA.h5 beside it)"."""
    run = base.parent / "baseA.run"
    base.rename(tmp_path / "moved.h5")
    says = (f"{run} stands for its weights file, but {base} is not there: its run {run} finished, and the file was "
            f"moved or deleted since; give the file where it went, or {run / 'checkpoint.h5'}, its last checkpoint: "
            f"the network as it finished")
    if given == "library":
        with pytest.raises(training.ConfigError) as refused:
            training.train(training.TrainConfig(out=str(tmp_path / "A1B.h5"), copy_from=str(run), n=1,
                                                data=micro_data, **FAST))
        assert str(refused.value) == f"`copy_from` {says}"
    else:
        result = CliRunner().invoke(main, ["train", "-o", str(tmp_path / "A1B.h5"), "--copy-from", str(run), "--n",
                                           "1", "--data", micro_data, "--max-iter", "2", "--device", "cpu"])
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert says in " ".join(result.output.split()), result.output
    assert not (tmp_path / "A1B.run").exists()
