"""docs/transfer.md, where it tells what eval scores on other datasets, said nothing of a dataset of the network's
very classes alone, numbered otherwise (a test set prepared from a half's class folders): eval scores it, each image
as its class, with a note on stderr and classes_renumbered in --json. The page says so; here its claims are checked
against eval run on such a test set (the images of the network's half, prepared from their folders alone)."""

import json
import pathlib

import h5py
from class_folders import CLASSES, class_folders
from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "transfer.md"


def _prepared(root, classes):
    return class_folders(root, classes, train=4, val=2)


def test_the_page_says_what_eval_does_with_a_test_set_of_a_halfs_classes_numbered_otherwise(tmp_path):
    prose = " ".join(DOC.read_text().split())
    claim = ("So is a dataset of the network's very classes and no other, numbered otherwise (a test set prepared "
             "from the class folders of a half alone): each image is scored as its class, matched by wnid (or folder "
             "name), and a note on stderr says how many of its classes the dataset numbers otherwise (`--json`: "
             "`classes_renumbered`).")
    assert claim in prose, "docs/transfer.md no longer says how eval scores a test set numbered otherwise"
    net = tmp_path / "baseA.h5"
    training.train(config.TrainConfig(out=str(net), data=str(_prepared(tmp_path / "all", CLASSES)), preset="micro",
                                      split="random", half="A", batch_size=4, max_iter=2, eval_every=2, seed=1,
                                      quiet=True, device="cpu"))
    with h5py.File(net, "r") as f:
        half = [entry["wnid"] for entry in json.loads(f.attrs["classes"])]
    moved = sum(CLASSES.index(name) != number for number, name in enumerate(half))  # the oracle: by their names
    assert moved >= 1, half  # the half's classes are numbered otherwise in a test set of them alone
    result = CliRunner().invoke(main, ["eval", str(net), "--data", str(_prepared(tmp_path / "test", half)),
                                       "--device", "cpu", "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["classes_renumbered"] == moved and scores["images"] == 2 * len(half), scores
    assert f"numbers {moved} of the classes of" in result.stderr, result.stderr
    assert "each image was scored as its class, matched by wnid (or folder name)" in result.stderr, result.stderr
