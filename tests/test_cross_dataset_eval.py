"""`eval` of a checkpoint whose /mean image is missing (an incomplete file): the mean subtracted must
be the one its first layers saw, or the evaluation refused, never another dataset's taken silently;
`train` copying from such a base refuses it, naming the mean its layers saw."""

import json
import shutil

import h5py
import pytest
from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic

FAST = {"batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu", "preset": "micro"}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Two datasets of the same four classes (14 and 30 px, other images), a base on the first and a
    transfer of it onto the second (whose mean image is the base's, resized)."""
    root = tmp_path_factory.mktemp("nomean")
    small, large = root / "X14", root / "X30"
    synthetic.build_synthetic(small, classes=4, train_per_class=4, val_per_class=3, size=14, seed=1)
    synthetic.build_synthetic(large, classes=4, train_per_class=4, val_per_class=3, size=30, seed=2)
    base, moved = root / "base.h5", root / "moved.h5"
    training.train(config.TrainConfig(out=str(base), data=str(small), split="all", seed=1, **FAST))
    training.train(config.TrainConfig(out=str(moved), data=str(large), copy_from=str(base), n=2, seed=2, **FAST))
    return small, large, base, moved


def _without_mean(path, folder):
    copy = folder / f"nomean-{path.name}"
    shutil.copyfile(path, copy)
    with h5py.File(copy, "a") as f:
        del f["mean"]
    return copy


def _eval(*arguments):
    return CliRunner().invoke(main, ["eval", *map(str, arguments), "--device", "cpu", "--json"])


def test_a_base_without_its_mean_is_scored_on_its_own_dataset_only(trained, tmp_path):
    """Scored on X30 it was given X30's mean, not X14's it was trained with, and nothing said so; on X14,
    whose mean its record names, it scores as the complete file does."""
    small, large, base, _ = trained
    cut = _without_mean(base, tmp_path)
    result = _eval(cut, "--data", large)
    assert result.exit_code == 65, result.output
    assert (f"error: bad data: checkpoint {cut} holds no /mean image (the file is incomplete): its first layers saw "
            f"the mean of {small} (meta.json sha256 ") in result.output
    assert f"not the mean of {large}, which scoring it there would subtract" in result.output
    whole, own = _eval(base), _eval(cut)
    assert whole.exit_code == own.exit_code == 0, own.output
    assert json.loads(own.output)["loss"] == pytest.approx(json.loads(whole.output)["loss"], rel=1e-6)


def test_a_transfer_without_its_mean_on_its_own_dataset_is_refused(trained, tmp_path):
    """Its first layers saw its base's mean (X14's, resized), not its own dataset's: eval subtracted X30's."""
    _, large, base, moved = trained
    cut = _without_mean(moved, tmp_path)
    result = _eval(cut)
    assert result.exit_code == 65, result.output
    assert f"its first layers saw the mean image of checkpoint {base}, not the mean of {large}," in result.output


@pytest.mark.parametrize("which", ["base", "moved"])
def test_a_transfer_from_a_base_without_its_mean_names_the_mean_its_layers_saw(trained, tmp_path, which):
    """The refusal said only that the base "has no /mean image to go with its layers": neither that the
    file is incomplete, nor whose mean its layers saw, nor what to do."""
    small, large, base, moved = trained
    cut = _without_mean({"base": base, "moved": moved}[which], tmp_path)
    result = CliRunner().invoke(main, ["train", "--data", str(large), "--copy-from", str(cut), "--n", "1", "-o",
                                       str(tmp_path / "t.h5"), "--max-iter", "2", "--device", "cpu"])
    saw = {"base": f"the mean of {small} (meta.json sha256 ", "moved": f"the mean image of checkpoint {base} "}[which]
    assert result.exit_code == 65, result.output
    assert result.output.startswith(f"error: bad data: checkpoint {cut} holds no /mean image (the file is incomplete): "
                                    f"its layers were trained with {saw}"), result.output
    assert result.output.endswith("subtracted from their images, and a transfer must subtract the same; copy the "
                                  "complete file again, or train the base again\n"), result.output
    assert not (tmp_path / "t.run").exists()
