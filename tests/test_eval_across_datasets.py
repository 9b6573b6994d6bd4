"""``eval`` of the networks of a transfer across datasets, as a researcher meets them: a base trained on
a generated set X (4 classes), its first layers copied into a network of a folder Y of 3 classes.
Scored on the other's dataset, each is refused, and the refusal says how many classes each side holds:
it named the first class that differs alone, which reads the same for one class renamed."""

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import folder as folders
from minitransfer.data import synthetic

FAST = {"preset": "micro", "batch_size": 4, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu"}
X_CLASSES, Y_CLASSES = 4, ("ant", "bee", "cat")


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """(X, Y, base on X, X2Y: its layers 1..2 frozen on Y)."""
    root = tmp_path_factory.mktemp("across")
    x = root / "X"
    synthetic.build_synthetic(x, classes=X_CLASSES, train_per_class=4, val_per_class=2, size=14, seed=1)
    rng = np.random.default_rng(0)
    for label in Y_CLASSES:
        for subset, count in (("train", 4), ("val", 2)):
            (root / "tree" / subset / label).mkdir(parents=True)
            for index in range(count):
                pixels = rng.integers(0, 256, (16, 16, 3)).astype(np.uint8)
                Image.fromarray(pixels).save(root / "tree" / subset / label / f"{index}.png")
    y = root / "Y"
    folders.import_folder(root / "tree", y, size=16, workers=1)
    base, moved = root / "baseX.h5", root / "X2Y.h5"
    training.train(config.TrainConfig(out=str(base), data=str(x), split="all", seed=1, **FAST))
    training.train(config.TrainConfig(out=str(moved), data=str(y), copy_from=str(base), n=2, frozen=True, seed=2,
                                      **FAST))
    return x, y, base, moved


def test_the_transfer_scored_on_its_bases_dataset_is_refused_naming_both_class_counts(study):
    x, y, _, moved = study
    refused = CliRunner().invoke(main, ["eval", str(moved), "--data", str(x), "--device", "cpu"])
    assert refused.exit_code == 65, refused.output
    assert refused.output.startswith(f"error: bad data: checkpoint {moved} was trained on classes this dataset ({x}) "
                                     f"does not have: class 0 is 'ant' in the checkpoint, "), refused.output
    assert f" in the dataset ({len(Y_CLASSES)} classes in the checkpoint, {X_CLASSES} in the dataset): give the " \
           f"dataset it was trained on ({y}) as --data" in refused.output, refused.output
    assert "Traceback" not in refused.output and refused.output.count("\n") == 1


def test_the_base_scored_on_the_target_dataset_is_refused_naming_both_class_counts(study):
    x, y, base, _ = study
    refused = CliRunner().invoke(main, ["eval", str(base), "--data", str(y), "--device", "cpu"])
    assert refused.exit_code == 65, refused.output
    assert "class 0 is 'synthetic-000' " in refused.output, refused.output
    assert f"'ant' in the dataset ({X_CLASSES} classes in the checkpoint, {len(Y_CLASSES)} in the dataset): give the " \
           f"dataset it was trained on ({x})" in refused.output, refused.output


def test_each_network_is_scored_on_its_own_dataset(study):
    """The refusals above are of the dataset, not of the networks: each scores on its own images."""
    x, y, base, moved = study
    for network, data, images in ((base, x, X_CLASSES * 2), (moved, y, len(Y_CLASSES) * 2)):
        scored = CliRunner().invoke(main, ["eval", str(network), "--device", "cpu"])
        assert scored.exit_code == 0, scored.output
        assert scored.output.startswith(f"{network} on val of {data} ({images} images): top-1 "), scored.output


def test_the_transfer_refused_on_its_bases_dataset_names_the_base_that_scores_there(study):
    """"Train a transfer of them" alone sent a researcher to train again what the base already is: X's
    classes are its base's, which eval scores there."""
    x, _, base, moved = study
    refused = CliRunner().invoke(main, ["eval", str(moved), "--data", str(x), "--device", "cpu"])
    assert refused.output.endswith(f"; its layers 1..2 were copied from {base}, trained on this dataset's classes: "
                                   f"minitransfer eval {base} --data {x} scores that network on them\n"), refused.output
    scored = CliRunner().invoke(main, ["eval", str(base), "--data", str(x), "--device", "cpu"])
    assert scored.exit_code == 0, scored.output  # the advice holds
    other = CliRunner().invoke(main, ["eval", str(base), "--data", str(study[1]), "--device", "cpu"])
    assert other.exit_code == 65 and "were copied from" not in other.output, other.output  # a base copied nothing


def test_a_base_no_longer_there_is_not_advised(study):
    x, _, base, moved = study
    elsewhere = base.with_name("elsewhere.h5")
    base.rename(elsewhere)
    try:
        refused = CliRunner().invoke(main, ["eval", str(moved), "--data", str(x), "--device", "cpu"])
    finally:
        elsewhere.rename(base)
    assert refused.exit_code == 65 and "were copied from" not in refused.output, refused.output
    assert refused.output.endswith(f"--copy-from {moved} --n N --data {x})\n"), refused.output
