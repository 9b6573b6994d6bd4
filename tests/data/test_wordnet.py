"""The paper's man-made / natural rule: WordNet descendants of artifact / organism plus 68 hand placements."""

import subprocess
import sys

import pytest

from minitransfer.data import wordnet

# entity → artifact → {tool → hammer, cup-ish}, entity → organism → {dog, oak}, entity → food → bagel
TOY_EDGES = """\
n00001740 n00021939
n00001740 n00004475
n00021939 n90000001
n90000001 n90000002
n00004475 n90000003
n90000003 n90000004
n00001740 n90000010
n90000010 n07693725
n90000010 n07745940
"""


@pytest.fixture
def toy_graph(tmp_path):
    path = tmp_path / "is_a.txt"
    path.write_text(TOY_EDGES)
    return wordnet.read_is_a(path)


def test_hand_placed_lists_have_the_supplements_counts():
    assert len(wordnet.HAND_PLACED_MAN_MADE) == len(set(wordnet.HAND_PLACED_MAN_MADE)) == 29
    assert len(wordnet.HAND_PLACED_NATURAL) == len(set(wordnet.HAND_PLACED_NATURAL)) == 39
    assert not set(wordnet.HAND_PLACED_MAN_MADE) & set(wordnet.HAND_PLACED_NATURAL)
    assert "n07873807" in wordnet.HAND_PLACED_MAN_MADE  # pizza
    assert "n09472597" in wordnet.HAND_PLACED_NATURAL  # volcano


def test_families_follow_descent_then_hand_placement(toy_graph):
    wnids = ["n90000002", "n90000004", "n07693725", "n07745940", "n90000001"]
    assert wordnet.families(wnids, toy_graph) == ["man-made", "natural", "man-made", "natural", "man-made"]


def test_unplaced_class_is_named(toy_graph):
    with pytest.raises(ValueError, match="n90000010"):
        wordnet.families(["n90000002", "n90000010"], toy_graph)


def test_class_under_both_roots_is_refused(toy_graph):
    toy_graph.setdefault("n00004475", []).append("n90000002")
    with pytest.raises(ValueError, match="both.*n90000002"):
        wordnet.families(["n90000002"], toy_graph)


def test_malformed_is_a_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("n00001740 n00021939\nn00001740\n")
    with pytest.raises(ValueError, match=r"bad.txt:2"):
        wordnet.read_is_a(path)


def test_ilsvrc2012_splits_551_man_made_449_natural_as_published(shared_data):
    wnids = (shared_data / "ilsvrc12" / "synsets.txt").read_text().split()
    families = wordnet.families(wnids, wordnet.read_is_a(shared_data / "wordnet" / "wordnet.is_a.txt"))
    man_made = [index for index, family in enumerate(families) if family == "man-made"]
    natural = [index for index, family in enumerate(families) if family == "natural"]
    assert (len(man_made), len(natural)) == (551, 449)
    assert man_made == sorted(int(x) for x in (shared_data / "ilsvrc12" / "half_man_idx.txt").read_text().split())
    assert natural == sorted(int(x) for x in (shared_data / "ilsvrc12" / "half_nat_idx.txt").read_text().split())


def test_an_is_a_file_placing_every_class_in_one_family_is_refused_naming_it(tmp_path):
    """Imported so, the dataset had families but no natural split: 'prepare' said nothing, 'train --split natural'
    failed later (a families file giving one family is refused at import)."""
    path = tmp_path / "is_a.txt"
    path.write_text(TOY_EDGES)
    with pytest.raises(wordnet.DatasetError, match=r"is_a.txt: every one of the 2 classes is natural; the natural "
                                                   r"split needs natural and man-made classes"):
        wordnet.families_from_file(["n90000004", "n07745940"], path)


def test_cycles_in_the_is_a_graph_end_and_place_each_class_once(tmp_path):
    path = tmp_path / "is_a.txt"
    path.write_text(TOY_EDGES + "n90000002 n00021939\nn90000004 n90000003\n")  # artifact ↔ hammer, dog ↔ its parent
    assert wordnet.families_from_file(["n90000002", "n90000004", "n07745940"], path) == ["man-made", "natural",
                                                                                         "natural"]


def test_reading_the_is_a_graph_and_text_files_does_not_import_pillow():
    """wordnet read its file through data.inputs, which imported Pillow (for 16-bit images) at its top: the
    is-a graph, a families file and every name a report writes loaded an image library."""
    code = ("import sys, minitransfer.data.wordnet, minitransfer.data.text_files, minitransfer.data.inputs\n"
            "assert 'PIL' not in sys.modules, 'Pillow imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("count", [1, 2])
def test_classes_placed_nowhere_are_counted_in_words_that_agree(count):
    """'1 classes descend from neither' read wrong."""
    unplaced = [f"n9999999{number}" for number in range(count)]
    with pytest.raises(ValueError) as raised:
        wordnet.families(unplaced, {})
    said = str(raised.value)
    assert (f"{count} class descends from neither" in said and "and is not among" in said) if count == 1 else \
        (f"{count} classes descend from neither" in said and "and are not among" in said), said


def test_class_names_that_are_not_wnids_are_quoted_so_trailing_spaces_show(tmp_path):
    """'plain class 1 , plain class 101 , ...' blurred names that end in a space."""
    is_a = tmp_path / "is_a.txt"
    is_a.write_text("n00021939 n00000001\n")
    names = ["plain class 1 ", "plain class 101 ", "n00000001"]
    with pytest.raises(ValueError) as raised:
        wordnet.families_from_file(names, is_a)
    assert f"2 of the 3 are not: {names[0]!r}, {names[1]!r}." in str(raised.value), raised.value
