"""``eval NETWORK --data S`` where S, the folder the network was trained on, was prepared again since
with other classes: it answered "give the dataset it was trained on (S) as --data", the very folder
it refused. It says, as ``eval NETWORK`` without --data does, that the folder was prepared again."""

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import folder as folders


def _prepare(root, classes, seed):
    """``root``/S prepared (again) from a tree of ``classes``, 4 training and 2 validation images each."""
    rng = np.random.default_rng(seed)
    tree = root / f"tree-{seed}"
    for name in classes:
        for subset, count in (("train", 4), ("val", 2)):
            (tree / subset / name).mkdir(parents=True)
            for index in range(count):
                pixels = rng.integers(0, 256, (16, 16, 3)).astype(np.uint8)
                Image.fromarray(pixels).save(tree / subset / name / f"{index}.png")
    folders.import_folder(tree, root / "S", size=16, workers=1, overwrite=True)
    return root / "S"


@pytest.fixture(scope="module")
def trained_then_prepared_again(tmp_path_factory):
    root = tmp_path_factory.mktemp("again")
    data = _prepare(root, ("cat", "dog"), 1)
    training.train(training.TrainConfig(out=str(root / "baseS.h5"), data=str(data), split="all", seed=0, max_iter=2,
                                        eval_every=2, batch_size=4, preset="micro", quiet=True, device="cpu"))
    _prepare(root, ("fox", "owl"), 2)
    return root


@pytest.mark.parametrize("given", [False, True], ids=["without-data", "data-the-same-folder"])
def test_eval_says_the_folder_was_prepared_again(trained_then_prepared_again, given):
    root = trained_then_prepared_again
    args = ["eval", str(root / "baseS.h5")] + (["--data", str(root / "S")] if given else [])
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 65, refused.output
    assert f"was trained on {root / 'S'} before it was prepared again" in refused.output, refused.output
    assert "give the dataset it was trained on (" not in refused.output, refused.output
