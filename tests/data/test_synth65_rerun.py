"""`prepare synthetic` run again: a dataset already prepared with the same options is found so before a single image
is generated (it took minutes at a large --size: every image generated, then "already prepared"), also by a second
prepare that waited for the first; anything else (a damaged shard, other options, --overwrite) as before, and the
files written byte for byte those of a build from the images generated up front (the code before this change)."""

import hashlib
import os

import pytest

from minitransfer.data import build, decode, lock, synthetic
from counting import calls_of

OPTIONS = {"classes": 4, "train_per_class": 6, "val_per_class": 2, "size": 12, "seed": 1, "shard_length": 5}


def digests(folder):
    """{file name: sha256} of every file of a dataset folder but its lock file (a rerun's flock may write it)."""
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
            for name in sorted(os.listdir(folder)) if name != lock.LOCK_FILE}


def counted(monkeypatch):
    """A function giving how often synthetic.generate and render_class (once per class of a subset) ran since."""
    generated = calls_of(monkeypatch, synthetic, "generate")
    rendered = calls_of(monkeypatch, synthetic, "render_class")
    return lambda: (len(generated), len(rendered))


def test_rerun_of_a_prepared_dataset_generates_no_image(tmp_path, monkeypatch):
    out = tmp_path / "synthetic"
    synthetic.build_synthetic(out, **OPTIONS)
    before = digests(out)
    times = {name: (out / name).stat().st_mtime_ns for name in before}
    calls = counted(monkeypatch)
    again = synthetic.build_synthetic(out, **OPTIONS)
    assert calls() == (0, 0)
    assert again.writes.nothing_written and again.writes.shards_reused == 7
    assert again.writes.said().startswith("already prepared, nothing written")
    assert digests(out) == before and {name: (out / name).stat().st_mtime_ns for name in before} == times


def test_prepare_that_waited_for_another_generates_no_image(tmp_path, monkeypatch):
    """A second prepare of the same options started while the first ran waits for it (lock.wait_for_prepare), then
    finds its dataset: it generated every image first, then waited, then said "already prepared"."""
    out = tmp_path / "synthetic"
    synthetic.build_synthetic(out, **OPTIONS)  # what the first prepare leaves once it ends
    before = digests(out)
    real_writing, waits = lock.writing, []

    def writing(folder):  # the first prepare holds the lock as the second one asks for it
        if not waits:
            raise lock.BeingPrepared(f"{folder} is being prepared", None)
        return real_writing(folder)

    monkeypatch.setattr(lock, "writing", writing)
    monkeypatch.setattr(lock, "wait_for_prepare", lambda folder, busy, same_import, since: waits.append(same_import()))
    calls = counted(monkeypatch)
    again = synthetic.build_synthetic(out, **OPTIONS)
    assert waits == [True] and calls() == (0, 0)
    assert again.writes.nothing_written and digests(out) == before


def test_other_options_refused_before_generating(tmp_path, monkeypatch):
    out = tmp_path / "synthetic"
    synthetic.build_synthetic(out, **OPTIONS)
    before = digests(out)
    calls = counted(monkeypatch)
    with pytest.raises(ValueError, match="another source or with other options"):
        synthetic.build_synthetic(out, **{**OPTIONS, "seed": 2})
    assert calls() == (0, 0) and digests(out) == before


def eager_build(out, classes, train_per_class, val_per_class, size, seed, shard_length):
    """The build as it was before: every image generated up front, then build.build_dataset."""
    subsets = {}
    for subset, per_class in (("train", train_per_class), ("val", val_per_class)):
        images, labels = synthetic.generate(classes, per_class, size, seed, subset)
        subsets[subset] = ([decode.ImportItem(pixels=image) for image in images], labels, {})
    parameters = {"classes": classes, "train_per_class": train_per_class, "val_per_class": val_per_class,
                  "size": size, "seed": seed, "generator_version": synthetic.GENERATOR_VERSION}
    return build.build_dataset(out, source={"kind": "synthetic", **parameters}, classes=synthetic.class_table(classes),
                               subsets=subsets, size=size, shard_length=shard_length, workers=0)


def test_files_byte_for_byte_those_of_a_build_generating_up_front(tmp_path):
    synthetic.build_synthetic(tmp_path / "lazy", **OPTIONS)
    eager_build(tmp_path / "eager", **OPTIONS)
    assert digests(tmp_path / "lazy") == digests(tmp_path / "eager")
    assert len(digests(tmp_path / "lazy")) == 9  # 5 train shards, 2 val shards, mean.h5, meta.json


def test_damaged_shard_is_generated_again_and_rebuilt_as_it_was(tmp_path, monkeypatch):
    out = tmp_path / "synthetic"
    synthetic.build_synthetic(out, **OPTIONS)
    before = digests(out)
    shard = out / "train-00002.h5"
    raw = bytearray(shard.read_bytes())
    raw[-100] ^= 0xFF  # a byte of its last array flipped: its sha256 differs from meta.json's
    shard.write_bytes(bytes(raw))
    calls = counted(monkeypatch)
    again = synthetic.build_synthetic(out, **OPTIONS)
    assert calls()[0] == 2 and [name for name, _ in again.writes.rebuilt] == ["train-00002.h5"]
    assert digests(out) == before


def test_overwrite_generates_and_keeps_what_comes_out_the_same(tmp_path, monkeypatch):
    out = tmp_path / "synthetic"
    synthetic.build_synthetic(out, **OPTIONS)
    before = digests(out)
    calls = counted(monkeypatch)
    again = synthetic.build_synthetic(out, **OPTIONS, overwrite=True)
    assert calls()[0] == 2 and again.writes.shards_written == 0 and digests(out) == before


def test_rerun_while_a_training_reads_generates_no_image(tmp_path, monkeypatch, held_shared):
    """Under the lock held shared (another process reads the dataset), as the check a rerun then makes."""
    out = tmp_path / "synthetic"
    synthetic.build_synthetic(out, **OPTIONS)
    before = digests(out)
    with held_shared(out):
        calls = counted(monkeypatch)
        again = synthetic.build_synthetic(out, **OPTIONS)
    assert calls() == (0, 0) and again.writes.nothing_written and digests(out) == before
