"""``~`` in the paths given to the importers (:mod:`minitransfer.data.importers`, :mod:`minitransfer.data.cifar`):
the source, the dataset folder and the label files are read and written under $HOME, nowhere in a folder named
``~`` of the working folder (a notebook has no shell to expand it)."""

import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image
from tar_files import write_pickle_tar

from minitransfer.data import cifar, importers

WNIDS = ("n01440764", "n02084071")


@pytest.fixture
def home(tmp_path, monkeypatch):
    """$HOME a folder of this test's, the working folder another: a literal ``~`` would land in the latter."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    yield home
    assert not list(tmp_path.rglob("~")), "a folder named ~ was written"


def _png(colour, size):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def _recorded_paths(home, folder):
    """meta.json of the dataset ``folder`` under $HOME, as text: where it says its source lay."""
    return (home / folder / "meta.json").read_text()


def test_import_cifar100_reads_and_writes_under_home(home):
    rng = np.random.default_rng(0)

    def batch(count):
        fine = (np.arange(count) % 4).tolist()
        return {b"data": rng.integers(0, 256, (count, 3072), dtype=np.uint8), b"fine_labels": fine,
                b"coarse_labels": [label // 2 for label in fine]}

    write_pickle_tar(home / "cifar-100-python.tar.gz", "cifar-100-python", {
        "meta": {b"fine_label_names": [b"apple", b"pear", b"bus", b"train"],
                 b"coarse_label_names": [b"fruit_and_vegetables", b"vehicles_1"]},
        "train": batch(8), "test": batch(4)})
    data = cifar.import_cifar100("~/cifar-100-python.tar.gz", "~/c100", workers=0)
    assert data.labels("train").tolist() == [0, 1, 2, 3, 0, 1, 2, 3]
    assert str(home) in _recorded_paths(home, "c100") and "~" not in _recorded_paths(home, "c100")


def test_import_imagenet_reads_its_labels_names_and_families_under_home(home):
    for index, wnid in enumerate(WNIDS):
        (home / "ilsvrc" / "train" / wnid).mkdir(parents=True)
        (home / "ilsvrc" / "train" / wnid / f"{wnid}_1.JPEG").write_bytes(_png((200 * index, 40, 40), (20, 16)))
    (home / "ilsvrc" / "val").mkdir()
    for number in (1, 2):
        (home / "ilsvrc" / "val" / f"ILSVRC2012_val_{number:08d}.JPEG").write_bytes(_png((9, 9, 9), (16, 20)))
    (home / "val.txt").write_text("ILSVRC2012_val_00000001.JPEG 1\nILSVRC2012_val_00000002.JPEG 0\n")
    (home / "words.txt").write_text(f"{WNIDS[0]} tench\n{WNIDS[1]} dog\n")
    (home / "is_a.txt").write_text(f"n00004475 {WNIDS[0]}\nn00021939 {WNIDS[1]}\n")
    data = importers.import_imagenet("~/ilsvrc", "~/in", val_labels="~/val.txt", words="~/words.txt",
                                     is_a="~/is_a.txt", size=8, workers=0)
    assert [entry["name"] for entry in data.classes] == ["tench", "dog"]
    assert [entry["family"] for entry in data.classes] == ["natural", "man-made"]
    assert data.labels("val").tolist() == [1, 0]
    recorded = json.loads(_recorded_paths(home, "in"))["source"]
    assert recorded["path"] == str(home / "ilsvrc") and recorded["val_labels"] == str(home / "val.txt")


def test_import_tiny_imagenet_reads_and_writes_under_home(home):
    with zipfile.ZipFile(home / "tiny-imagenet-200.zip", "w") as archive:
        archive.writestr("tiny-imagenet-200/wnids.txt", "\n".join(WNIDS) + "\n")
        archive.writestr("tiny-imagenet-200/words.txt", f"{WNIDS[0]}\ttench\n{WNIDS[1]}\tdog\n")
        for wnid in WNIDS:
            archive.writestr(f"tiny-imagenet-200/train/{wnid}/images/{wnid}_0.JPEG", _png((250, 0, 0), (64, 64)))
        archive.writestr("tiny-imagenet-200/val/val_annotations.txt", f"val_0.JPEG\t{WNIDS[1]}\t0\t0\t63\t63\n")
        archive.writestr("tiny-imagenet-200/val/images/val_0.JPEG", _png((5, 5, 200), (64, 64)))
    data = importers.import_tiny_imagenet("~/tiny-imagenet-200.zip", "~/tiny", size=8, workers=0)
    assert data.labels("val").tolist() == [1]
    assert str(home) in _recorded_paths(home, "tiny") and "~" not in _recorded_paths(home, "tiny")
