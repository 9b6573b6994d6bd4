"""What prepare says of a dataset, called from the library (data/prepared_notes.py)."""

import pytest

from minitransfer.data import dataset, prepared_notes


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
    assert next(notes) == f"skipped 1 file(s), listed in {copy / dataset.SKIPPED_FILE}:"
    assert next(notes) == "  a.jpg: truncated"
    with pytest.raises(dataset.DatasetError, match="val-00000.h5"):
        next(notes)
