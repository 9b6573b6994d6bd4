"""Splits: the original random procedure, the natural (family) split, renumbering and reduced sets."""

import hashlib
import re

import numpy as np
import pytest

from minitransfer.data import dataset, splits, wordnet


def _original_random_half(num_classes, seed):
    """convnet_transfer's code, literally: the legacy *global* generator seeded with a list."""
    saved = np.random.get_state()
    try:
        np.random.seed([seed])
        return sorted(np.random.choice(np.arange(num_classes), num_classes // 2, replace=False))
    finally:
        np.random.set_state(saved)


@pytest.mark.parametrize("num_classes", [2, 7, 20, 200, 1000], ids=lambda c: f"c{c}")
@pytest.mark.parametrize("seed", [0, 1, 3, 12345], ids=lambda s: f"seed{s}")
def test_random_halves_match_the_original_procedure(num_classes, seed):
    half_a, half_b = splits.random_halves(num_classes, seed)
    assert half_a.tolist() == [int(x) for x in _original_random_half(num_classes, seed)]
    assert sorted(half_a.tolist() + half_b.tolist()) == list(range(num_classes))
    assert len(half_a) == num_classes // 2


def test_random_halves_leave_global_state_alone():
    np.random.seed(7)
    expected = np.random.rand()
    np.random.seed(7)
    splits.random_halves(1000, 0)
    assert np.random.rand() == expected


def _relabelled_list(files, labels, class_indices):
    """The original repository's per-half list: lines ``"%s %d\\n"`` (file, renumbered label) for the
    files whose label is in ``class_indices``, in the given order (its md5 is the self-test)."""
    renumber = {int(original): new for new, original in enumerate(sorted(int(index) for index in class_indices))}
    return "".join(f"{file} {renumber[int(label)]}\n" for file, label in zip(files, labels) if int(label) in renumber)


def _readme_md5s(shared_data):
    table = {}
    for line in (shared_data / "README.md").read_text().splitlines():
        match = re.match(r"\|\s*(random seed (\d), ([AB])|natural \(449\)|man-made \(551\))\s*\|\s*([0-9a-f]{32})\s*\|",
                         line)
        if match:
            key = ("random", int(match.group(2)), match.group(3)) if match.group(2) else match.group(1).split()[0]
            table[key] = match.group(4)
    return table


def _val_list(shared_data):
    rows = [line.split() for line in (shared_data / "ilsvrc12" / "val_files_caffe_labels.txt").read_text().splitlines()]
    return [row[0] for row in rows], [int(row[1]) for row in rows]


def test_random_halves_reproduce_the_published_md5s(shared_data):
    expected = _readme_md5s(shared_data)
    files, labels = _val_list(shared_data)
    for seed in range(4):
        for name, half in zip("AB", splits.random_halves(1000, seed)):
            text = _relabelled_list(files, labels, half)
            assert hashlib.md5(text.encode()).hexdigest() == expected[("random", seed, name)], (seed, name)


def test_natural_halves_reproduce_the_published_md5s(shared_data):
    expected = _readme_md5s(shared_data)
    files, labels = _val_list(shared_data)
    wnids = (shared_data / "ilsvrc12" / "synsets.txt").read_text().split()
    families = wordnet.families(wnids, wordnet.read_is_a(shared_data / "wordnet" / "wordnet.is_a.txt"))
    natural, man_made = splits.family_halves(families, "natural")
    assert (len(natural), len(man_made)) == (449, 551)
    assert hashlib.md5(_relabelled_list(files, labels, natural).encode()).hexdigest() == expected["natural"]
    assert hashlib.md5(_relabelled_list(files, labels, man_made).encode()).hexdigest() == expected["man-made"]


def test_relabelled_list_format():  # the oracle of the md5 tests, checked by hand
    text = _relabelled_list(["a.JPEG", "b.JPEG", "c.JPEG", "d.JPEG"], [5, 2, 9, 5], [9, 5])
    assert text == "a.JPEG 0\nc.JPEG 1\nd.JPEG 0\n"


@pytest.mark.parametrize("kind,half", [("random", "A"), ("random", "B"), ("natural", "A"), ("natural", "B"),
                                       ("all", None)])
def test_make_half_selects_and_renumbers(tiny_synthetic, kind, half):
    data = dataset.open_dataset(tiny_synthetic)
    chosen = splits.make_half(data, kind, seed=1, half=half)
    if kind == "random":
        half_a = _original_random_half(6, 1)
        expected = half_a if half == "A" else [c for c in range(6) if c not in half_a]
    elif kind == "natural":
        wanted = "natural" if half == "A" else "man-made"
        expected = [entry["index"] for entry in data.classes if entry["family"] == wanted]
    else:
        expected = list(range(6))
    assert chosen.class_indices.tolist() == expected
    for subset in ("train", "val"):
        labels = data.labels(subset)
        indices = getattr(chosen, f"{subset}_indices")
        assert indices.tolist() == [i for i in range(len(labels)) if labels[i] in expected]
        renumbered = getattr(chosen, f"{subset}_labels")
        assert renumbered.dtype == np.int32
        assert renumbered.tolist() == [expected.index(labels[i]) for i in indices]
    assert chosen.describe()["num_classes"] == len(expected)


def test_per_class_keeps_the_first_n_or_a_seeded_choice(tiny_synthetic):
    data = dataset.open_dataset(tiny_synthetic)
    labels = data.labels("train")
    first = splits.make_half(data, "all", per_class=5)
    expected = [i for c in range(6) for i in np.flatnonzero(labels == c)[:5]]
    assert first.train_indices.tolist() == sorted(expected)
    assert len(first.val_indices) == data.num_images("val")  # validation is never reduced
    chosen = splits.make_half(data, "all", per_class=5, per_class_seed=4)
    again = splits.make_half(data, "all", per_class=5, per_class_seed=4)
    other = splits.make_half(data, "all", per_class=5, per_class_seed=5)
    assert chosen.train_indices.tolist() == again.train_indices.tolist()
    assert chosen.train_indices.tolist() != other.train_indices.tolist()
    assert np.bincount(chosen.train_labels).tolist() == [5] * 6


SEEDS = r"must be an integer 0\.\.4294967295, got"


@pytest.mark.parametrize("kind,half,extra,said", [
    ("random", None, {}, r"the random split has halves \('A', 'B'\): half must be one of them, got None"),
    ("all", "A", {}, "the all split has no halves: half must be None, got 'A'"),
    ("random", "C", {}, r"the random split has halves \('A', 'B'\): half must be one of them, got 'C'"),
    ("sideways", "A", {}, r"the split kind must be one of \('random', 'natural', 'all'\), got 'sideways'"),
    ("random", "A", {"per_class": 0}, "per_class must be an integer >= 1, got 0"),
    ("random", "A", {"seed": 1.5}, f"the split's seed {SEEDS} 1\\.5"),
    ("random", "A", {"seed": "0"}, f"the split's seed {SEEDS} '0'"),
    ("random", "A", {"seed": -1}, f"the split's seed {SEEDS} -1"),
    ("random", "A", {"seed": 2**32}, f"the split's seed {SEEDS} 4294967296"),
    ("random", "A", {"per_class": 2.5}, r"per_class must be an integer >= 1, got 2\.5"),
    ("random", "A", {"per_class": "3"}, "per_class must be an integer >= 1, got '3'"),
    ("all", None, {"per_class": 3, "per_class_seed": -1}, f"per_class_seed {SEEDS} -1"),
    ("all", None, {"per_class_seed": 1}, "per_class_seed chooses the images per_class keeps of each class, and "
                                         "per_class is None: give per_class too"),
])
def test_make_half_rejects_bad_arguments_in_words_not_by_its_own_name(tiny_synthetic, kind, half, extra, said):
    """Said to a notebook, and through eval to a checkpoint recording a split no longer made: it began
    "make_half: half must be one of ('A', 'B'), ..."."""
    with pytest.raises(ValueError, match=f"^{said}$"):
        splits.make_half(dataset.open_dataset(tiny_synthetic), kind, half=half, **extra)


def test_natural_split_without_families_asks_for_is_a(tiny_synthetic):
    data = dataset.open_dataset(tiny_synthetic)
    for entry in data.classes:
        del entry["family"]
    with pytest.raises(ValueError, match="is-a"):
        splits.make_half(data, "natural", half="A")


def test_family_halves_put_one_family_in_a_and_every_other_in_b():
    families = ["animal", "vehicle", "plant", "animal", "vehicle"]
    half_a, half_b = splits.family_halves(families, "vehicle")
    assert half_a.tolist() == [1, 4] and half_b.tolist() == [0, 2, 3]
    with pytest.raises(ValueError, match="needs classes in family 'rock' and outside it"):
        splits.family_halves(families, "rock")
    with pytest.raises(ValueError, match="needs classes in family 'animal' and outside it"):
        splits.family_halves(["animal"] * 3, "animal")


def test_the_natural_split_follows_the_recorded_family_a(tiny_synthetic):
    data = dataset.open_dataset(tiny_synthetic)
    for entry, family in zip(data.classes, ["fish", "tree", "car", "fish", "boat", "car"]):
        entry["family"] = family
    data.meta["family_a"] = "car"
    assert splits.make_half(data, "natural", half="A").class_indices.tolist() == [2, 5]
    assert splits.make_half(data, "natural", half="B").class_indices.tolist() == [0, 1, 3, 4]
    assert splits.half_families(data) == ("car", "boat + fish + tree")
    del data.meta["family_a"]  # without a record, half A is "natural": none here
    with pytest.raises(ValueError, match="family 'natural'"):
        splits.make_half(data, "natural", half="A")
