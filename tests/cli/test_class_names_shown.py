"""Class names and wnids read from a dataset's meta.json or a checkpoint, shown in a refusal: escaped and
cut short, never written as they are (a name holding a terminal's escape sequences retitled the terminal
and turned it red; one of 200 MB wrote 200 MB to stderr)."""

import json
import os
import shutil

import pytest
from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic

TINY = {"classes": 4, "train_per_class": 8, "val_per_class": 2, "size": 14, "seed": 1}
FAST = {"preset": "micro", "batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu"}
HOSTILE = "\x1b]0;PWNED\x07\x1b[31m" + "x" * 100_000


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("named")
    synthetic.build_synthetic(folder / "data", **TINY)
    training.train(config.TrainConfig(out=str(folder / "net.h5"), data=str(folder / "data"), split="all", **FAST))
    return folder


@pytest.mark.parametrize("field", ["name", "wnid"])
def test_eval_shows_a_hostile_class_name_escaped_and_cut_short(trained, tmp_path, field):
    """A renamed class (its name: the classes differ; its wnid: the dataset lacks the checkpoint's class)."""
    shutil.copytree(trained / "data", tmp_path / "renamed")
    meta = json.loads((tmp_path / "renamed" / "meta.json").read_text())
    meta["classes"][2][field] = HOSTILE
    (tmp_path / "renamed" / "meta.json").write_text(json.dumps(meta))
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["eval", str(trained / "net.h5"), "--data", "renamed", "--device", "cpu"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 65, result.output[:2000]
    assert len(result.output) < 2000, result.output[:2000]
    assert not any(char < " " for char in result.output.rstrip("\n")), result.output[:2000]
    assert "\\x1b]0;PWNED\\x07\\x1b[31mxxx" in result.output and "x…" in result.output, result.output
