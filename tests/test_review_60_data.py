"""Review of the data and prepare changes of session 60: the too-few-classes remedy of a folder dataset whose
families came from an is-a file that 0.1.0 did not record, 16-bit greyscale opened as mode I (Pillow 9.1) at the
edges of 0..65535, and bad class folder names (not UTF-8 among them) in one refusal."""

import json
import os
import re

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main
from minitransfer.data import dataset, pixels, splits

from test_small_dataset_advice import dry_run, prepare, write_tree

FISH_AND_ARTIFACTS = ("n01440764", "n03000134", "n03000247", "n03000684")  # one natural class, three man-made


def _as_0_1_0_wrote_it(data):
    """Rewrite ``data``'s meta.json source as 0.1.0 wrote it before it recorded --is-a (commit e6ea4a4e, 3 Dec):
    no is_a key, families None."""
    meta_file = data / "meta.json"
    meta = json.loads(meta_file.read_text())
    assert meta["source"].pop("is_a")["path"], meta["source"]  # recorded by this version
    assert meta["source"]["families"] is None
    meta_file.write_text(json.dumps(meta, indent=1))


def test_a_0_1_0_folder_prepared_with_an_is_a_file_is_not_told_of_a_families_file(tmp_path):
    """The remedy told a folder prepared with --is-a to grow the family by class folders only where meta.json
    records the is-a file; one prepared by 0.1.0 (which recorded no is_a) was still told "give it 2 or more
    classes in the families file and prepare again (prepare folder --families FILE)", a file it never had:
    ``prepare folder`` takes its families from a families file or an is-a file, so no families file is the is-a
    file's."""
    is_a = tmp_path / "is_a.txt"
    is_a.write_text("n00004475 n01440764\n" + "".join(f"n00021939 {wnid}\n" for wnid in FISH_AND_ARTIFACTS[1:]))
    data = tmp_path / "data"
    prepare(write_tree(tmp_path / "photos", {wnid: 3 for wnid in FISH_AND_ARTIFACTS}), data, "--is-a", is_a)
    _as_0_1_0_wrote_it(data)
    [note_a] = [note for note in splits.natural_split_notes(dataset.open_dataset(data)) if "half A" in note]
    assert "families file and prepare again" not in note_a, note_a
    assert ("family 'natural' holds only 'n01440764': the is-a file gives each class its family: give the tree 2 or "
            "more class folders of family 'natural' (as the is-a file places them)") in note_a, note_a
    refused = dry_run(data, tmp_path / "grid", "--split", "natural")
    said = " ".join(refused.output.split())
    assert refused.exit_code == 2 and "give the tree 2 or more class folders of family 'natural'" in said, said
    assert "in the families file" not in said, said


def test_a_folder_with_a_families_file_is_still_told_to_edit_it(tmp_path):
    """The other side of the rule above: families from a families file keep its advice."""
    families = tmp_path / "families.txt"
    families.write_text("cat animal\nbus vehicle\ncar vehicle\ntram vehicle\n")
    data = tmp_path / "data"
    prepare(write_tree(tmp_path / "photos", {name: 3 for name in ("cat", "bus", "car", "tram")}), data,
            "--families", families)
    [note_a] = [note for note in splits.natural_split_notes(dataset.open_dataset(data)) if "half A" in note]
    assert "family 'animal' holds only 'cat': give it 2 or more classes in the families file" in note_a, note_a


@pytest.mark.parametrize("values, refused", [
    ([[0, 65535]], None), ([[-1, 300]], "-1..300"), ([[0, 65536]], "0..65536"),
    ([[-2**31, 2**31 - 1]], "-2147483648..2147483647")], ids=["0-65535", "minus-1", "65536", "int32-range"])
def test_mode_i_greyscale_outside_16_bits_is_skipped_not_clipped(values, refused):
    """Pillow 9.1 opens 16-bit greyscale as mode I, mapped through a 65536-entry table that clips below 0 and
    above 65535 by itself: a negative or wider value must be refused as before, not read as black or white."""
    image = Image.fromarray(np.asarray(values, dtype=np.int32), "I")
    if refused is None:
        assert np.asarray(pixels.to_8_bits(image)).tolist() == [[0, 255]]
        return
    with pytest.raises(ValueError, match=re.escape(f"integer pixels outside 0..65535 (mode I, {refused})")):
        pixels.to_8_bits(image)


def _class_folders(root, names):
    for name in names:
        folder = os.path.join(os.fsencode(root), name if isinstance(name, bytes) else os.fsencode(name))
        os.makedirs(folder)
        Image.new("RGB", (16, 16), (len(name) * 9, 40, 90)).save(os.path.join(folder, b"0.png"))


def test_class_folders_not_utf_8_and_with_a_tab_are_named_in_one_refusal_with_both_rules(tmp_path):
    _class_folders(tmp_path / "photos", ["good_a", "good_b", b"caf\xe9", "tab\there"])
    refused = CliRunner().invoke(main, ["prepare", "folder", str(tmp_path / "photos"), str(tmp_path / "out"),
                                        "--size", "16"])
    said = " ".join(refused.output.split())
    assert refused.exit_code == 65, refused.output
    assert ("2 class folders' names cannot be class names: " in said and "caf\\xe9 (is not UTF-8); " in said
            and "tab\\there (holds a control character); a class folder's name must be UTF-8" in said), said
    assert said.endswith("and not hold a control character (a tab or line break would split the lines of 'splits' "
                         "and of a families file): rename each of them"), said


def test_one_class_folder_not_utf_8_is_refused_in_the_words_for_one(tmp_path):
    _class_folders(tmp_path / "photos", ["good_a", "good_b", b"caf\xe9"])
    refused = CliRunner().invoke(main, ["prepare", "folder", str(tmp_path / "photos"), str(tmp_path / "out"),
                                        "--size", "16"])
    said = " ".join(refused.output.split())
    assert refused.exit_code == 65, refused.output
    assert said.endswith("caf\\xe9: a class folder's name must be UTF-8 (it is the class name meta.json stores): "
                         "rename it"), said
    assert "class folders' names" not in said and "control character" not in said, said
