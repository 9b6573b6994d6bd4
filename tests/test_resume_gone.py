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


def _moved_after(tmp_path, data, train):
    """``train(config)`` of tmp_path/net.h5 on a copy of ``data``, then that copy moved away; the copy's
    first folder, and every file under tmp_path (to show nothing was written since)."""
    trained_on = tmp_path / "data"
    shutil.copytree(data, trained_on)
    train(training.TrainConfig(out=str(tmp_path / "net.h5"), data=str(trained_on), **FAST))
    trained_on.rename(tmp_path / "moved")
    return trained_on, _files(tmp_path)


def _files(folder):
    return sorted((path, path.read_bytes()) for path in folder.rglob("*") if path.is_file())


@pytest.mark.parametrize("way", ["run folder", "auto"])
def test_a_run_whose_dataset_is_gone_is_told_to_give_its_folder(micro_data, tmp_path, way):
    """It was compared with the built-in set, the default `--data`, and the refusal listed differences
    nobody asked for ("--data .../data -> .../cache/synthetic-... (another dataset ...), --fc8-outputs
    2 -> 10"). Now it names the folder gone and asks for it; given, the run continues."""
    data, before = _moved_after(tmp_path, micro_data, lambda config: interrupted_after(config, 2))
    checkpoint = tmp_path / "net.run" / "checkpoint.h5"

    refused = _resumed(tmp_path, way)
    assert refused.exit_code == 2, refused.output
    assert refused.output == (f"error: cannot resume {checkpoint}: the dataset it was trained on, {data}, is not "
                              f"there now (moved or deleted); give its folder where it is now as --data\n")
    assert _files(tmp_path) == before

    resumed = _resumed(tmp_path, way, "--data", tmp_path / "moved")
    assert resumed.exit_code == 0, resumed.output
    assert "is already finished" not in resumed.output, resumed.output
    assert checkpoints.load(tmp_path / "net.h5").iteration == FAST["max_iter"]


@pytest.mark.parametrize("way", ["run folder", "auto"])
@pytest.mark.parametrize("checkpoint", ["kept", "deleted"])
def test_a_finished_run_whose_dataset_is_gone_ends_at_once(micro_data, tmp_path, way, checkpoint):
    """Nothing is left to train, so nothing needs the dataset: it ends at once, as it does where the
    dataset is there (same words, same result). It was refused (exit 2), "the run of ... is finished
    (nothing is left to train), but a resumption checks it against its dataset ... give its folder"."""
    _, before = _moved_after(tmp_path, micro_data, training.train)
    where_it_is = _resumed(tmp_path, way, "--data", tmp_path / "moved", "--json")
    assert where_it_is.exit_code == 0 and "is already finished" in where_it_is.output, where_it_is.output
    if checkpoint == "deleted":
        (tmp_path / "net.run" / "checkpoint.h5").unlink()
        before = _files(tmp_path)

    resumed = _resumed(tmp_path, way, "--json")
    assert resumed.exit_code == 0, resumed.output
    assert resumed.output == where_it_is.output
    assert f"{tmp_path / 'net.h5'} is already finished (mean of all " in resumed.output, resumed.output
    assert _files(tmp_path) == before


def test_a_finished_run_whose_dataset_is_gone_is_refused_other_options(micro_data, tmp_path):
    """An option given otherwise than the run's is refused as it is where the dataset is there, not
    reported as the finished run it is not."""
    _, before = _moved_after(tmp_path, micro_data, training.train)
    refused = _resumed(tmp_path, "auto", "--seed", "3", "--base-lr", "0.5")
    assert refused.exit_code == 2, refused.output
    assert refused.output == (f"error: cannot resume {tmp_path / 'net.run' / 'checkpoint.h5'} with a different "
                              f"configuration: --seed 0 -> 3, --base-lr 0.01 -> 0.5; the run is finished (nothing is "
                              f"left to train): to train the new configuration, give another --out (and the dataset "
                              f"as --data)\n")
    assert _files(tmp_path) == before


def test_a_finished_run_whose_result_is_unreadable_still_asks_for_its_dataset(micro_data, tmp_path):
    """Its result.json unreadable, the run is finished again from its checkpoint, which evaluates on
    the dataset: that one still asks for it."""
    data, _ = _moved_after(tmp_path, micro_data, training.train)
    (tmp_path / "net.run" / "result.json").write_text("{not json")
    refused = _resumed(tmp_path, "run folder")
    assert refused.exit_code == 2, refused.output
    assert f"is finished (nothing is left to train), but a resumption checks it against its dataset, and the " \
           f"dataset it was trained on, {data}, is not there now" in refused.output, refused.output


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


def test_a_finished_run_resumed_from_its_own_checkpoint_file_ends_at_once(micro_data, tmp_path):
    """`--resume net.run/checkpoint.h5 -o net.h5` is the run's own checkpoint, as `--resume auto` is."""
    _, before = _moved_after(tmp_path, micro_data, training.train)
    resumed = _train("--resume", tmp_path / "net.run" / "checkpoint.h5", "-o", tmp_path / "net.h5", *FAST_OPTIONS)
    assert resumed.exit_code == 0, resumed.output
    assert f"{tmp_path / 'net.h5'} is already finished" in resumed.output, resumed.output
    assert _files(tmp_path) == before
