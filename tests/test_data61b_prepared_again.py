"""A base trained on folder S (ant, bee, cat, dog), S then prepared again (ant, bee, cat, eel), also into T.
Each place that named S as the base's dataset said so as if S still held it: eval --data T advised "give the
dataset it was trained on (S)"; eval without --data advised "give --data S", refused next for its classes;
report named S for both datasets, told apart by their sha256 alone; train --copy-from on S warned the base was
trained on S while the run trains on S. Each now says S was prepared again since
(:func:`minitransfer.class_tables.prepared_again_since`)."""

import hashlib

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer import train as training
from minitransfer.class_tables import prepared_again_since
from minitransfer.cli import main
from minitransfer.data import folder as folders

PREPARED_AGAIN = "before it was prepared again"


def _prepare(root, name, classes, seed):
    """``root``/``name`` prepared (again) from a tree of ``classes``, 4 training and 2 validation images each."""
    rng = np.random.default_rng(seed)
    tree = root / f"tree-{seed}"
    for label in classes:
        for subset, count in (("train", 4), ("val", 2)):
            (tree / subset / label).mkdir(parents=True, exist_ok=True)
            for index in range(count):
                pixels = rng.integers(0, 256, (16, 16, 3)).astype(np.uint8)
                Image.fromarray(pixels).save(tree / subset / label / f"{index}.png")
    folders.import_folder(tree, root / name, size=16, workers=1, overwrite=True)
    return root / name


def _train(out, data):
    training.train(training.TrainConfig(out=str(out), data=str(data), split="all", seed=0, max_iter=2, eval_every=2,
                                        batch_size=4, preset="micro", quiet=True, device="cpu"))


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    """(root, sha256 of S's meta.json last week): runs/w1/base.h5 trained on S last week, runs/w2/base2.h5 on S
    this week, prepared again with dog dropped and eel added (T: the same images)."""
    root = tmp_path_factory.mktemp("week")
    data = _prepare(root, "S", ("ant", "bee", "cat", "dog"), 1)
    before = _sha256(data / "meta.json")
    _train(root / "runs" / "w1" / "base.h5", data)
    _prepare(root, "S", ("ant", "bee", "cat", "eel"), 2)
    _prepare(root, "T", ("ant", "bee", "cat", "eel"), 2)
    _train(root / "runs" / "w2" / "base2.h5", root / "S")
    return root, before


def test_whether_the_recorded_folder_was_prepared_again(week):
    root, before = week
    assert prepared_again_since(str(root / "S"), before)
    assert not prepared_again_since(str(root / "S"), _sha256(root / "S" / "meta.json"))
    assert not prepared_again_since(str(root / "gone"), before)  # moved or deleted: not prepared again
    assert not prepared_again_since("", before) and not prepared_again_since(str(root / "S"), None)


def test_eval_on_another_folder_says_the_recorded_one_was_prepared_again(week):
    root, before = week
    refused = CliRunner().invoke(main, ["eval", str(root / "runs" / "w1" / "base.h5"), "--data", str(root / "T")])
    assert refused.exit_code == 65, refused.output
    assert f"trained on {root / 'S'} before that folder was prepared again (sha256 of its meta.json {before[:12]} " \
           f"then)" in refused.output, refused.output
    assert "give the dataset it was trained on (" not in refused.output, refused.output


def test_eval_without_data_does_not_advise_the_folder_it_refuses_next(week):
    root, _ = week
    refused = CliRunner().invoke(main, ["eval", str(root / "runs" / "w1" / "base.h5")])
    assert refused.exit_code == 65, refused.output
    assert f"trained on {root / 'S'} {PREPARED_AGAIN}" in refused.output, refused.output
    assert "class 3 is 'dog' in the checkpoint, 'eel' in the dataset" in refused.output, refused.output
    assert "to score it on them anyway" not in refused.output, refused.output
    assert "give a copy of it as --data" in refused.output, refused.output


def test_report_names_the_older_group_as_the_folder_before_it_was_prepared_again(week):
    root, before = week
    refused = CliRunner().invoke(main, ["report", str(root / "runs")])
    assert refused.exit_code == 65, refused.output
    assert f"{root / 'S'} {PREPARED_AGAIN} (meta.json sha256 {before[:12]})" in refused.output, refused.output
    assert refused.output.count(PREPARED_AGAIN) == 1, refused.output  # this week's group is S as it is


def test_train_warns_the_base_saw_the_folder_as_it_was_before(week, tmp_path, monkeypatch):
    root, _ = week
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["train", "--copy-from", str(root / "runs" / "w1" / "base.h5"), "--n", "2",
                                       "--data", "S", "-o", str(tmp_path / "t.h5"), "--max-iter", "1",
                                       "--batch-size", "4", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert f"was trained on (S as it was {PREPARED_AGAIN})" in result.output, result.output
