"""Two classes of one dataset whose names differ in case or joining alone (folders `Cat` and `cat`: one
class_tables.class_key) are two classes: a network trained on both, scored on a dataset without `cat`, was told
"class 1 'cat' in the checkpoint is class 0 in the dataset", where class 0 is 'Cat' in both; the dataset lacks
'cat'. moved_classes matches a class by its very wnid first, and by its key only a class no other has by its wnid."""

from types import SimpleNamespace

import pytest

from minitransfer.class_tables import check_classes_exist
from minitransfer.config_checks import DataMismatch
from test_eval_moved_classes import class_table


def _table(*names):
    return SimpleNamespace(path="data", classes=class_table(*names))


def _refusal(checkpoint, dataset):
    with pytest.raises(DataMismatch) as refused:
        check_classes_exist(_table(*checkpoint), _table(*dataset), "checkpoint", named="net.h5")
    return str(refused.value).partition("(data) ")[2]


def test_a_class_removed_beside_one_spelt_alike_is_lacked_not_moved_onto_it():
    assert _refusal(("Cat", "cat", "dog"), ("Cat", "dog")) == (
        "does not have: the dataset lacks 'cat' and numbers 1 of the others otherwise: 'dog' (class 2 in the "
        "checkpoint, 1 in the dataset); it holds no class besides (3 classes in the checkpoint, 2 in the dataset)")


def test_a_class_spelt_alike_added_is_a_class_besides():
    assert _refusal(("cat", "dog"), ("Cat", "cat", "dog")) == (
        "numbers otherwise: class 0 'cat' in the checkpoint is class 1 in the dataset; it holds 1 class besides: "
        "'Cat' (2 classes in the checkpoint, 3 in the dataset)")


def test_a_class_spelt_otherwise_alone_is_still_named_at_its_index():
    assert _refusal(("ant", "cat", "dog"), ("ant", "Cat", "dog")) == (
        "does not have: class 1 is 'cat' in the checkpoint, 'Cat' in the dataset (3 classes in the checkpoint, 3 in "
        "the dataset)")
