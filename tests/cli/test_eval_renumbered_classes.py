"""``eval`` of a network on a dataset of its very classes and no other, numbered otherwise: a test set a researcher
prepares from the folders of a half's classes alone (half A of ant, bee, cat, dog is ant and dog; 'dog', class 3 of
the network's dataset, is class 1 of the test set). It was refused (exit 65), advising a transfer of the network's
layers "to these classes", its own; it is scored, each image as its class. The oracle: the same validation images
(val/ folders, the same files) scored by eval in the dataset that numbers the classes as the network does."""

import json
import types

import h5py
import numpy as np
import pytest
from class_folders import CLASSES, class_folders
from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.moved_classes import renumbered_half


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    """A micro network trained on half A of a random split of the four classes, and its dataset."""
    folder = tmp_path_factory.mktemp("renumbered")
    data = class_folders(folder / "all", CLASSES)
    net = folder / "baseA.h5"
    training.train(config.TrainConfig(out=str(net), data=str(data), preset="micro", split="random", half="A",
                                      batch_size=4, max_iter=6, eval_every=6, seed=1, quiet=True, device="cpu"))
    return net, data, folder


def _scores(*arguments):
    result = CliRunner().invoke(main, ["eval", *map(str, arguments), "--device", "cpu", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def test_a_test_set_of_its_classes_alone_is_scored_as_the_dataset_that_numbers_them_as_it_does(network):
    net, data, folder = network
    own, _ = _scores(net, "--data", data)
    with h5py.File(net, "r") as f:
        half = [entry["wnid"] for entry in json.loads(f.attrs["classes"])]
    assert [CLASSES.index(name) for name in half] != list(range(len(half)))  # the test set numbers them otherwise
    test_set = class_folders(folder / "test", half)
    scored, notes = _scores(net, "--data", test_set)
    assert scored["images"] == own["images"] == 5 * len(half)
    assert scored["top1"] == own["top1"] and scored["top5"] == own["top5"]
    assert scored["loss"] == pytest.approx(own["loss"], rel=1e-6)
    assert own["classes_renumbered"] == 0 and scored["classes_renumbered"] >= 1
    assert "each image was scored as its class" in notes and "Traceback" not in notes


def test_a_test_set_with_a_class_besides_is_still_refused(network):
    net, _, folder = network
    more = class_folders(folder / "more", ("ant", "cat", "dog"))
    result = CliRunner().invoke(main, ["eval", str(net), "--data", str(more), "--device", "cpu"])
    assert result.exit_code == 65, result.output
    assert "Traceback" not in result.output


def test_each_image_is_labelled_with_the_output_of_its_class_in_another_order():
    """The test set orders the classes otherwise (cat before ant): each image's label is the network's output of
    its class by name, not its rank in the test set."""
    network = types.SimpleNamespace(classes=[{"index": 0, "wnid": "ant", "name": "ant"},
                                             {"index": 1, "wnid": "cat", "name": "cat"}], meta={"config": {}})
    stored = {"train": np.array([1, 0, 2, 1]), "val": np.array([0, 1, 1, 2, 0])}  # of cat, ant, and none
    names = ("cat", "ant", "owl")
    dataset = types.SimpleNamespace(classes=[{"index": i, "wnid": name, "name": name} for i, name in enumerate(names)],
                                    num_classes=3, subsets=("train", "val"), labels=stored.__getitem__)
    assert renumbered_half(network, dataset) is None  # 'owl' besides
    dataset.classes, dataset.num_classes = dataset.classes[:2], 2
    stored.update(train=np.array([1, 0, 1]), val=np.array([0, 1, 1, 0]))
    half = renumbered_half(network, dataset)
    for subset in ("train", "val"):
        indices, labels = getattr(half, f"{subset}_indices"), getattr(half, f"{subset}_labels")
        expected = [["ant", "cat"].index(names[label]) for label in stored[subset]]
        assert list(indices) == list(range(len(stored[subset]))) and list(labels) == expected, subset
