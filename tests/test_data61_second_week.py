"""A lab's second week with its own data: class folders added and removed since last week's prepare, prepared
again into the same OUT. Prepare said nothing: label 3, 'dog' last week, now meant 'eel', and the networks of
last week no longer fit the folder they were trained on (data/prepared_notes.py, data/import_writes.py)."""

import io
import shutil

import numpy as np
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main


def _tree(root, names, per_class=4):
    for index, name in enumerate(names):
        for number in range(per_class):
            path = root / name / f"{number}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            buffer = io.BytesIO()
            Image.fromarray(np.full((16, 16, 3), 40 * index + 5 * number, np.uint8)).save(buffer, "PNG")
            path.write_bytes(buffer.getvalue())
    return root


def _prepare(source, out):
    done = CliRunner().invoke(main, ["prepare", "folder", str(source), str(out), "--size", "12", "--workers", "0"])
    assert done.exit_code == 0 and "Traceback" not in done.output, done.output
    return done.output.replace("\n", " ")


def test_prepare_again_into_the_same_folder_with_other_classes_says_the_labels_changed(tmp_path):
    photos, data = _tree(tmp_path / "photos", ("ant", "bee", "cat", "dog")), tmp_path / "data"
    assert "held a dataset of other classes" not in _prepare(photos, data)
    shutil.rmtree(photos / "dog")
    _tree(photos, ("eel",))
    said = _prepare(photos, data)
    assert (f"note: {data} held a dataset of other classes before this import: 1 gone ('dog'); 1 new ('eel'); "
            f"1 label(s) now name another class (label 3: 'eel', was 'dog'): networks trained on the dataset it "
            f"held no longer fit it") in said, said
    assert "prepare into another OUT" in said, said


def test_prepare_again_with_the_same_classes_or_into_a_new_folder_says_nothing_of_classes(tmp_path):
    photos, data = _tree(tmp_path / "photos", ("ant", "bee", "cat", "dog")), tmp_path / "data"
    _prepare(photos, data)
    _tree(photos, ("ant",), per_class=6)  # images added to a class: the labels mean what they meant
    for out in (data, tmp_path / "other"):
        said = _prepare(photos, out)
        assert "held a dataset of other classes" not in said, said


def test_a_class_of_copies_alone_is_told_why_it_has_no_validation_image(tmp_path):
    """Last week's 'cat' photos copied from 'ant' and 'bee': held-out validation passes copies over, so 'cat' got
    no validation image, and the note blamed "classes of two or more" on a class of three."""
    photos = _tree(tmp_path / "photos", ("ant", "bee", "dog"))
    (photos / "cat").mkdir()
    for number, copied in enumerate(("ant/0.png", "ant/1.png", "bee/0.png")):
        shutil.copy(photos / copied, photos / "cat" / f"{number}.png")
    said = _prepare(photos, tmp_path / "data")
    assert ("have no validation image, so validation accuracy says nothing about them: 'cat' (each of their images "
            "lies in another class too") in said, said
    assert "takes images only from classes of two or more" not in said, said


def test_a_half_of_classes_of_copies_alone_is_told_to_add_images_that_lie_in_no_other_class(tmp_path):
    """Half B of split seed 9 is 'cat' and 'cow', whose photos all copy 'ant's and 'bee's: splits and train said
    "give each of them 2 or more images", which each had already."""
    photos = _tree(tmp_path / "photos", ("ant", "bee"))
    for name in ("cat", "cow"):
        (photos / name).mkdir()
        for number, copied in enumerate(("ant/0.png", "ant/1.png", "bee/2.png")):
            shutil.copy(photos / copied, photos / name / f"{number}.png")
    data = tmp_path / "data"
    _prepare(photos, data)
    shown = CliRunner().invoke(main, ["splits", str(data), "random", "--split-seed", "9", "--half", "B"])
    assert shown.exit_code == 0, shown.output
    said = shown.output.replace("\n", " ")
    assert "its classes 'cat', 'cow' have no validation image: give each of them 2 or more images that lie in no " \
           "other class" in said, said
