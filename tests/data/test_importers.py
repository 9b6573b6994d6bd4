"""Importers on fixture trees built here in the real on-disk layouts, odd files included."""

import io
import json
import pickle
import tarfile
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main
from minitransfer.data import dataset, importers

WNIDS = ("n01440764", "n02084071", "n03000134")  # sorted: the class order


def _jpeg(colour, mode="RGB", size=(40, 30)):
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def _png(colour, size=(24, 24)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def imagenet_tree(tmp_path):
    """ILSVRC2012 layout: 3 classes x 2 images, plus a CMYK JPEG, a grayscale JPEG, a PNG named
    .JPEG and a truncated JPEG among the training images; 3 validation images and their labels."""
    root = tmp_path / "ILSVRC2012"
    files = {
        "train/n01440764/n01440764_1.JPEG": _jpeg((200, 30, 40)),
        "train/n01440764/n01440764_2.JPEG": _jpeg((0, 0, 0, 0), mode="CMYK"),        # CMYK white
        "train/n02084071/n02084071_1.JPEG": _jpeg(77, mode="L"),                    # grayscale
        "train/n02084071/n02084071_2.JPEG": _png((10, 220, 90)),                    # PNG named .JPEG
        "train/n03000134/n03000134_1.JPEG": _jpeg((30, 60, 250)),
        "train/n03000134/n03000134_2.JPEG": _jpeg((120, 120, 120), size=(300, 200))[:600],  # truncated
        "val/ILSVRC2012_val_00000001.JPEG": _jpeg((250, 250, 10)),
        "val/ILSVRC2012_val_00000002.JPEG": _jpeg((10, 10, 10)),
        "val/ILSVRC2012_val_00000003.JPEG": _jpeg((99, 0, 99)),
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    labels = tmp_path / "val.txt"
    labels.write_text("ILSVRC2012_val_00000001.JPEG 2\nILSVRC2012_val_00000002.JPEG 0\nILSVRC2012_val_00000003.JPEG 1\n")
    words = tmp_path / "synset_words.txt"
    words.write_text("n01440764 tench, Tinca tinca\nn02084071 dog, domestic dog\nn03000134 chainlink fence\n")
    is_a = tmp_path / "is_a.txt"
    is_a.write_text("n00004475 n01440764\nn00004475 n02084071\nn00021939 n03000134\n")
    return root, labels, words, is_a


def _pixels(data):
    return [tuple(int(v) for v in image.reshape(-1, 3).mean(axis=0).round()) for image in data]


def test_imagenet_import_handles_the_odd_files(imagenet_tree, tmp_path):
    root, labels, words, is_a = imagenet_tree
    data = importers.import_imagenet(root, tmp_path / "out", val_labels=labels, words=words, is_a=is_a,
                                     size=8, workers=2, shard_length=2)
    assert [entry["wnid"] for entry in data.classes] == list(WNIDS)
    assert [entry["family"] for entry in data.classes] == ["natural", "natural", "man-made"]
    assert data.classes[1]["name"] == "dog, domestic dog"
    assert data.image_size == (8, 8)
    assert data.labels("train").tolist() == [0, 0, 1, 1, 2]
    train = data.images("train", np.arange(5))
    expected = [(200, 30, 40), (255, 255, 255), (77, 77, 77), (10, 220, 90), (30, 60, 250)]
    for got, want in zip(_pixels(train), expected):
        assert max(abs(a - b) for a, b in zip(got, want)) <= 3, (got, want)
    assert data.labels("val").tolist() == [2, 0, 1]
    skipped = data.meta["skipped"]
    assert [entry["file"].rsplit("/", 1)[-1] for entry in skipped] == ["n03000134_2.JPEG"]
    assert "truncated" in skipped[0]["reason"] or "OSError" in skipped[0]["reason"]
    assert "n03000134_2.JPEG" in (data.path / dataset.SKIPPED_FILE).read_text()
    np.testing.assert_allclose(data.mean(), train.mean(axis=0), rtol=1e-6)
    data.verify()


def test_imagenet_without_val_labels_is_train_only(imagenet_tree, tmp_path):
    root, *_ = imagenet_tree
    data = importers.import_imagenet(root, tmp_path / "out", size=8, workers=0)
    assert (data.num_images("train"), data.num_images("val")) == (5, 0)
    assert data.classes[0]["name"] == "n01440764" and "family" not in data.classes[0]


def test_bad_val_label_line_is_bad_data(imagenet_tree, tmp_path):
    root, labels, *_ = imagenet_tree
    labels.write_text("ILSVRC2012_val_00000001.JPEG 3\n")
    with pytest.raises(dataset.DatasetError, match=r"val.txt:1"):
        importers.import_imagenet(root, tmp_path / "out", val_labels=labels, size=8, workers=0)


def test_rerun_skips_finished_shards_and_rebuilds_missing_ones(imagenet_tree, tmp_path):
    root, labels, *_ = imagenet_tree
    out = tmp_path / "out"
    first = importers.import_imagenet(root, out, val_labels=labels, size=8, workers=0, shard_length=2)
    kept = out / "train-00000.h5"
    kept_stamp = kept.stat().st_mtime_ns, kept.stat().st_ino
    (out / "train-00001.h5").unlink()
    (out / "meta.json").unlink()  # as after an interrupted import
    (out / ".train-00001.h5.tmp-99999").write_bytes(b"half-written")
    again = importers.import_imagenet(root, out, val_labels=labels, size=8, workers=0, shard_length=2)
    assert (kept.stat().st_mtime_ns, kept.stat().st_ino) == kept_stamp
    assert again.meta["subsets"] == first.meta["subsets"]  # same counts and sha256
    assert not list(out.glob(".*.tmp-*"))
    different = importers.import_imagenet(root, out, val_labels=labels, size=6, workers=0, shard_length=2)
    assert different.image_size == (6, 6)  # a changed plan rebuilds instead of reusing stale shards
    different.verify()


@pytest.fixture
def tiny_zip(tmp_path):
    """tiny-imagenet-200.zip: 2 classes x 2 training images (one grayscale), 2 validation images."""
    path = tmp_path / "tiny-imagenet-200.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tiny-imagenet-200/wnids.txt", "n02084071\nn01440764\n")
        archive.writestr("tiny-imagenet-200/words.txt", "n01440764\ttench, Tinca tinca\nn02084071\tdog\nn09999999\tother\n")
        archive.writestr("tiny-imagenet-200/train/n01440764/images/n01440764_0.JPEG", _jpeg((250, 0, 0), size=(64, 64)))
        archive.writestr("tiny-imagenet-200/train/n01440764/images/n01440764_1.JPEG", _jpeg(140, mode="L", size=(64, 64)))
        archive.writestr("tiny-imagenet-200/train/n01440764/n01440764_boxes.txt", "n01440764_0.JPEG\t0\t0\t63\t63\n")
        archive.writestr("tiny-imagenet-200/train/n02084071/images/n02084071_0.JPEG", _jpeg((0, 250, 0), size=(64, 64)))
        archive.writestr("tiny-imagenet-200/train/n02084071/images/n02084071_1.JPEG", _jpeg((0, 0, 250), size=(64, 64)))
        archive.writestr("tiny-imagenet-200/val/val_annotations.txt",
                         "val_0.JPEG\tn02084071\t0\t0\t63\t63\nval_1.JPEG\tn01440764\t1\t2\t40\t50\n")
        archive.writestr("tiny-imagenet-200/val/images/val_0.JPEG", _jpeg((5, 5, 200), size=(64, 64)))
        archive.writestr("tiny-imagenet-200/val/images/val_1.JPEG", _jpeg((200, 5, 5), size=(64, 64)))
    return path


@pytest.mark.parametrize("unpacked", [False, True], ids=["zip", "folder"])
def test_tiny_imagenet_import(tiny_zip, tmp_path, unpacked):
    source = tiny_zip
    if unpacked:
        with zipfile.ZipFile(tiny_zip) as archive:
            archive.extractall(tmp_path / "unpacked")
        source = tmp_path / "unpacked" / "tiny-imagenet-200"
    data = importers.import_tiny_imagenet(source, tmp_path / "out", size=64, workers=0)
    assert [(entry["wnid"], entry["name"]) for entry in data.classes] == [("n01440764", "tench, Tinca tinca"), ("n02084071", "dog")]
    assert data.labels("train").tolist() == [0, 0, 1, 1]
    assert data.labels("val").tolist() == [1, 0]
    expected = [(250, 0, 0), (140, 140, 140), (0, 250, 0), (0, 0, 250)]
    for got, want in zip(_pixels(data.images("train", np.arange(4))), expected):
        assert max(abs(a - b) for a, b in zip(got, want)) <= 3, (got, want)
    assert data.meta["skipped"] == []


def _cifar_archive(path, evil=None):
    """cifar-100-python.tar.gz with 4 fine classes in 2 superclasses; images carry their index."""
    rng = np.random.default_rng(0)

    def batch(count):
        fine = rng.integers(0, 4, count).tolist()
        return {b"data": rng.integers(0, 256, (count, 3072), dtype=np.uint8), b"fine_labels": fine,
                b"coarse_labels": [label // 2 for label in fine], b"filenames": [b"x.png"] * count}

    parts = {
        "meta": {b"fine_label_names": [b"apple", b"pear", b"bus", b"train"],
                 b"coarse_label_names": [b"fruit_and_vegetables", b"vehicles_1"]},
        "train": batch(12), "test": batch(6),
    }
    with tarfile.open(path, "w:gz") as archive:
        for name, content in parts.items():
            raw = evil if (evil is not None and name == "train") else pickle.dumps(content, protocol=2)
            info = tarfile.TarInfo(f"cifar-100-python/{name}")
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return parts


def test_cifar100_import_keeps_layout_and_labels(tmp_path):
    parts = _cifar_archive(tmp_path / "cifar-100-python.tar.gz")
    data = importers.import_cifar100(tmp_path / "cifar-100-python.tar.gz", tmp_path / "out")
    assert data.image_size == (32, 32)
    assert [(c["name"], c["superclass"], c["family"]) for c in data.classes] == [
        ("apple", "fruit_and_vegetables", "natural"), ("pear", "fruit_and_vegetables", "natural"),
        ("bus", "vehicles_1", "man-made"), ("train", "vehicles_1", "man-made")]
    raw = parts["train"][b"data"]
    images = data.images("train", np.arange(12))
    for n in range(12):  # R plane, G plane, B plane, each row-major 32 x 32
        for channel in range(3):
            for row, column in ((0, 0), (5, 17), (31, 31)):
                assert images[n, row, column, channel] == raw[n, channel * 1024 + row * 32 + column]
    assert data.labels("train").tolist() == parts["train"][b"fine_labels"]
    assert data.read_array("val", "coarse_labels").tolist() == parts["test"][b"coarse_labels"]
    assert data.labels("val").tolist() == parts["test"][b"fine_labels"]


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def test_malicious_cifar_pickle_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    evil = pickle.dumps({b"data": _Exploit(marker)}, protocol=2)
    _cifar_archive(tmp_path / "evil.tar.gz", evil=evil)
    with pytest.raises(dataset.DatasetError, match="refused to load posix.system|refused to load os.system"):
        importers.import_cifar100(tmp_path / "evil.tar.gz", tmp_path / "out")
    assert not marker.exists()
    result = CliRunner().invoke(main, ["prepare", "cifar100", str(tmp_path / "evil.tar.gz"), str(tmp_path / "out2")])
    assert result.exit_code == 65, result.output
    assert not marker.exists()


def test_cli_prepare_verify_flags_a_corrupt_shard(tmp_path):
    runner = CliRunner()
    out = tmp_path / "synthetic"
    result = runner.invoke(main, ["prepare", "synthetic", str(out), "--classes", "4", "--train-per-class", "5",
                                  "--val-per-class", "2", "--size", "12", "--verify"])
    assert result.exit_code == 0, result.output
    assert "(verified)" in result.output
    shard = out / "val-00000.h5"
    raw = bytearray(shard.read_bytes())
    raw[-10] ^= 0xFF
    shard.write_bytes(bytes(raw))
    result = runner.invoke(main, ["prepare", "verify", str(out)])
    assert result.exit_code == 65
    assert "val-00000.h5" in result.output and "sha256 mismatch" in result.output


def test_cli_splits_prints_both_halves_as_json(tiny_synthetic):
    result = CliRunner().invoke(main, ["splits", str(tiny_synthetic), "natural", "--format", "json"])
    assert result.exit_code == 0, result.output
    halves = json.loads(result.output)
    assert [half["half"] for half in halves] == ["A", "B"]
    assert {c["index"] for c in halves[0]["classes"]} == {1, 3, 5}  # odd classes are natural
    assert [c["label"] for c in halves[1]["classes"]] == [0, 1, 2]
