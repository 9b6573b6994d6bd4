"""What prepare says of a dataset, called from the library (data/prepared_notes.py)."""

import numpy as np
import pytest

from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset, prepared_notes
from minitransfer.data.shard_format import SKIPPED_FILE
from unbalanced_data import build_unbalanced


def test_the_summary_names_the_classes_images_and_size(tiny_synthetic):
    built = dataset.open_dataset(tiny_synthetic)
    expected = f"{tiny_synthetic}: 6 classes, train 72, val 24 images of 16x16 (verified)"
    assert prepared_notes.summary(built, verified=True) == expected
    assert list(prepared_notes.notes(built)) == []


def test_the_notes_before_an_unreadable_validation_shard_are_said_before_it_fails(copy):
    """A validation shard turned out unreadable: the notes found before it (a class left out, the files
    skipped) still come out, one by one, as they did when prepare printed them itself."""
    built = dataset.open_dataset(copy)
    built.meta["excluded_classes"] = [{"name": "empty one", "reason": "no decodable image"}]
    built.meta["skipped"] = [{"file": "a.jpg", "reason": "truncated", "subset": "train", "class": "x"}]
    (copy / "val-00000.h5").write_bytes(b"not an HDF5 file")
    notes = prepared_notes.notes(built)
    assert next(notes) == "left out class 'empty one': no decodable image"
    assert next(notes) == f"skipped 1 file(s), listed in {copy / SKIPPED_FILE}:"
    assert next(notes) == "  a.jpg: truncated"
    with pytest.raises(dataset.DatasetError, match="val-00000.h5"):
        next(notes)


@pytest.mark.parametrize("damaged, advice", [
    (0, "they are copies of training images: put images in val/ that are not in train/"),
    (1, "1 of them are copies of training images, the others do not decode: put images in val/ that decode and "
        "are not in train/")], ids=["copies-only", "copies-and-damaged"])
def test_a_validation_of_copies_only_is_told_to_add_new_images(tmp_path, image_bytes, write_files, damaged, advice):
    """Every file of val/ skipped: before, the note said "replace them with images that decode" also where
    they decode well and were left out as copies of training images, which a researcher could not act on."""
    files = {f"train/{name}/{number}.png": image_bytes((10 * number + 5, index * 90, 30), kind="PNG")
             for index, name in enumerate(("cat", "dog")) for number in range(2)}
    files.update({f"val/{name}/copy.png": files[f"train/{name}/1.png"] for name in ("cat", "dog")})
    if damaged:
        files["val/dog/copy.png"] = b"\x89PNG\r\n\x1a\n cut short"
    root = write_files(tmp_path / "src", files)
    result = CliRunner().invoke(main, ["prepare", "folder", str(root), str(tmp_path / "out"),
                                         "--size", "12", "--workers", "0"])
    assert result.exit_code == 0, result.output
    assert (f"all 2 validation file(s) were skipped, listed with why in {tmp_path / 'out' / SKIPPED_FILE}: "
            f"{advice} and rerun the same command") in result.stderr.replace("\n", " ")


@pytest.mark.parametrize("train_counts, val_counts", [
    ((9, 1, 3, 4), (8, 1, 2, 2)), ((4, 2, 3, 3), (2, 1, 1, 1)), ((2, 2, 9, 9), (2, 2, 2, 2)),
    ((3, 9, 2, 5), (3, 3, 3, 3)), ((4, 4, 4, 4), (1, 7, 1, 2)), ((2, 9, 2, 5), (1, 1, 1, 1))],
    ids=["17-to-2", "6-to-3", "training-9-to-2-validation-even", "training-9-to-2-validation-even-3",
         "validation-7-to-1", "training-9-to-2-validation-one-each"])
def test_unbalanced_classes_are_noted_beyond_the_threshold(tmp_path, train_counts, val_counts):
    """A folder of 1,000 photos of one class and 2 of another: a network answering the first alone scored
    97%, and prepare said nothing. Noted where the largest class holds more than IMBALANCE times the
    training (or validation) images of the smallest (twice, exactly: not noted). Validation of the same
    number of images in each class keeps chance at 1/classes: before, the note quoted the first class's
    share (1/classes) as if it were the largest's and said report judged accuracy against it."""
    built = build_unbalanced(tmp_path / "S", train_counts, val_counts)
    names = [entry["name"] for entry in built.classes]
    noted = [note for note in prepared_notes.notes(built) if "unbalanced" in note]
    train_beyond = max(train_counts) > prepared_notes.IMBALANCE * min(train_counts)
    if not train_beyond and max(val_counts) <= prepared_notes.IMBALANCE * min(val_counts):
        assert noted == []
        return
    big, small = train_counts.index(max(train_counts)), train_counts.index(min(train_counts))
    training = (f"{names[big]!r} has {max(train_counts)} training images, {names[small]!r} {min(train_counts)} "
                f"({'more than' if train_beyond else 'at most'} {prepared_notes.IMBALANCE}x)")
    if len(set(val_counts)) == 1:
        images = "image" if val_counts[0] == 1 else "images"  # "holds 1 images" before
        validation = (f"validation holds {val_counts[0]} {images} of each class, so chance stays 1/classes "
                      f"({1 / len(val_counts):.1%})")
        assert "judges accuracy against" not in noted[0]
    else:
        top = val_counts.index(max(val_counts))
        validation = (f"{names[top]!r} holds {val_counts[top]} of the {sum(val_counts)} validation images "
                      f"({val_counts[top] / sum(val_counts):.1%}), what a network that always answers it scores, "
                      f"learning nothing, so report judges accuracy against that share (chance), not 1/classes")
    assert noted == [f"note: unbalanced classes: {training}; {validation}"]


def test_prepare_folder_notes_a_class_of_few_photos(tmp_path, image_bytes, write_files):
    files = {f"{name}/{number}.png": image_bytes((10 * number + 5, index * 90, 30), kind="PNG")
             for index, (name, count) in enumerate((("big", 20), ("small", 2), ("mid", 6))) for number in range(count)}
    root = write_files(tmp_path / "src", files)
    result = CliRunner().invoke(main, ["prepare", "folder", str(root), str(tmp_path / "out"),
                                       "--size", "12", "--workers", "0"])
    assert result.exit_code == 0, result.output
    built = dataset.open_dataset(tmp_path / "out")
    train = dict(zip((entry["name"] for entry in built.classes), np.bincount(built.labels("train"))))
    assert f"note: unbalanced classes: 'big' has {train['big']} training images, 'small' {train['small']} " \
        f"(more than 2x)" in result.stderr.replace("\n", " "), result.stderr
