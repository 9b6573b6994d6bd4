"""``train --copy-from`` of a base whose class table is not its dataset's in the way eval refuses (the dataset lacks
some of its classes and numbers others otherwise: 'coal' gone, 'sky' renamed 'tree', 'grass' class 2 there, not 3):
train's refusal (:func:`minitransfer.config` checks a transfer within a dataset so) named the first index that
differs alone, "class 2 is 'coal' in the checkpoint, 'grass' in the dataset", where eval's named the classes lacked
and moved; both give one account now, exit 65. Such a base is recorded trained on the dataset's class table (its
hash) with another table of classes: a base's file edited, here its recorded hash."""

import h5py
from click.testing import CliRunner
from overlap_photos import photo, prepared

from minitransfer import config
from minitransfer import train as training
from minitransfer.class_tables import classes_sha256
from minitransfer.cli import main
from minitransfer.data import dataset as datasets
from test_eval_moved_classes import FAST, FIVE

# {class of five: its name in the dataset}: the account of how it differs from five
CASES = (({"ant": "ant", "bee": "bee", "grass": "dune", "sky": "sky"},  # train named index 2 alone: 'coal', 'dune'
          "the dataset lacks 'coal', 'grass' and numbers 1 of the others otherwise: 'sky' (class 4 in the checkpoint, "
          "3 in the dataset); it holds 1 class besides: 'dune' (5 classes in the checkpoint, 4 in the dataset)"),
         ({"ant": "ant", "bee": "bee", "grass": "grass", "sky": "tree"},  # train and eval: 'grass' at 2 unsaid
          "the dataset lacks 'coal', 'sky' and numbers 1 of the others otherwise: 'grass' (class 3 in the "
          "checkpoint, 2 in the dataset); it holds 1 class besides: 'tree' (5 classes in the checkpoint, 4 in the "
          "dataset)"))


def test_train_and_eval_name_the_classes_lacked_and_moved_alike(tmp_path):
    images = {name: [photo(seed), photo(seed + 9)] for seed, name in enumerate(FIVE)}
    five = prepared(tmp_path / "five", images, 16, val_fraction=0.5)
    base = tmp_path / "base.h5"
    training.train(config.TrainConfig(out=str(base), data=five, **FAST))
    for case, (names, account) in enumerate(CASES):
        four = prepared(tmp_path / f"four{case}", {new: images[old] for old, new in names.items()}, 16,
                        val_fraction=0.5)
        with h5py.File(base, "a") as f:  # recorded as trained on four's class table: a transfer within it
            f.attrs["dataset_classes_sha256"] = classes_sha256(datasets.open_dataset(four))
        refused = CliRunner().invoke(main, ["train", "--copy-from", str(base), "--n", "1", "--data", four, "--preset",
                                            "micro", "--max-iter", "2", "--device", "cpu", "-o",
                                            str(tmp_path / "t.h5")])
        assert (refused.exit_code, refused.output) == (65, (
            f"error: bad data: base checkpoint {base} was trained on classes this dataset ({four}) does not have: "
            f"{account}\n")), refused.output
        scored = CliRunner().invoke(main, ["eval", str(base), "--data", four, "--device", "cpu"])
        assert scored.exit_code == 65, scored.output
        assert f"checkpoint {base} was trained on classes this dataset ({four}) does not have: {account}: " \
               in scored.output, scored.output
