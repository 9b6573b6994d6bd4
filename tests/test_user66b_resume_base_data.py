"""`train --resume RUN --data BASE_DATA`: RUN a transfer trained on another dataset than its base's, BASE_DATA
the base's dataset prepared again since. The run's record is compared with the dataset given first: the refusal
names `--data` trained on -> given (another dataset, exit 2), not the base trained before that folder was prepared
again (exit 65), which the user never asked about."""

import pytest
from click.testing import CliRunner
from interrupting import interrupted_after
from test_user66_resume_other_data import FAST, resumed_on_another_dataset

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic


@pytest.fixture(scope="module")
def transfer(tmp_path_factory):
    """A base trained on garden (4 classes), a transfer from it to birds (6 classes) stopped after 2 of its 4
    iterations, and garden prepared again since (another image per class)."""
    root = tmp_path_factory.mktemp("resume-base-data")
    garden, birds = root / "garden", root / "birds"
    synthetic.build_synthetic(garden, classes=4, train_per_class=4, val_per_class=2, size=14, seed=1)
    synthetic.build_synthetic(birds, classes=6, train_per_class=4, val_per_class=2, size=14, seed=2)
    training.train(config.TrainConfig(out=str(root / "base.h5"), data=str(garden), **FAST))
    interrupted_after(config.TrainConfig(out=str(root / "G3B.h5"), data=str(birds), copy_from=str(root / "base.h5"),
                                         n=1, **FAST), 2)
    synthetic.build_synthetic(garden, classes=4, train_per_class=5, val_per_class=2, size=14, seed=1,
                              overwrite=True)
    return root


def test_resuming_a_transfer_on_its_bases_dataset_names_the_dataset_not_the_base(transfer):
    said = resumed_on_another_dataset(transfer / "G3B.run", transfer / "birds", transfer / "garden")
    assert "--overwrite, without --resume" in said
    assert "prepared again" not in said


def test_resuming_it_on_its_own_dataset_still_continues(transfer):
    resumed = CliRunner().invoke(main, ["train", "--resume", str(transfer / "G3B.run"), "--data",
                                        str(transfer / "birds"), "--quiet"])
    assert resumed.exit_code == 0, resumed.output
    assert (transfer / "G3B.h5").is_file()
