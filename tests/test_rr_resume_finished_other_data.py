"""`train --resume RUN --data BASE_DATA`: RUN a finished transfer across datasets, BASE_DATA its base's dataset
prepared again since. The run's record (its checkpoint, or where that was deleted its weights) names the dataset it
was trained on: the refusal names `--data` trained on -> given (another dataset, exit 2), not the base trained
before that folder was prepared again (exit 65), which the user never asked about; and, the run finished, it
advises no dataset "to continue the run", as a finished run's refusal by its whole record does not."""

from click.testing import CliRunner
from test_user66_resume_other_data import FAST

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic


def test_a_finished_transfer_resumed_on_its_bases_dataset_names_the_dataset(tmp_path):
    garden, birds = tmp_path / "garden", tmp_path / "birds"
    synthetic.build_synthetic(garden, classes=4, train_per_class=4, val_per_class=2, size=14, seed=1)
    synthetic.build_synthetic(birds, classes=6, train_per_class=4, val_per_class=2, size=14, seed=2)
    training.train(config.TrainConfig(out=str(tmp_path / "base.h5"), data=str(garden), **FAST))
    training.train(config.TrainConfig(out=str(tmp_path / "G3B.h5"), data=str(birds),
                                      copy_from=str(tmp_path / "base.h5"), n=1, **FAST))
    synthetic.build_synthetic(garden, classes=4, train_per_class=5, val_per_class=2, size=14, seed=1,
                              overwrite=True)
    weights = (tmp_path / "G3B.h5").read_bytes()
    checkpoint = tmp_path / "G3B.run" / "checkpoint.h5"
    for record in (checkpoint, tmp_path / "G3B.h5"):  # its checkpoint, then deleted: its weights
        if record != checkpoint:
            checkpoint.unlink()
        resumed = CliRunner().invoke(main, ["train", "--resume", str(tmp_path / "G3B.run"), "--data", str(garden)])
        assert resumed.exit_code == 2, resumed.output
        assert resumed.output.startswith(f"error: cannot resume {record} with a different configuration: --data "
                                         f"'{birds}' -> '{garden}' (another dataset: sha256 of its meta.json "), \
            resumed.output
        assert "; to train the new configuration from the start, give another --out" in resumed.output
        assert "to continue" not in resumed.output and "prepared again" not in resumed.output, resumed.output
        assert "Traceback" not in resumed.output
        assert (tmp_path / "G3B.h5").read_bytes() == weights
