"""Resuming a run after something it depends on changed under it: its dataset prepared again in its
folder, options typed at their default value that the run recorded otherwise."""

import shutil

import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic
from test_resume_recorded_options import TRAINED

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True}
MICRO = {"classes": 4, "train_per_class": 8, "val_per_class": 4, "size": 14}  # micro_data's


def _resume(run, *options):
    return CliRunner().invoke(main, ["train", "--resume", str(run), "--quiet", *options])


def test_a_run_whose_dataset_was_prepared_again_in_its_folder_is_bad_data_and_its_copy_continues_it(micro_data,
                                                                                                     tmp_path):
    """It exited 2 (usage), though no option could make the run go on on the new images: it is bad
    data (65) as eval says of the same weights there, and the dataset the run trained on, given as
    --data (here micro_data, which the folder was a copy of), continues it as the message says."""
    data = tmp_path / "data"
    shutil.copytree(micro_data, data)
    interrupted_after(training.TrainConfig(out=str(tmp_path / "net.h5"), data=str(data), **FAST), 2)
    trained_on = checkpoints.load(tmp_path / "net.run" / "checkpoint.h5").meta["dataset_fingerprint"]
    now = synthetic.build_synthetic(data, **MICRO, seed=2, overwrite=True).fingerprint
    before = (tmp_path / "net.run" / "checkpoint.h5").read_bytes()

    refused = _resume(tmp_path / "net.run")
    assert refused.exit_code == 65, refused.output
    assert refused.output == (
        f"error: bad data: cannot resume {tmp_path / 'net.run' / 'checkpoint.h5'}: it was trained on {data} before "
        f"that folder was prepared again (sha256 of its meta.json {trained_on[:12]}, now {now[:12]}): its images are "
        f"not the ones the run trained on; to continue the run, give the dataset it trained on (a copy, or prepared "
        f"again as it was) as --data; to train on these images from the start, give another --out, or replace this "
        f"run (--overwrite, without --resume)\n")
    assert (tmp_path / "net.run" / "checkpoint.h5").read_bytes() == before and not (tmp_path / "net.h5").exists()

    resumed = _resume(tmp_path / "net.run", "--data", micro_data)
    assert resumed.exit_code == 0, resumed.output
    assert checkpoints.load(tmp_path / "net.h5").iteration == FAST["max_iter"]


@pytest.mark.parametrize("typed", [("--seed", "0"), ("--momentum", "0.9"), ("--gamma", "0.1")],
                         ids=lambda typed: typed[0][2:])
def test_an_option_typed_at_its_default_value_that_the_run_recorded_otherwise_is_refused(micro_data, tmp_path,
                                                                                        typed):
    """`--resume RUN` takes the run's value for each option left at its default, and could not tell an
    option typed at the default's value from one not typed: `--seed 0` on a run of seed 5 trained on
    with seed 5, silently. Now it is refused as any other value than the run's, naming both."""
    option, value = typed
    recorded = TRAINED[option[2:]]
    interrupted_after(training.TrainConfig(out=str(tmp_path / "int.h5"), data=micro_data, device="cpu", quiet=True,
                                           **TRAINED), 3)
    before = (tmp_path / "int.run" / "checkpoint.h5").read_bytes()
    refused = _resume(tmp_path / "int.run", option, value)
    assert refused.exit_code == 2, refused.output
    assert refused.output.startswith(f"error: cannot resume {tmp_path / 'int.run' / 'checkpoint.h5'} with a different "
                                     f"configuration: {option} {recorded!r} -> {type(recorded)(value)!r}; "
                                     ), refused.output
    assert (tmp_path / "int.run" / "checkpoint.h5").read_bytes() == before and not (tmp_path / "int.h5").exists()
    same = _resume(tmp_path / "int.run", option, str(recorded), "--device", "cpu")  # the run's value, typed: goes on
    assert same.exit_code == 0, same.output
    assert checkpoints.load(tmp_path / "int.h5").meta["config"][option[2:]] == recorded


def test_a_renamed_run_folder_is_told_to_be_renamed_back_and_then_continues(micro_data, tmp_path):
    """`--resume old.run` of net.run renamed said "give another --out, or replace this run": another
    --out is refused for that folder (it is the run folder of old.h5), and replacing loses the run.
    The refusal now says the folder was renamed and what name continues it, which it does."""
    interrupted_after(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, **FAST), 2)
    (tmp_path / "net.run").rename(tmp_path / "old.run")
    refused = _resume(tmp_path / "old.run")
    assert refused.exit_code == 2, refused.output
    assert refused.output.endswith(f"; {tmp_path / 'old.run'} is the run folder of net.h5 renamed: to continue the "
                                   f"run, rename it back to net.run\n"), refused.output
    assert "give another --out" not in refused.output and sorted(tmp_path.iterdir()) == [tmp_path / "old.run"]
    (tmp_path / "old.run").rename(tmp_path / "net.run")
    resumed = _resume(tmp_path / "net.run")
    assert resumed.exit_code == 0, resumed.output
    assert checkpoints.load(tmp_path / "net.h5").iteration == FAST["max_iter"]
