"""A rerun of ``prepare folder`` after photos were added to (or removed from) a class of a dataset of one shard a
subset printed exactly the line a first import prints: every shard is rebuilt, so none is said to be "reused",
and that the rerun took the change in was seen only by remembering the counts. It now notes the images each
subset held before and holds now (``Writes.counts_said``); a rerun that changes no count says nothing more."""

import pytest
from click.testing import CliRunner

from minitransfer.cli import main

CLASSES = ("apple", "boat")
TRAIN, VAL = 4, 2


@pytest.fixture
def photos(tmp_path, image_bytes, write_files):
    """photos/train/<class>/ (TRAIN images) and photos/val/<class>/ (VAL), every image its own colour."""
    files = {f"{subset}/{name}/{number}.png": image_bytes((90 * index, 30 * number + 15 * (subset == "val"), 7),
                                                          kind="PNG")
             for index, name in enumerate(CLASSES) for subset, count in (("train", TRAIN), ("val", VAL))
             for number in range(count)}
    return write_files(tmp_path / "photos", files)


def _prepare(photos, out):
    """``prepare folder`` of ``photos`` into ``out``: its stderr (exit 0 checked)."""
    result = CliRunner().invoke(main, ["prepare", "folder", str(photos), str(out), "--size", "12", "--workers", "0"])
    assert result.exit_code == 0, result.output
    return result.stderr


def _held(out, before, now):
    return f"note: {out} held {before} images before this import; now {now} ("


def test_a_first_import_and_a_rerun_changing_nothing_say_no_counts_before(photos, tmp_path):
    out = tmp_path / "out"
    assert "before this import" not in _prepare(photos, out)
    assert "before this import" not in _prepare(photos, out)


def test_a_rerun_after_an_image_was_added_says_the_counts_before_and_now(photos, tmp_path, image_bytes):
    out = tmp_path / "out"
    _prepare(photos, out)
    (photos / "train" / CLASSES[1] / "new.png").write_bytes(image_bytes((5, 250, 120), kind="PNG"))
    train, val = 2 * TRAIN, 2 * VAL  # counted from the tree written above, not read from the dataset
    assert _held(out, f"train {train}, val {val}", f"train {train + 1}, val {val}") in _prepare(photos, out)
    assert "before this import" not in _prepare(photos, out)  # said once: the next rerun finds the counts it left


def test_a_rerun_after_a_validation_image_was_removed_says_the_counts_before_and_now(photos, tmp_path):
    out = tmp_path / "out"
    _prepare(photos, out)
    (photos / "val" / CLASSES[0] / "0.png").unlink()
    train, val = 2 * TRAIN, 2 * VAL
    assert _held(out, f"train {train}, val {val}", f"train {train}, val {val - 1}") in _prepare(photos, out)


def test_a_rerun_holding_out_another_fraction_says_the_counts_but_not_that_images_were_added(photos, tmp_path):
    """The same images split otherwise between train and val: no image was added or removed, so the note does not
    say one may have been."""
    held_out = tmp_path / "held-out"
    for name in CLASSES:  # no val/: a held-out validation, of --val-fraction
        (photos / "val" / name).rename(photos / "train" / name / "val")
    (photos / "val").rmdir()
    images = 2 * (TRAIN + VAL)
    for fraction, overwrite in (("0.25", []), ("0.5", ["--overwrite"])):
        result = CliRunner().invoke(main, ["prepare", "folder", str(photos), str(held_out), "--size", "12",
                                           "--workers", "0", "--val-fraction", fraction, *overwrite])
        assert result.exit_code == 0, result.output
    note = next(line for line in result.stderr.splitlines() if "before this import" in line)
    assert note == f"note: {held_out} held train {images - 4}, val 4 images before this import; now train " \
                   f"{images // 2}, val {images // 2}"


def test_a_synthetic_set_made_larger_says_the_counts_but_not_that_images_were_added_to_a_source(tmp_path):
    out, per_class = tmp_path / "synthetic", (6, 8)
    for count, overwrite in zip(per_class, ([], ["--overwrite"])):
        result = CliRunner().invoke(main, ["prepare", "synthetic", str(out), "--classes", "4", "--train-per-class",
                                           str(count), "--val-per-class", "2", "--size", "12", *overwrite])
        assert result.exit_code == 0, result.output
    note = next(line for line in result.stderr.splitlines() if "before this import" in line)
    assert note == f"note: {out} held train {4 * per_class[0]}, val 8 images before this import; now train " \
                   f"{4 * per_class[1]}, val 8"
