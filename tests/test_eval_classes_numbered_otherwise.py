"""``eval`` of a network on a dataset that holds every class it was trained on, numbered otherwise (a superset
of its classes, or its classes in another order): the refusal said the dataset "does not have" a class it has
("class 1 is 'bee' in the checkpoint, 'ant' in the dataset"); it says where each is and what is there besides."""

import types

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer import config
from minitransfer import train as training
from minitransfer.class_tables import check_classes_exist
from minitransfer.cli import main
from minitransfer.data import folder as folders

FAST = {"preset": "micro", "batch_size": 4, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu",
        "split": "all"}


def _table(*names):
    return [{"index": index, "wnid": name, "name": name} for index, name in enumerate(names)]


def _refusal(ours, theirs):
    network, dataset = types.SimpleNamespace(classes=ours, path="net.h5"), types.SimpleNamespace(classes=theirs,
                                                                                                  path="data")
    with pytest.raises(config.DataMismatch) as refused:
        check_classes_exist(network, dataset, "checkpoint")
    return str(refused.value)


def test_a_superset_names_the_class_numbered_otherwise_and_those_besides():
    message = _refusal(_table("bee", "cat"), _table("ant", "bee", "cat"))
    assert "does not have" not in message, message
    assert message == ("checkpoint net.h5 was trained on classes this dataset (data) numbers otherwise: class 0 "
                       "'bee' in the checkpoint is class 1 in the dataset; it holds 1 class besides: 'ant' "
                       "(2 classes in the checkpoint, 3 in the dataset)"), message


def test_the_same_classes_in_another_order_are_said_so():
    message = _refusal(_table("ant", "bee", "cat"), [{"index": 0, "wnid": "cat", "name": "cat"},
                                                   {"index": 1, "wnid": "ant", "name": "ant"},
                                                   {"index": 2, "wnid": "bee", "name": "bee"}])
    assert message.endswith("numbers otherwise: class 0 'ant' in the checkpoint is class 1 in the dataset "
                            "(3 classes in the checkpoint, 3 in the dataset)"), message


def test_a_class_missing_is_still_said_missing():
    message = _refusal(_table("ant", "bee", "cat"), _table("ant", "bee"))
    assert "does not have: class 2 is 'cat' in the checkpoint, absent in the dataset" in message, message


def test_eval_on_a_superset_of_its_classes(tmp_path):
    rng = np.random.default_rng(0)
    for tree, labels in (("small", ("bee", "cat")), ("big", ("ant", "bee", "cat"))):
        for label in labels:
            (tmp_path / tree / label).mkdir(parents=True)
            for index in range(4):
                Image.fromarray(rng.integers(0, 256, (16, 16, 3)).astype(np.uint8)).save(
                    tmp_path / tree / label / f"{index}.png")
        folders.import_folder(tmp_path / tree, tmp_path / f"{tree}-16", size=16, workers=0, val_fraction=0.25)
    net = tmp_path / "net.h5"
    training.train(config.TrainConfig(out=str(net), data=str(tmp_path / "small-16"), **FAST))
    refused = CliRunner().invoke(main, ["eval", str(net), "--data", str(tmp_path / "big-16"), "--device", "cpu"])
    assert refused.exit_code == 65, refused.output
    assert "numbers otherwise: class 0 'bee' in the checkpoint is class 1 in the dataset; it holds 1 class " \
           "besides: 'ant' (2 classes in the checkpoint, 3 in the dataset)" in refused.output, refused.output
    assert "Traceback" not in refused.output and refused.output.count("\n") == 1
