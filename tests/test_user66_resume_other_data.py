"""`train --resume RUN --data OTHER`, OTHER another dataset than the run's with another number of classes: the
refusal names the dataset given otherwise (exit 2), not "--fc8-outputs 4 is fewer than the 6 classes", a width
taken from the run's record that the user never gave. A copy of the run's own dataset, moved, still resumes it."""

import shutil

import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import config
from minitransfer.cli import main
from minitransfer.data import synthetic

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True,
        "preset": "micro", "split": "all"}


@pytest.fixture(scope="module")
def stopped(tmp_path_factory):
    """A base on 4 classes stopped after 2 of its 4 iterations, its fc8 given 5 outputs (not the default
    width), and a dataset of 6 other classes."""
    root = tmp_path_factory.mktemp("resume-other-data")
    own, other = root / "own", root / "other"
    synthetic.build_synthetic(own, classes=4, train_per_class=4, val_per_class=2, size=14, seed=1)
    synthetic.build_synthetic(other, classes=6, train_per_class=4, val_per_class=2, size=14, seed=2)
    interrupted_after(config.TrainConfig(out=str(root / "base.h5"), data=str(own), fc8_outputs=5, **FAST), 2)
    return root


def resumed_on_another_dataset(run, trained_on, given):
    """`train --resume RUN --data GIVEN` refused as another dataset than ``trained_on`` (exit 2), writing no
    network: its output."""
    resumed = CliRunner().invoke(main, ["train", "--resume", str(run), "--data", str(given)])
    assert resumed.exit_code == 2, resumed.output
    assert resumed.output.startswith(f"error: cannot resume {run / 'checkpoint.h5'} with a different configuration: "
                                     f"--data '{trained_on}' -> '{given}' (another dataset: sha256 of its "
                                     f"meta.json "), resumed.output
    assert "Traceback" not in resumed.output
    assert not run.with_suffix(".h5").exists()
    return resumed.output


def test_resuming_on_another_dataset_names_the_dataset_not_fc8(stopped):
    said = resumed_on_another_dataset(stopped / "base.run", stopped / "own", stopped / "other")
    assert "fc8" not in said


def test_a_moved_copy_of_the_runs_dataset_still_resumes_it(stopped, tmp_path):
    """The copy holds the same meta.json: the run's recorded fc8 width (5, not the 4 classes') is taken."""
    shutil.copytree(stopped / "base.run", tmp_path / "base.run")
    shutil.copytree(stopped / "own", tmp_path / "moved")
    resumed = CliRunner().invoke(main, ["train", "--resume", str(tmp_path / "base.run"), "--data",
                                        str(tmp_path / "moved"), "--quiet"])
    assert resumed.exit_code == 0, resumed.output
    assert (tmp_path / "base.h5").is_file() and (tmp_path / "base.run" / "result.json").is_file()


def test_resuming_with_its_own_folder_prepared_again_given_as_data_says_so(tmp_path):
    """`--data` given as the run's own folder, prepared again since with two classes more: bad data (65) naming the
    folder prepared again, as the same resumption without `--data` says, not fc8's width (2)."""
    own = tmp_path / "own"
    synthetic.build_synthetic(own, classes=4, train_per_class=4, val_per_class=2, size=14, seed=1)
    interrupted_after(config.TrainConfig(out=str(tmp_path / "base.h5"), data=str(own), **FAST), 2)
    synthetic.build_synthetic(own, classes=6, train_per_class=4, val_per_class=2, size=14, seed=1, overwrite=True)
    resumed = CliRunner().invoke(main, ["train", "--resume", str(tmp_path / "base.run"), "--data", str(own)])
    assert resumed.exit_code == 65, resumed.output
    assert resumed.output.startswith(f"error: bad data: cannot resume {tmp_path / 'base.run' / 'checkpoint.h5'}: it "
                                     f"was trained on {own} before that folder was prepared again"), resumed.output
    assert "fc8" not in resumed.output and "Traceback" not in resumed.output
