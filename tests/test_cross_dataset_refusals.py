"""Transfers across datasets refused before training, as a researcher meets them with a base of
another dataset: each refusal names what is at fault and the one thing that fixes it."""

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

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
    assert done.exit_code == 2, done.output  # --preset is at fault, not the base nor the data
    assert done.output == (f"error: checkpoint {base}: layer conv1 has W (24, 3, 3, 3) and b (24,), the "
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


def _experiment_dry_run(source, target, out):
    return CliRunner().invoke(main, ["experiment", "--source-data", str(source), "--data", str(target), "-o", str(out),
                                     "--layers", "2", "--dry-run"])


def test_a_cross_dataset_grid_whose_source_holds_target_classes_is_warned_of_before_it_trains(micro_data, target,
                                                                                             tmp_path):
    """The source's classes overlapping the target's (by wnid: micro_data's 4 are among target's 6) were
    told only as each SnT started (train's check), hours into a real grid, after its source base had
    trained; the report then showed the SnT as transfers to new classes."""
    done = _experiment_dry_run(micro_data, target, tmp_path / "grid")
    assert done.exit_code == 0, done.output
    assert f"warning: 4 of the 6 classes of --data {target} are among the 4 of --source-data {micro_data} (by wnid: " \
           f"'synthetic-000', 'synthetic-001', 'synthetic-002' and 1 more): the source base's layers will have been " \
           f"trained on them, so each SnT is not a transfer to new classes alone" in done.output


def test_a_cross_dataset_grid_of_disjoint_classes_says_nothing_of_shared_classes(target, tmp_path):
    """A source of other classes (an own folder of two colours) is the paper's case: no warning."""
    for number, name in enumerate(("amber", "teal")):
        folder = tmp_path / "photos" / name
        folder.mkdir(parents=True)
        for index in range(5):
            pixels = np.full((14, 14, 3), 60 + 120 * number, np.uint8) + np.uint8(index)
            Image.fromarray(pixels).save(folder / f"{index}.png")
    prepared = CliRunner().invoke(main, ["prepare", "folder", str(tmp_path / "photos"), str(tmp_path / "S"),
                                         "--size", "14", "--val-fraction", "0.2"])
    assert prepared.exit_code == 0, prepared.output
    done = _experiment_dry_run(tmp_path / "S", target, tmp_path / "grid")
    assert done.exit_code == 0, done.output
    assert "by wnid" not in done.output and "classes of --data" not in done.output
