"""Transfers across datasets refused before training, as a researcher meets them with a base of
another dataset: each refusal names what is at fault and the one thing that fixes it."""

import pytest
from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic

FAST = ["--max-iter", "2", "--eval-every", "2", "--batch-size", "8", "--device", "cpu"]


@pytest.fixture(scope="module")
def base(micro_data, tmp_path_factory):
    """A micro network trained on every class of micro_data (4 classes of 14 x 14 images)."""
    out = tmp_path_factory.mktemp("base") / "baseS.h5"
    training.train(config.TrainConfig(out=str(out), data=micro_data, split="all", preset="micro", max_iter=1,
                                      batch_size=8, device="cpu", quiet=True))
    return out


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    """Six classes of 14 x 14 images: another class table than micro_data's, the micro preset's size."""
    path = tmp_path_factory.mktemp("target") / "T"
    synthetic.build_synthetic(path, classes=6, train_per_class=4, val_per_class=2, size=14, seed=2)
    return str(path)


def test_a_preset_that_cannot_take_the_bases_layers_is_refused_as_such_before_its_crop(base, target, tmp_path):
    """--preset mini on a micro base: the refusal said mini's 32 px crops do not fit the 14 px images
    and to prepare them at 36 px, after which the base's conv1 would not fit mini either; now it names
    the layer, both shapes and both presets, and says to leave --preset unset (the base's fits)."""
    done = CliRunner().invoke(main, ["train", "--data", target, "--copy-from", str(base), "--n", "2", "--preset",
                                     "mini", "-o", str(tmp_path / "S2T.h5"), *FAST])
    assert done.exit_code == 65, done.output
    assert done.output == (f"error: bad data: checkpoint {base}: layer conv1 has W (24, 3, 3, 3) and b (24,), the "
                           f"network needs W (16, 3, 5, 5) and b (16,) (it holds a 'micro' network, this run builds "
                           f"'mini': leave --preset unset to build the checkpoint's)\n")
    assert not (tmp_path / "S2T.run").exists()


@pytest.mark.parametrize("given, which", [([], "every class"), (["--half", "B"], "half B of the random split")])
def test_fc8_narrower_than_the_target_classes_says_which_classes_and_what_to_give(base, target, given, which,
                                                                                  tmp_path):
    """The refusal spoke of "the 6 classes of the half" for a run on every class, and said nothing to do."""
    classes = 6 if not given else 3
    done = CliRunner().invoke(main, ["train", "--data", target, "--copy-from", str(base), "--n", "2", *given,
                                     "--fc8-outputs", "2", "-o", str(tmp_path / "S2T.h5"), *FAST])
    assert done.exit_code == 2, done.output
    assert done.output == (f"error: --fc8-outputs 2 is fewer than the {classes} classes this run trains on ({which} "
                           f"of {target}): leave it unset (one output per class), or give {classes} or more\n")
