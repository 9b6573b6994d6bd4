"""A rerun of prepare folder with nothing to do opened every file of the tree for its first bytes, to tell images
from other files again before holding validation out (59% of a rerun's time on 30k tiny images; 1.28M opens on
ImageNet, to write nothing). What the first bytes told is now recorded in source-digests.json with each file's
size and modification time, as its digest is: a rerun opens only the files that changed, and tells them as a
fresh import of the tree as it is now does (the oracle)."""

import json
import os

import numpy as np
import pytest

from minitransfer.data import decode, folder, image_formats

CLASSES = ("cat", "dog", "fox")
OPTIONS = {"size": 8, "workers": 0, "val_fraction": 0.2, "seed": 3}


def _colour(index, number):
    return (40 * number + 5, 80 * index + 10, 7)


@pytest.fixture
def photos(tmp_path, image_bytes, write_files):
    """photos/<class>/: six PNGs of colours of their own a class, and a notes.txt."""
    files = {f"{name}/{number}.png": image_bytes(_colour(index, number), kind="PNG")
             for index, name in enumerate(CLASSES) for number in range(6)}
    files.update({f"{name}/notes.txt": f"{name}s, shot in 2014\n".encode() for name in CLASSES})
    return write_files(tmp_path / "photos", files)


@pytest.fixture
def looked_at(monkeypatch):
    """The paths whose first bytes are read to tell whether they may be images, as they are read (not the folders
    beside the files, which are passed by, never opened, by :func:`.decode.image_by_first_bytes`)."""
    paths, told = [], decode.image_by_first_bytes

    def counted(path, listed, *arguments, **options):
        if listed:
            paths.append(path)
        return told(path, listed, *arguments, **options)
    monkeypatch.setattr(folder, "image_by_first_bytes", counted)
    monkeypatch.setattr(decode, "image_by_first_bytes", counted)
    return paths


def _arrays(out):
    """{subset: (images, labels)} of the dataset in ``out``."""
    data = folder.ds.open_dataset(out)
    return {subset: (data.images(subset, np.arange(data.num_images(subset))), data.labels(subset))
            for subset in ("train", "val")}


def _held_out(out, photos):
    """The files held out for validation, told by their colour."""
    images, labels = _arrays(out)["val"]
    by_colour = {(label, _colour(label, number)): photos / CLASSES[label] / f"{number}.png"
                 for label in range(len(CLASSES)) for number in range(6)}
    return sorted(by_colour[int(label), tuple(int(value) for value in image[0, 0])]
                  for image, label in zip(images, labels))


def test_a_rerun_with_nothing_to_do_reads_no_first_bytes(photos, tmp_path, looked_at, tree_state):
    out = tmp_path / "out"
    folder.import_folder(photos, out, **OPTIONS)
    assert len(looked_at) == 3 * 7  # the first import tells every file
    before, looked_at[:] = tree_state(out), []
    built = folder.import_folder(photos, out, **OPTIONS)
    assert looked_at == [] and tree_state(out) == before and built.writes.nothing_written


@pytest.mark.parametrize("same_size", [False, True], ids=["text-of-its-own-size", "text-of-the-same-size"])
def test_a_held_out_image_replaced_by_text_is_told_again_and_gives_its_place_up(
        photos, tmp_path, looked_at, same_size):
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    folder.import_folder(photos, out, **OPTIONS)
    replaced = next(path for path in _held_out(out, photos) if path.parent.name == "dog")
    state = replaced.stat()
    replaced.write_bytes(b"#" * state.st_size if same_size else b"a note, not a photo\n")
    os.utime(replaced, ns=(state.st_atime_ns, state.st_mtime_ns + 10**9))  # a changed file, whatever the clock
    looked_at[:] = []
    folder.import_folder(photos, out, **OPTIONS)
    assert looked_at == [str(replaced)]  # it alone is opened again
    folder.import_folder(photos, fresh, **OPTIONS)  # the oracle: the tree as it is now, every file told
    assert _held_out(out, photos) == _held_out(fresh, photos)  # another dog in its place (a stale verdict: none)
    assert len(_held_out(fresh, photos)) == len(CLASSES)
    for subset, (images, labels) in _arrays(fresh).items():
        assert np.array_equal(_arrays(out)[subset][0], images) and np.array_equal(_arrays(out)[subset][1], labels)


def test_an_earlier_versions_record_keeps_its_digests_and_the_files_are_told_again(photos, tmp_path, looked_at,
                                                                                      tree_state):
    """{path: [size, time, sha256]}, as earlier versions wrote it: its digests are trusted (no file read to find
    copies), and the first rerun tells the files (the record lacks that) and records it; the next opens none."""
    out = tmp_path / "out"
    folder.import_folder(photos, out, **OPTIONS)
    record = json.loads((out / folder.DIGESTS_FILE).read_text())
    assert record["verdicts_told_by"] == image_formats.verdicts_told_by()
    earlier = {path: [size, time, digest] for path, (size, time, digest, _) in record["files"].items() if digest}
    (out / folder.DIGESTS_FILE).write_text(json.dumps(earlier))
    digests = folder.recorded_digests(out, *_state(earlier))
    assert digests == {path: digest for path, (_, _, digest) in earlier.items()} and digests
    looked_at[:] = []
    folder.import_folder(photos, out, **OPTIONS)
    assert len(looked_at) == 3 * 7 and json.loads((out / folder.DIGESTS_FILE).read_text()) == record
    before, looked_at[:] = tree_state(out), []
    folder.import_folder(photos, out, **OPTIONS)
    assert looked_at == [] and tree_state(out) == before


def test_verdicts_told_by_another_pillow_are_told_again(photos, tmp_path, looked_at, monkeypatch):
    out = tmp_path / "out"
    folder.import_folder(photos, out, **OPTIONS)
    monkeypatch.setattr(image_formats, "verdicts_told_by", lambda: "another Pillow")
    looked_at[:] = []
    folder.import_folder(photos, out, **OPTIONS)
    assert len(looked_at) == 3 * 7


def _state(record):
    """({path: size}, {path: time}) of the files of ``record`` as recorded."""
    return ({path: entry[0] for path, entry in record.items()}, {path: entry[1] for path, entry in record.items()})
