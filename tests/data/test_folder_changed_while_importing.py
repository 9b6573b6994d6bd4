"""prepare folder while the researcher changes the tree: a file replaced, moved to another class, removed or
added after the tree was listed. What was decided from the listing (held-out files, copies of training
images) held for files that were no longer those: a replaced file was imported as found, a moved one
was an unexplained FileNotFoundError, an added one was missing without a word. Now a file read in
another state than listed is skipped as changed (skipped.txt), one gone as removed, a folder holding
other names than listed is warned of, and the rerun imports the tree as it is."""

import os

import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset, decode

COLOURS = {"cat": (200, 30, 40), "dog": (30, 200, 40), "fox": (40, 30, 200)}


def _invoke(root, out):
    return CliRunner().invoke(main, ["prepare", "folder", str(root), str(out), "--size", "12", "--workers", "0",
                                     "--val-fraction", "0"])


@pytest.fixture
def tree(tmp_path, image_bytes, write_files):
    """Three classes of three solid-colour images, no two files alike (a copy would be warned of)."""
    return write_files(tmp_path / "src", {f"{name}/{number}.png": image_bytes(colour, size=(40 + number, 30 + index),
                                                                              kind="PNG")
                                          for index, (name, colour) in enumerate(COLOURS.items())
                                          for number in range(3)})


def _colours(out):
    data = dataset.open_dataset(out)
    images = data.images("train", np.arange(data.num_images("train")))
    return sorted(tuple(int(v) for v in image.reshape(-1, 3).mean(axis=0).round()) for image in images)


def test_a_file_replaced_in_place_during_the_import_is_skipped_as_changed_and_imported_by_the_rerun(
        tree, tmp_path, image_bytes, monkeypatch, change_before_decoding):
    replaced = tree / "cat" / "1.png"
    change_before_decoding(lambda: replaced.write_bytes(image_bytes((9, 9, 250), size=(50, 20), kind="PNG")))
    out = tmp_path / "out"
    result = _invoke(tree, out)
    assert result.exit_code == 0, result.output
    assert (out / "skipped.txt").read_text().splitlines() == [f"{replaced}\t{decode.CHANGED}"]
    assert _colours(out) == sorted([COLOURS["cat"]] * 2 + [COLOURS["dog"]] * 3 + [COLOURS["fox"]] * 3)
    assert "warning" not in result.output  # no name added or removed
    monkeypatch.undo()
    again = _invoke(tree, out)
    assert again.exit_code == 0, again.output
    assert not (out / "skipped.txt").exists()  # the first import's list: its file is imported now
    assert _colours(out) == sorted([COLOURS["cat"]] * 2 + [(9, 9, 250)] + [COLOURS["dog"]] * 3
                                   + [COLOURS["fox"]] * 3)


def test_a_file_touched_in_place_with_its_size_kept_is_skipped_as_changed(tree, tmp_path, change_before_decoding):
    touched = tree / "dog" / "0.png"
    listed = touched.stat().st_mtime_ns
    change_before_decoding(lambda: os.utime(touched, ns=(listed + 10**9, listed + 10**9)))
    out = tmp_path / "out"
    result = _invoke(tree, out)
    assert result.exit_code == 0, result.output
    assert (out / "skipped.txt").read_text().splitlines() == [f"{touched}\t{decode.CHANGED}"]


def test_a_file_moved_to_another_class_and_one_added_are_warned_of_and_imported_by_the_rerun(
        tree, tmp_path, image_bytes, monkeypatch, change_before_decoding):
    moved, added = tree / "cat" / "2.png", tree / "fox" / "new.png"

    def change():
        os.rename(moved, tree / "dog" / "was a cat.png")
        added.write_bytes(image_bytes((250, 250, 9), kind="PNG"))
        (tree / "cat" / ".DS_Store").write_bytes(b"Finder's: a hidden name, not a change of the tree")

    change_before_decoding(change)
    out = tmp_path / "out"
    result = _invoke(tree, out)
    assert result.exit_code == 0, result.output
    assert (out / "skipped.txt").read_text().splitlines() == [f"{moved}\t{decode.VANISHED}"]
    assert ("warning: 3 folder(s) of the source had files added, removed or renamed while the import ran, such as "
            f"{tree / 'cat'}: the dataset holds the files as they were listed") in result.output
    assert _colours(out) == sorted([COLOURS["cat"]] * 2 + [COLOURS["dog"]] * 3 + [COLOURS["fox"]] * 3)
    monkeypatch.undo()
    again = _invoke(tree, out)
    assert again.exit_code == 0 and "warning" not in again.output, again.output
    data = dataset.open_dataset(out)
    assert np.bincount(data.labels("train")).tolist() == [2, 4, 4]
    assert _colours(out) == sorted([COLOURS["cat"]] * 3 + [COLOURS["dog"]] * 3 + [COLOURS["fox"]] * 3
                                   + [(250, 250, 9)])


def test_a_folder_only_touched_is_no_change(tree, tmp_path, change_before_decoding):
    change_before_decoding(lambda: os.utime(tree / "fox", ns=(1, 1)))
    result = _invoke(tree, tmp_path / "out")
    assert result.exit_code == 0 and "warning" not in result.output, result.output


def test_a_file_moved_away_and_back_while_importing_is_imported_by_the_rerun(tree, tmp_path, monkeypatch,
                                                                            change_before_decoding):
    """Its shard's plan records it as listed, which it is again once back: kept, the shard said it gone for good."""
    moved, away = tree / "fox" / "1.png", tmp_path / "1.png"
    change_before_decoding(lambda: os.rename(moved, away))
    out = tmp_path / "out"
    assert _invoke(tree, out).exit_code == 0
    assert (out / "skipped.txt").read_text().splitlines() == [f"{moved}\t{decode.VANISHED}"]
    monkeypatch.undo()
    os.rename(away, moved)
    again = _invoke(tree, out)
    assert again.exit_code == 0 and "warning" not in again.output, again.output
    assert not (out / "skipped.txt").exists()  # the first import's list: its file is imported now
    assert _colours(out) == sorted([COLOURS["cat"]] * 3 + [COLOURS["dog"]] * 3 + [COLOURS["fox"]] * 3)
