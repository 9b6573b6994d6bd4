"""Resuming a run something it was trained with is gone from: its dataset folder (moved or deleted),
or the base file it copied from. The refusal names what is gone and what to give; a run that needs
neither goes on (or, finished, ends at once)."""

import shutil

import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True}
FAST_OPTIONS = ["--batch-size", "8", "--max-iter", "4", "--eval-every", "2", "--checkpoint-every", "2",
                "--device", "cpu"]  # FAST's, which `--resume auto` must be given


def _train(*options):
    return CliRunner().invoke(main, ["train", *map(str, options)])


def _resumed(tmp_path, way, *options):
    """`train` resuming tmp_path/net.h5's run by its run folder (its recorded options) or `--resume auto -o`
    (FAST's options given)."""
    if way == "run folder":
        return _train("--resume", tmp_path / "net.run", *options)
    return _train("--resume", "auto", "-o", tmp_path / "net.h5", *FAST_OPTIONS, *options)


@pytest.mark.parametrize("way", ["run folder", "auto"])
@pytest.mark.parametrize("stage", ["finished", "interrupted"])
def test_a_run_whose_dataset_is_gone_is_told_to_give_its_folder(micro_data, tmp_path, stage, way):
    """It was compared with the built-in set, the default `--data`, and the refusal listed differences
    nobody asked for ("--data .../data -> .../cache/synthetic-... (another dataset ...), --fc8-outputs
    2 -> 10"), finished or not. Now it names the folder gone and asks for it; given, the run continues
    (or, finished, ends at once)."""
    data = tmp_path / "data"
    shutil.copytree(micro_data, data)
    config = training.TrainConfig(out=str(tmp_path / "net.h5"), data=str(data), **FAST)
    if stage == "finished":
        training.train(config)
    else:
        interrupted_after(config, 2)
    data.rename(tmp_path / "moved")
    checkpoint = tmp_path / "net.run" / "checkpoint.h5"
    before = sorted((path, path.read_bytes()) for path in tmp_path.rglob("*") if path.is_file())

    refused = _resumed(tmp_path, way)
    assert refused.exit_code == 2, refused.output
    gone = f"the dataset it was trained on, {data}, is not there now (moved or deleted)"
    assert refused.output == {
        "finished": f"error: the run of {checkpoint} is finished (nothing is left to train), but a resumption checks "
                    f"it against its dataset, and {gone}: give its folder where it is now as --data\n",
        "interrupted": f"error: cannot resume {checkpoint}: {gone}; give its folder where it is now as --data\n",
    }[stage]
    assert sorted((path, path.read_bytes()) for path in tmp_path.rglob("*") if path.is_file()) == before

    resumed = _resumed(tmp_path, way, "--data", tmp_path / "moved")
    assert resumed.exit_code == 0, resumed.output
    assert ("is already finished" in resumed.output) == (stage == "finished"), resumed.output
    assert checkpoints.load(tmp_path / "net.h5").iteration == FAST["max_iter"]


@pytest.mark.parametrize("way", ["run folder", "auto"])
def test_a_finished_transfer_whose_base_and_checkpoint_are_gone_ends_at_once(micro_data, tmp_path, way):
    """A finished run whose checkpoint was deleted ends at once on `--resume` (nothing to do); a
    transfer's too once its base is gone, which its weights record as its checkpoint did. It was
    refused: "--copy-from baseA.h5 does not exist, and net.run/checkpoint.h5 has no run to continue
    from it", a finished run said to be no run."""
    training.train(training.TrainConfig(out=str(tmp_path / "baseA.h5"), data=micro_data, **FAST))
    transfer = {"copy_from": str(tmp_path / "baseA.h5"), "n": 1, "half": "B"}
    training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, **transfer, **FAST))
    (tmp_path / "net.run" / "checkpoint.h5").unlink()
    (tmp_path / "baseA.h5").unlink()
    shutil.rmtree(tmp_path / "baseA.run")
    weights = (tmp_path / "net.h5").read_bytes()

    given = [] if way == "run folder" else ["--data", micro_data, "--copy-from", tmp_path / "baseA.h5", "--n", "1",
                                            "--half", "B"]
    resumed = _resumed(tmp_path, way, *given)
    assert resumed.exit_code == 0, resumed.output
    assert f"{tmp_path / 'net.h5'} is already finished" in resumed.output, resumed.output
    assert (tmp_path / "net.h5").read_bytes() == weights
