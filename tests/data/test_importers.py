"""ImageNet and Tiny ImageNet importers on fixture trees built here in the real on-disk layouts, odd
files included; ImageNet's validation labels from the official devkit, and val/ never dropped; kill -9
of an import then its rerun."""

import hashlib
import io
import json
import os
import re
import shutil
import struct
import sys
import tarfile
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer import fileio
from minitransfer.cli import main
from minitransfer.data import archives, dataset, decode, folder, imagenet, importers, shard_format
from test_kill_anywhere import _import_survives_a_kill

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
    return _write_imagenet_tree(tmp_path)


def _write_imagenet_tree(tmp_path):
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
    labels.write_text("ILSVRC2012_val_00000001.JPEG 2\nILSVRC2012_val_00000002.JPEG 0\n"
                      "ILSVRC2012_val_00000003.JPEG 1\n")
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
                                     size=12, workers=2, shard_length=2)
    assert [entry["wnid"] for entry in data.classes] == list(WNIDS)
    assert [entry["family"] for entry in data.classes] == ["natural", "natural", "man-made"]
    assert data.classes[1]["name"] == "dog, domestic dog"
    assert data.image_size == (12, 12)
    assert data.labels("train").tolist() == [0, 0, 1, 1, 2]
    train = data.images("train", np.arange(5))
    expected = [(200, 30, 40), (255, 255, 255), (77, 77, 77), (10, 220, 90), (30, 60, 250)]
    for got, want in zip(_pixels(train), expected):
        assert max(abs(a - b) for a, b in zip(got, want)) <= 3, (got, want)
    assert data.labels("val").tolist() == [2, 0, 1]
    skipped = data.meta["skipped"]
    assert [entry["file"].rsplit("/", 1)[-1] for entry in skipped] == ["n03000134_2.JPEG"]
    assert "truncated" in skipped[0]["reason"].lower() and "Error" not in skipped[0]["reason"]
    assert "n03000134_2.JPEG" in (data.path / shard_format.SKIPPED_FILE).read_text()
    np.testing.assert_allclose(data.mean(), train.mean(axis=0), rtol=1e-6)
    data.verify()


def test_imagenet_without_val_folder_is_train_only_and_says_so(imagenet_tree, tmp_path):
    root, *_ = imagenet_tree
    (root / "val").rename(tmp_path / "val-elsewhere")
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(tmp_path / "out"), "--size", "12",
                                       "--workers", "0"])
    assert result.exit_code == 0, result.output
    assert "train 5, val 0 images" in result.output and "no validation images, so 'train' will refuse" in result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert (data.num_images("train"), data.num_images("val")) == (5, 0)
    assert data.classes[0]["name"] == "n01440764" and "family" not in data.classes[0]


def test_a_val_folder_without_labels_is_refused_not_dropped(imagenet_tree, tmp_path, tree_state):
    root, *_ = imagenet_tree
    before = tree_state(tmp_path)
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(tmp_path / "out"), "--size", "12"])
    assert result.exit_code == 2, result.output
    assert f"{root / 'val'} holds 3 files but no labels were given: pass --devkit DIR" in result.output
    assert tree_state(tmp_path) == before and not (tmp_path / "out").exists()


def test_a_val_folder_sorted_into_classes_points_to_prepare_folder(imagenet_tree, tmp_path, image_bytes):
    root, labels, *_ = imagenet_tree
    (root / "val" / WNIDS[0]).mkdir()
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(tmp_path / "out"),
                                       "--val-labels", str(labels)])
    assert result.exit_code == 2, result.output
    assert "holds class folders: import this tree with 'minitransfer prepare folder'" in result.output


DEVKIT_CLASSES = (("n03000134", "chainlink fence"), ("n01440764", "tench, Tinca tinca"), ("n02084071", "dog"))


def test_devkit_ground_truth_labels_val_in_sorted_wnid_order(imagenet_tree, tmp_path, make_devkit):
    """ILSVRC2012_IDs 1, 2, 3 are n03000134, n01440764, n02084071 here (not sorted), so the devkit's ids
    must be mapped through meta.mat's wnids to labels 2, 0, 1."""
    root, *_ = imagenet_tree
    kit = make_devkit(tmp_path / "ILSVRC2012_devkit_t12", DEVKIT_CLASSES, ground_truth=[1, 2, 3])
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(tmp_path / "out"), "--devkit", str(kit),
                                       "--size", "12", "--workers", "0"])
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert data.labels("val").tolist() == [2, 0, 1]
    assert [entry["name"] for entry in data.classes] == ["tench, Tinca tinca", "dog", "chainlink fence"]
    pixels = _pixels(data.images("val", np.arange(3)))
    for got, want in zip(pixels, [(250, 250, 10), (10, 10, 10), (99, 0, 99)]):  # val_00000001..3 in order
        assert max(abs(a - b) for a, b in zip(got, want)) <= 3, (got, want)


@pytest.mark.parametrize("ground_truth,message", [
    ([1, 4, 2],
     r"ILSVRC2012_validation_ground_truth\.txt:2: expected an ILSVRC2012_ID of meta\.mat's 3 classes, got '4'"),
    ([1, "x"], r"ground_truth\.txt:2: expected an ILSVRC2012_ID"),
], ids=["unknown-id", "not-a-number"])
def test_a_bad_ground_truth_line_is_bad_data(imagenet_tree, tmp_path, make_devkit, ground_truth, message):
    root, *_ = imagenet_tree
    kit = make_devkit(tmp_path / "kit", DEVKIT_CLASSES, ground_truth=ground_truth)
    with pytest.raises(dataset.DatasetError, match=message):
        importers.import_imagenet(root, tmp_path / "out", devkit=kit, size=12, workers=0)


def test_a_devkit_class_without_train_folder_is_named(imagenet_tree, tmp_path, make_devkit):
    root, *_ = imagenet_tree
    kit = make_devkit(tmp_path / "kit", DEVKIT_CLASSES + (("n04000000", "gizmo"),), ground_truth=[4, 1])
    with pytest.raises(dataset.DatasetError, match=r"validation classes with no folder in .*train: n04000000"):
        importers.import_imagenet(root, tmp_path / "out", devkit=kit, size=12, workers=0)


def test_a_meta_mat_that_is_not_one_is_bad_data(imagenet_tree, tmp_path, make_devkit):
    root, *_ = imagenet_tree
    kit = make_devkit(tmp_path / "kit", DEVKIT_CLASSES, ground_truth=[1])
    (kit / "data" / "meta.mat").write_bytes(b"MATLAB 5.0 MAT-file, but then garbage" * 10)
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(tmp_path / "out"), "--devkit", str(kit)])
    assert result.exit_code == 65, result.output
    assert "meta.mat: not the devkit's meta.mat" in result.output and "Traceback" not in result.output


def test_without_scipy_the_devkit_asks_for_the_extra(imagenet_tree, tmp_path, monkeypatch):
    root, *_ = imagenet_tree
    kit = tmp_path / "kit" / "data"
    kit.mkdir(parents=True)
    (kit / "meta.mat").write_bytes(b"x")
    (kit / "ILSVRC2012_validation_ground_truth.txt").write_text("1\n")
    monkeypatch.setitem(sys.modules, "scipy", None)  # import scipy now raises ImportError
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(tmp_path / "out"),
                                       "--devkit", str(kit.parent)])
    assert result.exit_code == 1, result.output
    assert "needs SciPy: pip install 'minitransfer[devkit]'" in result.output and "Traceback" not in result.output


def test_is_a_with_names_that_are_not_wnids_is_a_usage_error(tmp_path, imagenet_tree, image_bytes, write_files):
    *_, is_a = imagenet_tree
    write_files(tmp_path / "photos", {"cat/1.png": image_bytes((1, 2, 3), kind="PNG"),
                                      "dog/1.png": image_bytes((3, 2, 1), kind="PNG")})
    result = CliRunner().invoke(main, ["prepare", "folder", str(tmp_path / "photos"), str(tmp_path / "out"), "--is-a",
                                       str(is_a), "--val-fraction", "0"])
    assert result.exit_code == 2, result.output
    assert ("--is-a needs WordNet ids (like n01440764) as class names, and 2 of the 2 are not: 'cat', 'dog'"
            in result.output)


def test_an_is_a_file_that_places_no_family_is_bad_data(imagenet_tree, tmp_path):
    root, labels, _, is_a = imagenet_tree
    is_a.write_text("n00004475 n01440764\n")  # n02084071 and n03000134 under neither root
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(tmp_path / "out"), "--val-labels",
                                       str(labels), "--is-a", str(is_a)])
    assert result.exit_code == 65, result.output
    assert f"{is_a}: wordnet: 2 classes descend from neither" in result.output and "Traceback" not in result.output


def test_an_empty_class_folder_is_not_imported_as_an_empty_class(imagenet_tree, tmp_path, monkeypatch):
    """Named before anything is decoded (ImageNet decodes for hours): it was named after."""
    root, labels, *_ = imagenet_tree
    (root / "train" / "n09999999").mkdir()
    monkeypatch.setattr(imagenet, "build_dataset", lambda *args, **kwargs: pytest.fail("decoding started"))
    with pytest.raises(dataset.DatasetError, match=r"train: 1 class folder\(s\) without an image file \(.jpeg, .jpg, "
                                                   r".png\): n09999999$"):
        importers.import_imagenet(root, tmp_path / "out", size=12, workers=0, val_labels=labels)
    assert not (tmp_path / "out" / "meta.json").exists()


@pytest.mark.parametrize("lost", [1, 2], ids=["one", "two"])
def test_a_class_folder_linked_to_nothing_is_bad_data_not_a_class_missing(imagenet_tree, tmp_path, monkeypatch, lost):
    """train/<wnid> a link to a drive not mounted (ImageNet spread over disks) was passed over as not a folder:
    the dataset lacked that class without a word, and --val-labels' labels after it named the next class."""
    root, labels, *_ = imagenet_tree
    for number in range(lost):
        (root / "train" / f"n0999999{number}").symlink_to(tmp_path / "unmounted" / f"n0999999{number}")
    (root / "train" / "README").symlink_to(tmp_path / "unmounted" / "README")  # not a class: passed over
    monkeypatch.setattr(imagenet, "build_dataset", lambda *args, **kwargs: pytest.fail("decoding started"))
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(tmp_path / "out"), "--val-labels",
                                       str(labels), "--size", "12", "--workers", "0"])
    assert result.exit_code == 65, result.output
    more = " (and 1 more: n09999991)" if lost == 2 else ""
    assert (f"{root / 'train' / 'n09999990'}: a link to {tmp_path / 'unmounted' / 'n09999990'}, which does not exist "
            f"(moved? on a drive not mounted?){more}: its class would be missing from the dataset; mount or restore "
            f"it, or remove the link") in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


@pytest.mark.parametrize("hidden", [False, True], ids=["alone", "beside-a-hidden-folder"])
def test_a_train_folder_of_one_class_is_refused_before_decoding(imagenet_tree, tmp_path, monkeypatch, hidden):
    """It was imported (exit 0), a dataset no training can use; 'prepare folder' refuses a tree of one class."""
    root, *_ = imagenet_tree
    for wnid in WNIDS[1:]:
        shutil.rmtree(root / "train" / wnid)
    shutil.rmtree(root / "val")
    if hidden:
        (root / "train" / ".ipynb_checkpoints").mkdir()
    monkeypatch.setattr(imagenet, "build_dataset", lambda *args, **kwargs: pytest.fail("decoding started"))
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(tmp_path / "out"), "--size", "12",
                                       "--workers", "0"])
    assert result.exit_code == 65, result.output
    assert (f"{root / 'train'}: one class folder, '{WNIDS[0]}'; ILSVRC2012's train/ must hold one folder per class "
            f"(train/<wnid>/*.JPEG), two or more: a classifier tells classes apart") in " ".join(result.output.split())
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_bad_val_label_line_is_bad_data(imagenet_tree, tmp_path):
    root, labels, *_ = imagenet_tree
    labels.write_text("ILSVRC2012_val_00000001.JPEG 3\n")
    with pytest.raises(dataset.DatasetError, match=r"val.txt:1"):
        importers.import_imagenet(root, tmp_path / "out", val_labels=labels, size=12, workers=0)


def test_rerun_skips_finished_shards_and_rebuilds_missing_ones(imagenet_tree, tmp_path):
    root, labels, *_ = imagenet_tree
    out = tmp_path / "out"
    first = importers.import_imagenet(root, out, val_labels=labels, size=12, workers=0, shard_length=2)
    kept = out / "train-00000.h5"
    kept_stamp = kept.stat().st_mtime_ns, kept.stat().st_ino
    (out / "train-00001.h5").unlink()
    (out / "meta.json").unlink()  # as after an interrupted import
    (out / ".train-00001.h5.tmp-99999").write_bytes(b"half-written")
    again = importers.import_imagenet(root, out, val_labels=labels, size=12, workers=0, shard_length=2)
    assert (kept.stat().st_mtime_ns, kept.stat().st_ino) == kept_stamp
    assert again.meta["subsets"] == first.meta["subsets"]  # same counts and sha256
    assert not list(out.glob(".*.tmp-*"))
    different = importers.import_imagenet(root, out, val_labels=labels, size=6, workers=0, shard_length=2,
                                          overwrite=True)
    assert different.image_size == (6, 6)  # a changed plan rebuilds instead of reusing stale shards
    different.verify()


def _write_tiny_zip(path, first=(250, 0, 0)):
    """tiny-imagenet-200.zip: 2 classes x 2 training images (one grayscale, the first of colour
    ``first``), 2 validation images."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tiny-imagenet-200/wnids.txt", "n02084071\nn01440764\n")
        archive.writestr("tiny-imagenet-200/words.txt",
                         "n01440764\ttench, Tinca tinca\nn02084071\tdog\nn09999999\tother\n")
        archive.writestr("tiny-imagenet-200/train/n01440764/images/n01440764_0.JPEG", _jpeg(first, size=(64, 64)))
        archive.writestr("tiny-imagenet-200/train/n01440764/images/n01440764_1.JPEG",
                         _jpeg(140, mode="L", size=(64, 64)))
        archive.writestr("tiny-imagenet-200/train/n01440764/n01440764_boxes.txt", "n01440764_0.JPEG\t0\t0\t63\t63\n")
        archive.writestr("tiny-imagenet-200/train/n02084071/images/n02084071_0.JPEG", _jpeg((0, 250, 0), size=(64, 64)))
        archive.writestr("tiny-imagenet-200/train/n02084071/images/n02084071_1.JPEG", _jpeg((0, 0, 250), size=(64, 64)))
        archive.writestr("tiny-imagenet-200/val/val_annotations.txt",
                         "val_0.JPEG\tn02084071\t0\t0\t63\t63\nval_1.JPEG\tn01440764\t1\t2\t40\t50\n")
        archive.writestr("tiny-imagenet-200/val/images/val_0.JPEG", _jpeg((5, 5, 200), size=(64, 64)))
        archive.writestr("tiny-imagenet-200/val/images/val_1.JPEG", _jpeg((200, 5, 5), size=(64, 64)))


@pytest.fixture
def tiny_zip(tmp_path):
    path = tmp_path / "tiny-imagenet-200.zip"
    _write_tiny_zip(path)
    return path


@pytest.mark.parametrize("unpacked", [False, True], ids=["zip", "folder"])
def test_tiny_imagenet_import(tiny_zip, tmp_path, unpacked):
    source = tiny_zip
    if unpacked:
        with zipfile.ZipFile(tiny_zip) as archive:
            archive.extractall(tmp_path / "unpacked")
        source = tmp_path / "unpacked" / "tiny-imagenet-200"
    data = importers.import_tiny_imagenet(source, tmp_path / "out", size=64, workers=0)
    assert [(entry["wnid"], entry["name"]) for entry in data.classes] == [
        ("n01440764", "tench, Tinca tinca"), ("n02084071", "dog")]
    assert data.labels("train").tolist() == [0, 0, 1, 1]
    assert data.labels("val").tolist() == [1, 0]
    expected = [(250, 0, 0), (140, 140, 140), (0, 250, 0), (0, 0, 250)]
    for got, want in zip(_pixels(data.images("train", np.arange(4))), expected):
        assert max(abs(a - b) for a, b in zip(got, want)) <= 3, (got, want)
    assert data.meta["skipped"] == []


def test_an_archive_replaced_between_two_imports_in_one_process_is_read_anew(tiny_zip, tmp_path):
    """A notebook imports a zip, downloads it again (a new file at the same path) and imports it
    again, decoding in its own process (workers=0): the second import reads the new archive."""
    importers.import_tiny_imagenet(tiny_zip, tmp_path / "first", size=64, workers=0)
    replacement = tmp_path / "download.zip"
    _write_tiny_zip(replacement, first=(0, 200, 200))
    os.replace(replacement, tiny_zip)
    data = importers.import_tiny_imagenet(tiny_zip, tmp_path / "second", size=64, workers=0)
    got = _pixels(data.images("train", np.arange(1)))[0]
    assert max(abs(a - b) for a, b in zip(got, (0, 200, 200))) <= 3, got


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


@pytest.mark.parametrize("option", ["--words", "--val-labels"])
def test_a_text_file_that_is_not_utf8_is_bad_data_naming_it(imagenet_tree, tmp_path, option):
    root, labels, *_ = imagenet_tree
    bad = tmp_path / "binary.txt"
    bad.write_bytes(b"n01440764 t\xe9nch\n\x00\xff\xfe")
    extra = [option, str(bad)] + (["--val-labels", str(labels)] if option == "--words" else [])
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(tmp_path / "out"), "--size", "12",
                                       "--workers", "0", *extra])
    assert result.exit_code == 65, result.output
    assert f"{bad}: " in result.output and "is not UTF-8 text" in result.output
    assert not (tmp_path / "out").exists()


def test_text_files_may_start_with_a_byte_order_mark(imagenet_tree, tmp_path):
    root, labels, *_ = imagenet_tree
    words = tmp_path / "words.txt"
    words.write_bytes("\ufeffn01440764 tench\nn02084071 dog\n".encode())
    labels.write_bytes(b"\xef\xbb\xbf" + labels.read_bytes())
    data = importers.import_imagenet(root, tmp_path / "out", val_labels=labels, words=words, size=12, workers=0)
    assert [entry["name"] for entry in data.classes][:2] == ["tench", "dog"]


def test_an_unpacked_tiny_imagenet_with_words_not_utf8_is_bad_data(tiny_zip, tmp_path):
    with zipfile.ZipFile(tiny_zip) as archive:
        archive.extractall(tmp_path / "unpacked")
    source = tmp_path / "unpacked" / "tiny-imagenet-200"
    (source / "words.txt").write_bytes(b"n01440764\tt\xe9nch\n")
    with pytest.raises(dataset.DatasetError, match=f"{source / 'words.txt'}: words.txt is not UTF-8 text"):
        importers.import_tiny_imagenet(source, tmp_path / "out", size=64, workers=0)


def test_an_image_folder_not_utf8_under_train_is_left_out_named_escaped(imagenet_tree, tmp_path, image_bytes, capsys):
    """Not a wnid, so no class of ILSVRC2012 (see the test below); its name, stored in meta.json and printed, is
    escaped."""
    root, labels, *_ = imagenet_tree
    folder = os.fsencode(root / "train") + b"/n0\xe9"
    os.mkdir(folder)
    with open(folder + b"/x.JPEG", "wb") as stream:
        stream.write(image_bytes((1, 2, 3)))
    data = importers.import_imagenet(root, tmp_path / "out", val_labels=labels, size=12, workers=0)
    assert [entry["wnid"] for entry in data.classes] == list(WNIDS)
    assert data.meta["excluded_classes"] == [{"name": "n0\\xe9", "reason": importers.NOT_A_WNID}]
    assert "left out, not imported as classes: n0\\xe9\n" in capsys.readouterr().err


@pytest.mark.parametrize("strays", [("backup",), ("My Photos", "n01440764 copy")], ids=["one", "two"])
def test_folders_in_train_not_named_as_wnids_are_left_out_and_warned_of_not_classes(imagenet_tree, tmp_path,
                                                                                     image_bytes, strays):
    """A stray 'backup' folder in train/ was imported as a class: a dataset of 1001 classes, and with
    --val-labels (labels in sorted-wnid order) every validation label after it one class off. ILSVRC2012's
    classes are its wnids: the folder is left out, warned of before decoding and listed in meta.json."""
    root, labels, *_ = imagenet_tree
    for stray in strays:
        (root / "train" / stray).mkdir()
        (root / "train" / stray / "mine.JPEG").write_bytes(image_bytes((5, 5, 5)))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(out), "--val-labels", str(labels),
                                       "--size", "12", "--workers", "0"])
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(out)
    assert [entry["wnid"] for entry in data.classes] == list(WNIDS)
    assert data.labels("val").tolist() == [2, 0, 1] and data.num_images("train") == 5
    shown = " ".join(sorted(strays))
    assert result.output.startswith(f"warning: {root / 'train'}: {len(strays)} folder(s) not named as wnids (n + 8 "
                                    f"digits) left out, not imported as classes: {shown}\n"), result.output
    assert all(f"left out class {stray!r}: not named as a wnid" in result.output for stray in strays)
    assert data.meta["excluded_classes"] == [{"name": stray, "reason": importers.NOT_A_WNID}
                                             for stray in sorted(strays)]


def test_a_train_folder_of_folders_not_named_as_wnids_points_to_prepare_folder(imagenet_tree, tmp_path, monkeypatch):
    root, *_ = imagenet_tree
    for number, wnid in enumerate(WNIDS):
        (root / "train" / wnid).rename(root / "train" / f"class {number}")
    monkeypatch.setattr(imagenet, "build_dataset", lambda *args, **kwargs: pytest.fail("decoding started"))
    with pytest.raises(dataset.DatasetError) as error:
        importers.import_imagenet(root, tmp_path / "out", size=12, workers=0)
    assert str(error.value).startswith(
        f"{root / 'train'}: no class folders, but 3 folder(s) not named as wnids (class 0 class 1 class 2): import a "
        f"tree of your own class folders with 'minitransfer prepare folder'; ILSVRC2012's train/")


def _deflated_copy(source, target):
    """The zip ``source`` rewritten with deflate at ``target``."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            copy.writestr(info.filename, original.read(info))
    return target


def _patch_member(path, name, damage):
    """Damage member ``name`` of the zip at ``path``: "deflate" makes its first deflate block
    header an invalid block type (zlib raises); "encrypted" sets its encryption flag, "deflate64"
    its compression method 9, in its local and its central header (zipfile raises)."""
    raw = bytearray(path.read_bytes())
    local = zipfile.ZipFile(path).getinfo(name).header_offset
    central = raw.rindex(name.encode()) - 46  # the central directory comes last, the name 46 bytes into an entry
    if damage == "deflate":
        name_length, extra_length = struct.unpack_from("<HH", raw, local + 26)
        raw[local + 30 + name_length + extra_length] = 0xFF  # BFINAL 1, BTYPE 3: reserved
    elif damage == "encrypted":
        for field in (local + 6, central + 8):
            raw[field] |= 0x01
    else:
        for field in (local + 8, central + 10):
            struct.pack_into("<H", raw, field, 9)
    path.write_bytes(bytes(raw))


TRAIN_IMAGE = "tiny-imagenet-200/train/n01440764/images/n01440764_0.JPEG"


@pytest.mark.parametrize("member,damage,workers,message", [
    ("tiny-imagenet-200/val/val_annotations.txt", "deflate", 0,
     "tiny.zip:tiny-imagenet-200/val/val_annotations.txt: damaged archive (Error -3 while decompressing data: "
     "invalid block type)"),
    ("tiny-imagenet-200/wnids.txt", "encrypted", 0,
     "tiny.zip:tiny-imagenet-200/wnids.txt: encrypted (password-protected)"),
    (TRAIN_IMAGE, "encrypted", 0, f"tiny.zip:{TRAIN_IMAGE}: encrypted (password-protected)"),
    (TRAIN_IMAGE, "encrypted", 2, f"tiny.zip:{TRAIN_IMAGE}: encrypted (password-protected)"),
    (TRAIN_IMAGE, "deflate64", 0, f"tiny.zip:{TRAIN_IMAGE}: That compression method is not supported: unpack the"),
    (TRAIN_IMAGE, "deflate64", 2, f"tiny.zip:{TRAIN_IMAGE}: That compression method is not supported: unpack the"),
], ids=["annotations-damaged", "wnids-encrypted", "image-encrypted", "image-encrypted-in-a-worker", "image-deflate64",
        "image-deflate64-in-a-worker"])
def test_an_archive_member_that_cannot_be_read_is_bad_data_naming_it(tiny_zip, tmp_path, member, damage, workers,
                                                                      message):
    path = _deflated_copy(tiny_zip, tmp_path / "tiny.zip")
    _patch_member(path, member, damage)
    result = CliRunner().invoke(main, ["prepare", "tiny-imagenet", str(path), str(tmp_path / "out"), "--size", "12",
                                       "--workers", str(workers)])
    assert result.exit_code == 65, result.output
    assert f"error: bad data: {tmp_path}/{message}" in result.output


def test_a_damaged_member_stops_the_import_naming_it(tiny_zip, tmp_path):
    """Damage of the archive itself is the download's, not one image's: it stops the import (as CIFAR's does)."""
    path = _deflated_copy(tiny_zip, tmp_path / "tiny.zip")
    _patch_member(path, TRAIN_IMAGE, "deflate")
    with pytest.raises(archives.ArchiveDamaged) as raised:
        importers.import_tiny_imagenet(path, tmp_path / "out", size=12, workers=0)
    assert str(raised.value) == (
        f"{path}:{TRAIN_IMAGE}: damaged archive (Error -3 while decompressing data: invalid block type): "
        f"the download is incomplete or damaged ({path.stat().st_size} bytes): download tiny.zip again")


LABELLED = ("ILSVRC2012_val_00000001.JPEG 2\nILSVRC2012_val_00000002.JPEG 0\nILSVRC2012_val_00000003.JPEG 1\n")


@pytest.mark.parametrize("labels,message", [
    (LABELLED.rsplit("ILSVRC2012_val_00000003", 1)[0],
     r"val: 1 image file\(s\) without a label in .*val\.txt: ILSVRC2012_val_00000003\.JPEG \(they would be left out"),
    (LABELLED + "ILSVRC2012_val_00000004.JPEG 1\n",
     r"val\.txt labels 1 file\(s\) that .*/val lacks: ILSVRC2012_val_00000004\.JPEG"),
    ("".join(f"val/{line}\n" for line in LABELLED.splitlines()),
     r"val\.txt labels 3 file\(s\) that .*/val lacks: val/ILSVRC2012_val_00000001\.JPEG val/ILSVRC2012_val_000000"),
    (LABELLED + "ILSVRC2012_val_00000001.JPEG 1\n", r"val\.txt:4: ILSVRC2012_val_00000001\.JPEG is labelled on line 1 "
                                                    r"already"),
], ids=["an-image-unlabelled", "a-labelled-file-missing", "names-with-a-folder", "a-file-labelled-twice"])
def test_val_labels_that_do_not_match_val_are_bad_data_before_decoding(imagenet_tree, tmp_path, labels, message):
    """A shorter list dropped the images it left out without a word, a longer one (or one whose names
    carry a folder) had its files skipped only after every image was decoded, a repeated line imported
    an image twice."""
    root, labels_file, *_ = imagenet_tree
    labels_file.write_text(labels)
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(tmp_path / "out"), "--val-labels",
                                       str(labels_file), "--size", "12", "--workers", "0"])
    assert result.exit_code == 65, result.output
    assert re.search(message, result.output) and "Traceback" not in result.output, result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("ground_truth,message", [
    ([1, 2], r"val: 1 image file\(s\) without a label in .*ILSVRC2012_validation_ground_truth\.txt: "
             r"ILSVRC2012_val_00000003\.JPEG"),
    ([1, 2, 3, 1], r"ground_truth\.txt labels 1 file\(s\) that .*/val lacks: ILSVRC2012_val_00000004\.JPEG"),
], ids=["fewer-lines-than-images", "more-lines-than-images"])
def test_a_devkit_ground_truth_that_does_not_match_val_is_bad_data(imagenet_tree, tmp_path, make_devkit, ground_truth,
                                                                    message):
    root, *_ = imagenet_tree
    kit = make_devkit(tmp_path / "kit", DEVKIT_CLASSES, ground_truth=ground_truth)
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(tmp_path / "out"), "--devkit", str(kit),
                                       "--size", "12", "--workers", "0"])
    assert result.exit_code == 65, result.output
    assert re.search(message, result.output), result.output
    assert not (tmp_path / "out").exists()


ANNOTATED = "val_0.JPEG\tn02084071\t0\t0\t63\t63\nval_1.JPEG\tn01440764\t1\t2\t40\t50\n"


def prepare_tiny_annotated(tmp_path, annotations, unpacked):
    """``prepare tiny-imagenet`` of a Tiny ImageNet zip whose val_annotations.txt holds ``annotations``,
    given as the zip or (``unpacked``) the folder it unpacks to: (the SOURCE given, the CLI's result)."""
    _write_tiny_zip(tmp_path / "tiny.zip")
    source = tmp_path / "edited.zip"
    with zipfile.ZipFile(tmp_path / "tiny.zip") as original, zipfile.ZipFile(source, "w") as edited:
        for info in original.infolist():
            edited.writestr(info, annotations if info.filename.endswith("val_annotations.txt") else original.read(info))
    if unpacked:
        with zipfile.ZipFile(source) as archive:
            archive.extractall(tmp_path / "unpacked")
        source = tmp_path / "unpacked"
    return source, CliRunner().invoke(main, ["prepare", "tiny-imagenet", str(source), str(tmp_path / "out"), "--size",
                                             "12", "--workers", "0"])


@pytest.mark.parametrize("unpacked", [False, True], ids=["zip", "folder"])
@pytest.mark.parametrize("annotations,message", [
    (ANNOTATED.splitlines(keepends=True)[0], r"images: 1 image file\(s\) without a label in .*val_annotations\.txt: "
                                             r"val_1\.JPEG"),
    (ANNOTATED + "val_2.JPEG\tn01440764\t1\t2\t40\t50\n",
     r"val_annotations\.txt labels 1 file\(s\) that .*images lacks: val_2\.JPEG"),
    (ANNOTATED + "val_0.JPEG\tn01440764\t1\t2\t40\t50\n", r"val_annotations\.txt:3: val_0\.JPEG is labelled on line 1 "
                                                          r"already"),
], ids=["an-image-unlabelled", "a-labelled-file-missing", "a-file-labelled-twice"])
def test_tiny_imagenet_annotations_that_do_not_match_the_images_are_bad_data(tmp_path, unpacked, annotations, message):
    _, result = prepare_tiny_annotated(tmp_path, annotations, unpacked)
    assert result.exit_code == 65, result.output
    assert re.search(message, result.output), result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("packed", [(WNIDS[2],), WNIDS], ids=["one-class", "every-class"])
def test_class_archives_left_packed_in_train_are_bad_data_not_missing_classes(imagenet_tree, tmp_path, packed):
    """ILSVRC2012_img_train.tar holds one tar per class: those an interrupted unpacking loop left were
    classes missing from the dataset without a word (or 'no class folders' when none was unpacked)."""
    root, *_ = imagenet_tree
    (root / "val").rename(tmp_path / "val-elsewhere")
    for wnid in packed:
        with tarfile.open(root / "train" / f"{wnid}.tar", "w") as archive:
            archive.add(root / "train" / wnid, arcname=".")
        shutil.rmtree(root / "train" / wnid)
    if WNIDS[0] not in packed:
        (root / "train" / f"{WNIDS[0]}.tar").touch()  # kept beside its unpacked folder: not in the way
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(tmp_path / "out"), "--size", "12",
                                       "--workers", "0"])
    assert result.exit_code == 65, result.output
    listed = " ".join(f"{wnid}.tar" for wnid in packed)
    assert f"{root / 'train'}: {len(packed)} class archive(s) not unpacked: {listed}" in result.output, result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("where", ["in-train", "beside-train", "images-in-train"])
def test_a_training_archive_not_unpacked_is_bad_data_saying_how_to_unpack_it(imagenet_tree, tmp_path, where):
    """ILSVRC2012_img_train.tar (of class tars) left packed in train/ or beside it, or the class tars unpacked
    all into train/ itself: it said only 'train: no class folders' or 'train: missing'."""
    root, labels, *_ = imagenet_tree
    train = root / "train"
    if where == "images-in-train":
        for image in sorted(train.glob("*/*.JPEG")):
            image.rename(train / image.name)
        for wnid in WNIDS:
            (train / wnid).rmdir()
    else:
        packed = tmp_path / "ILSVRC2012_img_train.tar"
        with tarfile.open(packed, "w") as archive:
            archive.add(train, arcname=".")
        shutil.rmtree(train)
        if where == "in-train":
            train.mkdir()
        packed.rename((train if where == "in-train" else root) / packed.name)
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(tmp_path / "out"), "--val-labels",
                                       str(labels), "--size", "12", "--workers", "0"])
    assert result.exit_code == 65, result.output
    message = " ".join(result.output.split())
    if where == "images-in-train":
        assert (f"{train}: no class folders; it holds 6 image file(s) itself (n01440764_1.JPEG n01440764_2.JPEG "
                f"n02084071_1.JPEG ...): each class's belong in train/<wnid>/, where its tar unpacks") in message
    else:
        found = (f"{train}: no class folders; {train}" if where == "in-train"
                 else f"{train}: missing (expected ILSVRC2012 train/<wnid>/*.JPEG); {root}")
        assert (f"{found} holds ILSVRC2012_img_train.tar: unpack the training archive (ILSVRC2012_img_train.tar) "
                f"into train/, then each class tar it holds into its folder, train/<wnid>/") in message, message
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_a_ground_truth_ending_in_blank_lines_is_read_and_one_with_a_gap_refused(imagenet_tree, tmp_path, make_devkit):
    """Blank lines after the last label (an editor's, a copy's) shift nothing; one between labels would."""
    root, *_ = imagenet_tree
    kit = make_devkit(tmp_path / "kit", DEVKIT_CLASSES, ground_truth=[1, 2, 3])
    ground_truth = kit / "data" / "ILSVRC2012_validation_ground_truth.txt"
    ground_truth.write_bytes(b"1\r\n2\r\n3\r\n\r\n \n")
    data = importers.import_imagenet(root, tmp_path / "out", devkit=kit, size=12, workers=0)
    assert data.labels("val").tolist() == [2, 0, 1]
    ground_truth.write_bytes(b"1\n\n2\n3\n")
    with pytest.raises(dataset.DatasetError, match=r"ground_truth\.txt:2: expected an ILSVRC2012_ID .*, got ''"):
        importers.import_imagenet(root, tmp_path / "out-2", devkit=kit, size=12, workers=0)


def test_tiny_imagenets_words_separated_by_blanks_give_the_class_names(tiny_zip, tmp_path):
    """words.txt is tab-separated; one rewritten with spaces (an editor, a copy from a web page) gave
    every class its wnid as name, silently; ImageNet's words files were read either way."""
    with zipfile.ZipFile(tiny_zip) as archive:
        archive.extractall(tmp_path / "unpacked")
    source = tmp_path / "unpacked" / "tiny-imagenet-200"
    (source / "words.txt").write_text("n01440764   tench, Tinca tinca\r\nn02084071 dog\r\n")
    data = importers.import_tiny_imagenet(source, tmp_path / "out", size=64, workers=0)
    assert [entry["name"] for entry in data.classes] == ["tench, Tinca tinca", "dog"]


@pytest.mark.parametrize("source", ["words", "tiny-zip", "tiny-folder", "devkit"])
def test_a_class_name_holding_a_control_character_is_bad_data_naming_the_line(imagenet_tree, tiny_zip, tmp_path,
                                                                               make_devkit, source):
    """An ESC in a words.txt name was stored in meta.json and printed raw (recolouring the terminal) by the
    messages naming classes; a class folder named so is refused. A line naming no class of the dataset
    may hold anything (ImageNet's words.txt lists all of WordNet)."""
    root, labels, *_ = imagenet_tree
    words = b"n09999999\tother\x07\nn01440764\ttench\x1b[31m red\nn02084071\tdog\n"
    out, where = tmp_path / "out", "words.txt:2"
    if source == "words":
        (tmp_path / "words.txt").write_bytes(words)
        command = ["imagenet", root, out, "--val-labels", labels, "--words", tmp_path / "words.txt"]
    elif source == "devkit":
        kit = make_devkit(tmp_path / "kit", (("n03000134", "fence"), ("n01440764", "tench\x1b[31m"),
                                             ("n02084071", "dog")), ground_truth=[1, 2, 3])
        command, where = ["imagenet", root, out, "--devkit", kit], "meta.mat"
    else:
        with zipfile.ZipFile(tiny_zip) as archive, zipfile.ZipFile(tmp_path / "edited.zip", "w") as edited:
            for info in archive.infolist():
                edited.writestr(info, words if info.filename.endswith("words.txt") else archive.read(info))
        command = ["tiny-imagenet", tmp_path / "edited.zip", out]
        if source == "tiny-folder":
            with zipfile.ZipFile(tmp_path / "edited.zip") as archive:
                archive.extractall(tmp_path / "unpacked")
            command[1] = tmp_path / "unpacked" / "tiny-imagenet-200"
    result = CliRunner().invoke(main, ["prepare", *map(str, command), "--size", "12", "--workers", "0"])
    assert result.exit_code == 65, result.output
    assert f"{where}: the name of class n01440764 holds a control character (\\x1b): remove it" in result.output
    messages = [line for line in result.output.splitlines() if not re.fullmatch(r".*: \d+/\d+ \(\d+%\)", line)]
    assert "\x1b" not in result.output and len(messages) == 1, result.output  # progress lines aside
    assert not out.exists()


def _recorded(path):
    """How a refusal names the file ``path`` recorded by a rerun's options: its path and its sha256's start."""
    return f"{str(path)!r} (sha256 {hashlib.sha256(path.read_bytes()).hexdigest()[:12]})"


@pytest.mark.parametrize("option", ["--words", "--is-a"])
@pytest.mark.parametrize("change", ["edited", "left out"])
def test_an_imagenet_rerun_with_another_words_or_is_a_file_is_refused_naming_it(imagenet_tree, tmp_path, tree_state,
                                                                                option, change):
    """Neither was recorded: such a rerun rewrote the class names or families in meta.json, changing the
    fingerprint of the dataset under the runs trained on it, which then refused to resume."""
    root, labels, words, is_a = imagenet_tree
    given = {"--words": words, "--is-a": is_a}
    out = tmp_path / "out"
    options = {"val_labels": labels, "words": words, "is_a": is_a, "size": 8, "workers": 0}
    importers.import_imagenet(root, out, **options)
    before, old = tree_state(out), _recorded(given[option])
    key = option[2:].replace("-", "_")
    if change == "edited":
        given[option].write_text(given[option].read_text().replace("n00004475 n02084071", "n00021939 n02084071")
                                 .replace("dog, domestic dog", "hound"))
        expected = f"{option} {old}, now {_recorded(given[option])}"
    else:
        options[key] = None
        expected = f"{option} {old}, now not given"
    with pytest.raises(ValueError, match=re.escape(f"other options ({expected}): pass --overwrite")):
        importers.import_imagenet(root, out, **options)
    assert tree_state(out) == before
    importers.import_imagenet(root, out, **options, overwrite=True)
    assert tree_state(out) != before


@pytest.mark.parametrize("change", ["given", "edited"])
def test_a_tiny_imagenet_rerun_with_another_is_a_file_is_refused_naming_it(tiny_zip, tmp_path, tree_state, change):
    is_a = tmp_path / "is_a.txt"
    is_a.write_text("n00021939 n01440764\nn00004475 n02084071\n")  # the tench man-made (one family is refused)
    out = tmp_path / "out"
    importers.import_tiny_imagenet(tiny_zip, out, is_a=is_a if change == "edited" else None, size=12, workers=0)
    before, old = tree_state(out), _recorded(is_a) if change == "edited" else "not given"
    is_a.write_text("n00004475 n01440764\nn00021939 n02084071\n")  # the tench natural, the dog man-made
    with pytest.raises(ValueError, match=re.escape(f"(--is-a {old}, now {_recorded(is_a)}): pass --overwrite")):
        importers.import_tiny_imagenet(tiny_zip, out, is_a=is_a, size=12, workers=0)
    assert tree_state(out) == before
    data = importers.import_tiny_imagenet(tiny_zip, out, is_a=is_a, size=12, workers=0, overwrite=True)
    assert [entry["family"] for entry in data.classes] == ["natural", "man-made"]


def test_a_tiny_imagenet_rerun_after_its_words_txt_was_edited_is_refused_naming_it(tiny_zip, tmp_path, tree_state):
    """The class names come from SOURCE's words.txt: edited in an unpacked tree, a rerun renamed the
    classes (and changed the dataset's fingerprint under the runs trained on it) without a word."""
    with zipfile.ZipFile(tiny_zip) as archive:
        archive.extractall(tmp_path / "unpacked")
    source, out = tmp_path / "unpacked" / "tiny-imagenet-200", tmp_path / "out"
    importers.import_tiny_imagenet(source, out, size=12, workers=0)
    before = tree_state(out)
    importers.import_tiny_imagenet(source, out, size=12, workers=0)
    assert tree_state(out) == before
    words = source / "words.txt"
    words.write_text(words.read_text().replace("\tdog", "\thound"))
    with pytest.raises(ValueError, match=re.escape(f"(SOURCE's words.txt {str(words)!r} (sha256 ")):
        importers.import_tiny_imagenet(source, out, size=12, workers=0)
    assert tree_state(out) == before
    data = importers.import_tiny_imagenet(source, out, size=12, workers=0, overwrite=True)
    assert [entry["name"] for entry in data.classes] == ["tench, Tinca tinca", "hound"]


def test_an_unchanged_rerun_writes_nothing_and_one_of_a_dataset_recording_no_words_or_is_a_is_not_refused(
        imagenet_tree, tmp_path, tree_state, as_prepared_before_meta_digest):
    """A dataset prepared before --words and --is-a were recorded reruns as before, and keeps its meta.json."""
    root, labels, words, is_a = imagenet_tree
    out = tmp_path / "out"
    options = {"val_labels": labels, "words": words, "is_a": is_a, "size": 8, "workers": 0}
    importers.import_imagenet(root, out, **options)
    before = tree_state(out)
    importers.import_imagenet(root, out, **options)
    assert tree_state(out) == before
    meta = json.loads((out / "meta.json").read_text())
    del meta["source"]["words"], meta["source"]["is_a"]
    as_prepared_before_meta_digest(out, meta)
    older = tree_state(out)
    importers.import_imagenet(root, out, **options).verify()
    assert tree_state(out) == older
    words.write_text(words.read_text().replace("dog, domestic dog", "hound"))  # not recorded: not compared
    assert importers.import_imagenet(root, out, **options).classes[1]["name"] == "hound"


@pytest.fixture(scope="module")
def kill_sources(tmp_path_factory):
    """One ImageNet tree and one Tiny ImageNet archive for the module's kill tests, so that each importer's
    uninterrupted import runs once, not once per kill point."""
    folder = tmp_path_factory.mktemp("kill-sources")
    _write_tiny_zip(folder / "tiny-imagenet-200.zip")
    return _write_imagenet_tree(folder), folder / "tiny-imagenet-200.zip", {}  # {}: the uninterrupted imports


@pytest.mark.parametrize("importer, path", [("tiny-imagenet", "val-00000.h5"), ("tiny-imagenet", "mean.h5"),
                                            ("imagenet", "train-00001.h5"), ("imagenet", "skipped.txt")])
def test_an_import_killed_then_rerun_writes_the_same_files(kill_sources, tmp_path, importer, path):
    """kill -9 as a shard, skipped.txt or mean.h5 is renamed into place (neither importer extracts anything to
    disk: zip members and files are read where they lie): the rerun leaves the same bytes as an uninterrupted
    import, and no temporary (see tests/test_kill_anywhere.py). ImageNet's tree has an undecodable image."""
    (root, labels, *_), tiny_zip, uninterrupted_imports = kill_sources
    source = ["tiny-imagenet", str(tiny_zip)] if importer == "tiny-imagenet" else ["imagenet", str(root),
                                                                                  "--val-labels", str(labels)]
    arguments = ["prepare", *source, "data", "--size", "12", "--shard-size", "2", "--workers", "2"]
    _import_survives_a_kill(arguments, path, tmp_path, uninterrupted_imports)


@pytest.mark.parametrize("unpacked", [False, True], ids=["zip", "folder"])
@pytest.mark.parametrize("lost", ["val_annotations", "a-class-folder"])
def test_a_tiny_imagenet_missing_a_part_says_to_unpack_it_again(tiny_zip, tmp_path, unpacked, lost):
    """They named the file at fault only: 'val/val_annotations.txt: missing', 'wnids.txt lists 1 class(es)
    without an image in train/<wnid>/images/: n02084071'."""
    gone = "val/val_annotations.txt" if lost == "val_annotations" else "train/n02084071/"
    source = tmp_path / "partial.zip"
    with zipfile.ZipFile(tiny_zip) as original, zipfile.ZipFile(source, "w") as partial:
        for info in original.infolist():
            if not info.filename.startswith(f"tiny-imagenet-200/{gone}"):
                partial.writestr(info, original.read(info))
    if unpacked:
        with zipfile.ZipFile(source) as archive:
            archive.extractall(tmp_path / "unpacked")
        source = tmp_path / "unpacked" / "tiny-imagenet-200"
    result = CliRunner().invoke(main, ["prepare", "tiny-imagenet", str(source), str(tmp_path / "out")])
    assert result.exit_code == 65, result.output
    again = ("unpack tiny-imagenet-200.zip again (an unpacking interrupted?), or give the zip itself as SOURCE"
             if unpacked else f"download tiny-imagenet-200.zip again ({source} lacks part of it)")
    if lost == "val_annotations":
        missing = (f"{source / 'val' / 'val_annotations.txt'}: missing" if unpacked
                   else f"{source}: missing val/val_annotations.txt")
        assert (f"{missing} (it labels val/images/): {again}; a val/ already sorted into class folders (val/<wnid>/) "
                f"needs no labels, and 'minitransfer prepare folder' reads such a tree too\n") in result.output
    else:
        assert f"train/<wnid>/images/: n02084071: {again}\n" in result.output, result.output


@pytest.mark.parametrize("where", ["class-folder", "val"])
def test_a_folder_holding_only_its_tar_says_to_unpack_it_there(imagenet_tree, tmp_path, where):
    """A class folder or val/ holding its archive, not its images: it said 'class folder(s) without an image
    file' or that val/ lacks the labelled files."""
    root, labels, *_ = imagenet_tree
    folder = root / "train" / WNIDS[1] if where == "class-folder" else root / "val"
    with tarfile.open(tmp_path / "images.tar", "w") as archive:
        for image in sorted(folder.iterdir()):
            archive.add(image, image.name)
            image.unlink()
    (tmp_path / "images.tar").rename(folder / "packed.tar")
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(tmp_path / "out"), "--val-labels",
                                       str(labels)])
    assert result.exit_code == 65, result.output
    unpack = f"holds packed.tar: unpack it there (tar -xf {folder / 'packed.tar'} -C {folder})"
    expected = (f"{WNIDS[1]}; {folder} {unpack}" if where == "class-folder"
                else f"{folder}: no image file, but it {unpack}")
    assert expected in result.output, result.output


def test_a_devkit_of_another_year_names_the_files_it_expected_and_found(imagenet_tree, tmp_path):
    root, *_ = imagenet_tree
    kit = tmp_path / "ILSVRC2014_devkit"
    (kit / "data").mkdir(parents=True)
    (kit / "data" / "meta_clsloc.mat").write_bytes(b"x")
    (kit / "data" / "ILSVRC2014_clsloc_validation_ground_truth.txt").write_text("1\n")
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(tmp_path / "out"), "--devkit", str(kit)])
    assert result.exit_code == 65, result.output
    assert (f"{kit / 'data' / 'meta.mat'}: missing (expected the ILSVRC2012 devkit, ILSVRC2012_devkit_t12: "
            f"data/meta.mat and data/ILSVRC2012_validation_ground_truth.txt); {kit} holds "
            f"ILSVRC2014_clsloc_validation_ground_truth.txt meta_clsloc.mat (another year's devkit?): give "
            f"ILSVRC2012_devkit_t12, or pass --val-labels with a '<file> <label>' list instead") in result.output



@pytest.mark.parametrize("removed", ["meta.mat", "ILSVRC2012_validation_ground_truth.txt"])
def test_a_devkit_lacking_one_of_its_files_says_it_is_missing_not_another_year(imagenet_tree, tmp_path, removed):
    """Without data/meta.mat it said the folder "holds ILSVRC2012_validation_ground_truth.txt (another year's
    devkit?)": this year's file, so this devkit in part."""
    root, *_ = imagenet_tree
    kit = tmp_path / "ILSVRC2012_devkit_t12"
    (kit / "data").mkdir(parents=True)
    for name in ("meta.mat", "ILSVRC2012_validation_ground_truth.txt"):
        (kit / "data" / name).write_bytes(b"1\n")
    (kit / "data" / removed).unlink()
    [beside] = [path.name for path in (kit / "data").iterdir()]
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(tmp_path / "out"), "--devkit", str(kit)])
    assert result.exit_code == 65, result.output
    assert result.output.splitlines() == [
        f"error: bad data: {kit / 'data' / removed}: missing, beside {beside} (an unpacking interrupted, or a file "
        f"removed?): unpack ILSVRC2012_devkit_t12.tar.gz again"]

def test_an_imagenet_image_in_two_classes_is_listed_and_warned_of_reading_each_file_once(
        imagenet_tree, tmp_path, monkeypatch):
    """ILSVRC2012 holds images whose bytes lie in two class folders; only 'prepare folder' said so. The ImageNet
    importer now lists them in OUT/copies-across-classes.txt and warns, as 'prepare folder' does, with the
    digests the decoder takes (each file opened once); a rerun reads no file to find them again."""
    root, labels, *_ = imagenet_tree
    shutil.copy(root / "train/n01440764/n01440764_1.JPEG", root / "train/n03000134/n03000134_3.JPEG")
    opened = []
    sha256_file, open_regular_file = fileio.sha256_file, decode.open_regular_file
    monkeypatch.setattr(fileio, "sha256_file", lambda path: opened.append(path) or sha256_file(path))
    monkeypatch.setattr(decode, "open_regular_file", lambda path: opened.append(path) or open_regular_file(path))
    command = ["prepare", "imagenet", str(root), str(tmp_path / "out"), "--val-labels", str(labels), "--size", "12",
               "--workers", "0"]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    listed = [f"1\ttrain\tn01440764\t{root}/train/n01440764/n01440764_1.JPEG",
              f"1\ttrain\tn03000134\t{root}/train/n03000134/n03000134_3.JPEG"]
    assert (tmp_path / "out" / folder.COPIES_FILE).read_text().splitlines() == listed
    assert "warning: 1 image(s) lie in two or more classes" in result.output
    read = [str(path) for path in opened if str(path).startswith(str(root))]
    assert sorted(read) == sorted(set(read)) and len(read) == 10, read  # 7 + 3 validation images, each once
    opened.clear()
    again = CliRunner().invoke(main, command)
    assert again.exit_code == 0 and "warning: 1 image(s)" in again.output, again.output
    assert [path for path in opened if str(path).startswith(str(root))] == []


@pytest.mark.parametrize("unpacked", [False, True], ids=["zip", "folder"])
def test_a_tiny_imagenet_image_in_two_classes_is_listed_and_warned_of(tmp_path, unpacked):
    source = tmp_path / "tiny-imagenet-200.zip"
    _write_tiny_zip(source)
    with zipfile.ZipFile(source, "a") as archive:
        archive.writestr("tiny-imagenet-200/train/n02084071/images/n02084071_2.JPEG",
                         archive.read("tiny-imagenet-200/train/n01440764/images/n01440764_0.JPEG"))
    if unpacked:
        with zipfile.ZipFile(source) as archive:
            archive.extractall(tmp_path / "unpacked")
        source = tmp_path / "unpacked" / "tiny-imagenet-200"
    where = f"{source}:tiny-imagenet-200/" if not unpacked else f"{source}/"
    result = CliRunner().invoke(main, ["prepare", "tiny-imagenet", str(source), str(tmp_path / "out"), "--size", "12",
                                       "--workers", "0"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / folder.COPIES_FILE).read_text().splitlines() == [
        f"1\ttrain\tn01440764\t{where}train/n01440764/images/n01440764_0.JPEG",
        f"1\ttrain\tn02084071\t{where}train/n02084071/images/n02084071_2.JPEG"]
    assert "warning: 1 image(s) lie in two or more classes" in result.output


@pytest.mark.parametrize("labelled", [True, False], ids=["val-labels", "no-labels"])
def test_the_validation_tar_left_packed_beside_a_missing_val_folder_says_to_unpack_it(
        imagenet_tree, tmp_path, tree_state, labelled):
    """ILSVRC2012_img_val.tar beside no val/: 'val: missing' with labels, a train-only dataset without."""
    root, labels, *_ = imagenet_tree
    with tarfile.open(root / "ILSVRC2012_img_val.tar", "w") as archive:
        for path in sorted((root / "val").iterdir()):
            archive.add(path, path.name)
    shutil.rmtree(root / "val")
    before = tree_state(tmp_path)
    result = CliRunner().invoke(main, ["prepare", "imagenet", str(root), str(tmp_path / "out"), "--size", "12",
                                       "--workers", "0", *(["--val-labels", str(labels)] if labelled else [])])
    assert result.exit_code == 65, result.output
    give = "" if labelled else " and give its labels (--devkit DIR or --val-labels FILE)"
    assert (f"{root / 'val'}: missing, but {root} holds ILSVRC2012_img_val.tar: unpack the validation archive into "
            f"val/ (mkdir {root / 'val'} && tar -xf {root / 'ILSVRC2012_img_val.tar'} -C {root / 'val'}){give}, or "
            f"move it away for a train-only dataset\n") in result.output
    assert tree_state(tmp_path) == before
