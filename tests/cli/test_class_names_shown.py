"""Class names and wnids read from a dataset's meta.json or a checkpoint, shown in a refusal: escaped and
cut short, never written as they are (a name holding a terminal's escape sequences retitled the terminal
and turned it red; one of 200 MB wrote 200 MB to stderr)."""

import json
import shutil

import pytest
from click.testing import CliRunner
from in_folder import invoke

from minitransfer import config, grid_caveats
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
    result = invoke(["eval", str(trained / "net.h5"), "--data", "renamed", "--device", "cpu"], tmp_path)
    assert result.exit_code == 65, result.output[:2000]
    assert len(result.output) < 2000, result.output[:2000]
    assert not any(char < " " for char in result.output.rstrip("\n")), result.output[:2000]
    assert "\\x1b]0;PWNED\\x07\\x1b[31mxxx" in result.output and "x…" in result.output, result.output


def _edited(trained, folder, edit):
    """A copy of the dataset ``trained`` whose meta.json's class table ``edit(classes, meta)`` changed."""
    shutil.copytree(trained / "data", folder)
    meta = json.loads((folder / "meta.json").read_text())
    edit(meta["classes"], meta)
    (folder / "meta.json").write_text(json.dumps(meta))
    return folder


def _shown_short(text):
    """``text`` (a command's output or a message) holds the hostile name escaped and cut, not as it is."""
    assert len(text) < 4000, text[:2000]
    assert not any(char < " " and char != "\n" and char != "\t" for char in text), text[:2000]
    assert "\\x1b]0;PWNED\\x07\\x1b[31mxxx" in text and "x…" in text, text[:2000]


@pytest.mark.parametrize("field", ["name", "wnid"])
def test_splits_shows_a_hostile_class_name_escaped_and_cut_short(trained, tmp_path, field):
    """splits' text escaped a class's name and wnid but wrote all 100 kB of it."""
    data = _edited(trained, tmp_path / "renamed", lambda classes, meta: classes[2].update({field: HOSTILE}))
    result = CliRunner().invoke(main, ["splits", str(data), "all"])
    assert result.exit_code == 0, result.output[:2000]
    _shown_short(result.output)


def test_splits_shows_a_hostile_family_escaped_and_cut_short(trained, tmp_path):
    """The natural split's title names half A's family, read from meta.json: written as repr gave it, 100 kB."""
    def rename_family(classes, meta):
        for entry in classes:
            if entry["family"] == meta.get("family_a", "natural"):
                entry["family"] = HOSTILE
        meta["family_a"] = HOSTILE
    data = _edited(trained, tmp_path / "renamed", rename_family)
    result = CliRunner().invoke(main, ["splits", str(data), "natural"])
    assert result.exit_code == 0, result.output[:2000]
    _shown_short(result.output)


def test_a_hostile_duplicate_wnid_is_refused_escaped_and_cut_short(trained, tmp_path):
    """meta.json's check named a wnid two classes share by repr: escaped, but all 100 kB of it."""
    def duplicate(classes, meta):
        classes[0]["wnid"] = classes[1]["wnid"] = HOSTILE
    data = _edited(trained, tmp_path / "twice", duplicate)
    result = CliRunner().invoke(main, ["splits", str(data), "all"])
    assert result.exit_code == 65, result.output[:2000]
    assert "have the same wnid" in result.output, result.output[:2000]
    _shown_short(result.output)


def test_a_grid_names_hostile_shared_classes_escaped_and_cut_short(trained, tmp_path):
    """A cross-dataset grid's warning named the classes its source and target share by their wnids as they are."""
    source = _edited(trained, tmp_path / "source", lambda classes, meta: classes[0].update({"wnid": HOSTILE}))
    synthetic.build_synthetic(tmp_path / "data", **{**TINY, "classes": 6})
    target = _edited(tmp_path, tmp_path / "target-renamed",
                     lambda classes, meta: classes[0].update({"wnid": HOSTILE}))
    warning = grid_caveats.check_source_data(str(source), str(target))
    assert "are among the" in warning, warning[:2000]
    _shown_short(warning)
