"""``eval`` of a network on a dataset lacking some of its classes, the others numbered on (5 classes, 4 of them in
the dataset): the refusal named the first index that differs ("class 2 is 'coal' in the checkpoint, 'grass' in the
dataset", 'grass' being the checkpoint's class 3); it names the classes the dataset lacks, and those it numbers
otherwise and where: "the dataset lacks 'coal'" alone, or "lacks 'coal', 'sky'" of a dataset where 'sky' was
renamed, left unsaid that 'grass' is class 2 there, not 3."""

import types

import pytest
from click.testing import CliRunner
from overlap_photos import photo, prepared

from minitransfer import config
from minitransfer import train as training
from minitransfer.class_tables import check_classes_exist
from minitransfer.cli import main

FAST = {"preset": "micro", "batch_size": 4, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu",
        "split": "all"}
FIVE = ("ant", "bee", "coal", "grass", "sky")


def _table(*names):
    return [{"index": index, "wnid": name, "name": name} for index, name in enumerate(names)]


def _refusal(ours, theirs):
    network = types.SimpleNamespace(classes=_table(*ours), path="net.h5")
    dataset = types.SimpleNamespace(classes=_table(*theirs), path="data")
    with pytest.raises(config.DataMismatch) as refused:
        check_classes_exist(network, dataset, "checkpoint")
    return str(refused.value)


def test_a_class_lacked_is_named_not_the_first_index_that_differs():
    assert _refusal(FIVE, ("ant", "bee", "grass", "sky")) == (
        "checkpoint net.h5 was trained on classes this dataset (data) does not have: the dataset lacks 'coal' and "
        "numbers 2 of the others otherwise: 'grass' (class 3 in the checkpoint, 2 in the dataset), 'sky' (class 4 in "
        "the checkpoint, 3 in the dataset); it holds no class besides (5 classes in the checkpoint, 4 in the dataset)")


def test_classes_lacked_and_those_besides_are_named():
    message = _refusal(FIVE, ("ant", "grass", "sky", "dune", "elm"))
    assert message.endswith("does not have: the dataset lacks 'bee', 'coal' and numbers 2 of the others otherwise: "
                            "'grass' (class 3 in the checkpoint, 1 in the dataset), 'sky' (class 4 in the checkpoint, "
                            "2 in the dataset); it holds 2 classes besides: 'dune', 'elm' (5 classes in the "
                            "checkpoint, 5 in the dataset)"), message


def test_a_class_renamed_after_the_one_lacked_and_the_class_moved_are_named():
    """'coal' gone and 'sky' renamed 'tree': 'grass', class 3 of the network, is class 2 of the dataset."""
    assert _refusal(FIVE, ("ant", "bee", "grass", "tree")) == (
        "checkpoint net.h5 was trained on classes this dataset (data) does not have: the dataset lacks 'coal', 'sky' "
        "and numbers 1 of the others otherwise: 'grass' (class 3 in the checkpoint, 2 in the dataset); it holds 1 "
        "class besides: 'tree' (5 classes in the checkpoint, 4 in the dataset)")


def test_another_class_in_its_place_is_still_named_by_index():
    """Where the dataset holds a class of its own at the index that differs, that is what differs: as before."""
    message = _refusal(FIVE, ("ant", "bee", "dune", "grass", "sky"))
    assert message.endswith("does not have: class 2 is 'coal' in the checkpoint, 'dune' in the dataset "
                            "(5 classes in the checkpoint, 5 in the dataset)"), message


def test_eval_on_a_dataset_lacking_one_of_its_classes(tmp_path):
    images = {name: [photo(seed), photo(seed + 9)] for seed, name in enumerate(FIVE)}
    five = prepared(tmp_path / "five", images, 16, val_fraction=0.5)
    four = prepared(tmp_path / "four", {name: pictures for name, pictures in images.items() if name != "coal"}, 16,
                    val_fraction=0.5)
    net = tmp_path / "net.h5"
    training.train(config.TrainConfig(out=str(net), data=five, **FAST))
    refused = CliRunner().invoke(main, ["eval", str(net), "--data", four, "--device", "cpu"])
    assert refused.exit_code == 65, refused.output
    assert "does not have: the dataset lacks 'coal' and numbers 2 of the others otherwise: 'grass' (class 3 in the " \
           "checkpoint, 2 in the dataset), 'sky' (class 4 in the checkpoint, 3 in the dataset); it holds no class " \
           "besides (5 classes in the checkpoint, 4 in the dataset): give the dataset" in refused.output, refused.output
    assert "Traceback" not in refused.output and refused.output.count("\n") == 1
