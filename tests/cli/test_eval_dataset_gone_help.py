"""eval of a network whose dataset was moved since exits 65 ("not there any more; give the folder where that
dataset is now as --data"), but eval --help listed the case under no exit code: 65 named only "a dataset that
does not fit it", and a user scripting around eval read a moved folder as a usage error (2) or an I/O one (74)."""

import shutil

from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic


def test_a_dataset_gone_from_its_folder_is_the_exit_code_help_says(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    synthetic.build_synthetic(tmp_path / "S", classes=4, train_per_class=4, val_per_class=2, size=14, seed=0)
    training.train(config.TrainConfig(data="S", split="all", out="net.h5", batch_size=4, max_iter=1, eval_every=1,
                                      quiet=True, device="cpu"))
    shutil.move(tmp_path / "S", tmp_path / "S-moved")
    gone = CliRunner().invoke(main, ["eval", "net.h5"], terminal_width=1000)
    assert len(gone.stderr.splitlines()) == 1 and "--data" in gone.stderr, gone.output
    shown = " ".join(CliRunner().invoke(main, ["eval", "--help"], terminal_width=1000).output.split())
    codes = dict(part.split(" ", 1) for part in shown.split("Exit codes: ")[1].split(" Examples:")[0].split("), ")
                 if part[:1].isdigit())
    assert "gone from its folder" in codes[str(gone.exit_code)], (gone.exit_code, codes)
    assert CliRunner().invoke(main, ["eval", "net.h5", "--data", "S-moved"]).exit_code == 0
