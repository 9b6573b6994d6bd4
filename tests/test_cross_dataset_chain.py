"""Transfers across datasets in a chain, as a researcher meets them: a base on dataset X, a transfer of
it onto Y, and that transfer used in turn as the base of a transfer onto Z. What ``info`` says of the
mean image (the base's goes with its layers) must follow it back to the dataset it is the mean of."""

import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic

FAST = {"batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu", "preset": "micro"}


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """(X, base on X, transfer onto Y, transfer of that onto Z): three class tables, X stored at 20 px,
    Y and Z at 14 px, so the mean is resized where Y takes it and not again where Z does."""
    root = tmp_path_factory.mktemp("chain")
    folders = {}
    for name, classes, size in (("X", 6, 20), ("Y", 4, 14), ("Z", 8, 14)):
        folders[name] = str(root / name)
        synthetic.build_synthetic(folders[name], classes=classes, train_per_class=4, val_per_class=2, size=size,
                                  seed=classes)
    base, middle, last = root / "baseX.h5", root / "X2Y.h5", root / "Y1Z.h5"
    training.train(config.TrainConfig(out=str(base), data=folders["X"], split="all", seed=1, **FAST))
    training.train(config.TrainConfig(out=str(middle), data=folders["Y"], copy_from=str(base), n=2, frozen=True,
                                      seed=2, **FAST))
    training.train(config.TrainConfig(out=str(last), data=folders["Z"], copy_from=str(middle), n=1, frozen=True,
                                      seed=3, **FAST))
    return folders["X"], base, middle, last


def test_info_follows_a_mean_image_taken_from_a_transfer_back_to_its_dataset(chain):
    """Y1Z's mean is X's (resized from 20x20 where X2Y took it): info said only "mean image from
    checkpoint X2Y.h5", which reads as Y's mean, at Z's size as it was stored."""
    x, base, middle, last = chain
    shown = CliRunner().invoke(main, ["info", str(last)])
    assert shown.exit_code == 0, shown.output
    assert (f"\nmean image from checkpoint {middle}, which took it from checkpoint {base} (resized from 20x20), "
            f"the mean of dataset {x}\n") in shown.output
    assert checkpoints.load(last).mean.shape == (14, 14, 3)
    # the base's own mean: the line as it was, strictly more informative now: it names the base's dataset, X,
    # where "from checkpoint baseX.h5" alone did not say whose mean it is (info67)
    one_step = CliRunner().invoke(main, ["info", str(middle)])
    assert one_step.exit_code == 0, one_step.output
    assert f"\nmean image from checkpoint {base} (resized from 20x20), the mean of dataset {x}\n" in one_step.output

