"""``eval`` of a network on a dataset that lacks some of its classes and numbers others otherwise, a class of its own
at the first index that differs (a folder dataset with a class removed from the middle and another renamed): the
refusal named that index alone ("class 2 is 'coal' in the checkpoint, 'dune' in the dataset"), as though one class
had been renamed in place; it names the classes lacked, those numbered otherwise and where, those besides. Exit 65."""

import types

import pytest
from click.testing import CliRunner
from overlap_photos import photo, prepared

from minitransfer import config
from minitransfer import train as training
from minitransfer.class_tables import check_classes_exist
from minitransfer.cli import main
from minitransfer.moved_classes import lost_and_moved

FAST = {"preset": "micro", "batch_size": 4, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu",
        "split": "all"}
FIVE = ("ant", "bee", "coal", "grass", "sky")


def class_table(*names):
    """A class table of ``names``, each its own wnid and name, numbered in order."""
    return [{"index": index, "wnid": name, "name": name} for index, name in enumerate(names)]


def test_the_classes_lacked_and_numbered_otherwise_are_named():
    assert lost_and_moved(class_table(*FIVE), class_table("ant", "bee", "dune", "sky")) == (
        "the dataset lacks 'coal', 'grass' and numbers 1 of the others otherwise: 'sky' (class 4 in the checkpoint, "
        "3 in the dataset); it holds 1 class besides: 'dune' (5 classes in the checkpoint, 4 in the dataset)")
    assert lost_and_moved(class_table(*FIVE), class_table("aardvark", "bee", "grass", "sky")) == (
        "the dataset lacks 'ant', 'coal' and numbers 2 of the others otherwise: 'grass' (class 3 in the checkpoint, "
        "2 in the dataset), 'sky' (class 4 in the checkpoint, 3 in the dataset); it holds 1 class besides: "
        "'aardvark' (5 classes in the checkpoint, 4 in the dataset)")


def test_long_lists_are_their_first_few_and_how_many_more():
    ours = [f"c{number:02d}" for number in range(10)]
    said = lost_and_moved(class_table(*ours), class_table("c00", "new", *ours[6:]))
    assert said.startswith("the dataset lacks 'c01', 'c02', 'c03' and 2 more and numbers 4 of the others otherwise: "
                           "'c06' (class 6 in the checkpoint, 2 in the dataset), "), said
    assert "'c08' (class 8 in the checkpoint, 4 in the dataset) and 1 more; it holds 1 class besides: 'new' " \
           "(10 classes in the checkpoint, 6 in the dataset)" in said, said


def test_another_of_its_classes_at_the_first_index_that_differs_is_told_so_too():
    """'coal' gone, 'grass' at its index: the classes after it moved, said whether the dataset holds others or not."""
    assert lost_and_moved(class_table(*FIVE), class_table("ant", "bee", "grass", "sky")) == (
        "the dataset lacks 'coal' and numbers 2 of the others otherwise: 'grass' (class 3 in the checkpoint, 2 in the "
        "dataset), 'sky' (class 4 in the checkpoint, 3 in the dataset); it holds no class besides (5 classes in the "
        "checkpoint, 4 in the dataset)")
    assert lost_and_moved(class_table(*FIVE), class_table("ant", "bee", "grass", "tree")) == (
        "the dataset lacks 'coal', 'sky' and numbers 1 of the others otherwise: 'grass' (class 3 in the checkpoint, 2 "
        "in the dataset); it holds 1 class besides: 'tree' (5 classes in the checkpoint, 4 in the dataset)")


def test_the_classes_besides_are_listed_alike_where_none_is_lacked():
    """A superset of its classes: those besides as the first few and how many more, as the classes lacked are
    listed ("'c', 'd', 'e', …" before)."""
    network = types.SimpleNamespace(classes=class_table("ant", "bee"), path="net.h5")
    dataset = types.SimpleNamespace(classes=class_table("c", "d", "e", "f", "g", "ant", "bee"), path="data")
    with pytest.raises(config.DataMismatch) as refused:
        check_classes_exist(network, dataset, "checkpoint")
    assert str(refused.value) == (
        "checkpoint net.h5 was trained on classes this dataset (data) numbers otherwise: class 0 'ant' in the "
        "checkpoint is class 5 in the dataset; it holds 5 classes besides: 'c', 'd', 'e' and 2 more (2 classes in "
        "the checkpoint, 7 in the dataset)")


def test_the_other_cases_are_left_to_the_class_check():
    """Nothing lacked (numbered otherwise, or a wnid spelt otherwise), or nothing moved (renamed in place, the last
    class gone: the class check names that index): ""."""
    for theirs in (("bee", "ant", "coal", "grass", "sky"), ("ant", "bee", "dune", "grass", "sky"),
                   ("ant", "bee", "coal", "grass"), ("ant", "Bee", "coal", "grass", "sky"),
                   ("ant", "bee", "dune", "grass", "tree")):
        assert lost_and_moved(class_table(*FIVE), class_table(*theirs)) == "", theirs


def test_eval_names_them(tmp_path):
    images = {name: [photo(seed), photo(seed + 9)] for seed, name in enumerate(FIVE)}
    five = prepared(tmp_path / "five", images, 16, val_fraction=0.5)
    renamed = prepared(tmp_path / "renamed", {"ant": images["ant"], "bee": images["bee"], "dune": images["grass"],
                                              "sky": images["sky"]}, 16, val_fraction=0.5)  # coal gone, grass renamed
    net = tmp_path / "net.h5"
    training.train(config.TrainConfig(out=str(net), data=five, **FAST))
    refused = CliRunner().invoke(main, ["eval", str(net), "--data", renamed, "--device", "cpu"])
    assert refused.exit_code == 65, refused.output  # bad data, as documented
    assert refused.output.startswith(
        f"error: bad data: checkpoint {net} was trained on classes this dataset ({renamed}) does not have: the "
        f"dataset lacks 'coal', 'grass' and numbers 1 of the others otherwise: 'sky' (class 4 in the checkpoint, 3 "
        f"in the dataset); it holds 1 class besides: 'dune' (5 classes in the checkpoint, 4 in the dataset): give the "
        f"dataset it was trained on ({five}) as --data"), refused.output
    assert "Traceback" not in refused.output and refused.output.count("\n") == 1

