"""prepare tiny-imagenet and imagenet on the archives and trees real downloads and tools make: a zip
whose member names use Windows' backslashes, a zip updated in place (a member stored twice), an
empty wnids.txt, the whole training tar left beside the class folders."""

import re
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset

WNIDS = ("n01440764", "n02084071")


def _invoke(*args):
    return CliRunner().invoke(main, [*map(str, args)])


def _tiny_files(image_bytes, wnids_text="n02084071\nn01440764\n"):
    """{member: bytes} of a tiny-imagenet-200 with 2 images a class (the red channel 10, 20 / 30, 40)
    and 2 validation images (red 200 of n02084071, 210 of n01440764)."""
    files = {f"train/{wnid}/images/{wnid}_{number}.JPEG": image_bytes((10 * (2 * index + number + 1), 9, 9), (16, 16))
             for index, wnid in enumerate(WNIDS) for number in range(2)}
    files.update({"wnids.txt": wnids_text.encode(), "words.txt": b"n01440764\ttench\nn02084071\tdog\n",
                  "val/val_annotations.txt": b"val_0.JPEG\tn02084071\t0\t0\t9\t9\nval_1.JPEG\tn01440764\t0\t0\t9\t9\n",
                  "val/images/val_0.JPEG": image_bytes((200, 9, 9), (16, 16)),
                  "val/images/val_1.JPEG": image_bytes((210, 9, 9), (16, 16))})
    return files


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


def _reds(data, subset):
    images = data.images(subset, np.arange(data.num_images(subset)))
    return [int(round(float(image[..., 0].mean()))) for image in images]


def _prepare_tiny(source, out, *options):
    return _invoke("prepare", "tiny-imagenet", source, out, "--size", "8", "--workers", "0", *options)


def _imported(result, out):
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(out)
    assert [entry["name"] for entry in data.classes] == ["tench", "dog"]
    assert data.labels("train").tolist() == [0, 0, 1, 1] and data.labels("val").tolist() == [1, 0]
    assert data.meta["skipped"] == []
    return data


def _near(got, want):
    return all(abs(a - b) <= 3 for a, b in zip(got, want, strict=True))


def test_a_zip_whose_member_names_use_backslashes_imports_as_one_with_slashes(tmp_path, image_bytes):
    """Windows tools (PowerShell's Compress-Archive before .NET 4.6.1, among others) store
    "tiny-imagenet-200\\wnids.txt": it was refused as holding no wnids.txt."""
    files = _tiny_files(image_bytes)
    source = _zip(tmp_path / "tiny.zip", [(f"tiny-imagenet-200\\{name.replace('/', chr(92))}", data)
                                          for name, data in files.items()])
    data = _imported(_prepare_tiny(source, tmp_path / "out"), tmp_path / "out")
    assert _near(_reds(data, "train"), [10, 20, 30, 40]) and _near(_reds(data, "val"), [200, 210])


def test_a_member_stored_twice_is_one_image_read_as_zipfile_reads_it(tmp_path, image_bytes):
    """``zip -u`` or zipfile's append mode add a second member of one name: it was imported twice (in
    train/ a duplicated training image; both copies the last one's bytes)."""
    files = _tiny_files(image_bytes)
    members = [(f"tiny-imagenet-200/{name}", data) for name, data in files.items()]
    members.append(("tiny-imagenet-200/train/n01440764/images/n01440764_0.JPEG", image_bytes((120, 9, 9), (16, 16))))
    members.append(("tiny-imagenet-200/val/images/val_1.JPEG", image_bytes((230, 9, 9), (16, 16))))
    with pytest.warns(UserWarning, match="Duplicate name"):
        source = _zip(tmp_path / "tiny.zip", members)
    data = _imported(_prepare_tiny(source, tmp_path / "out"), tmp_path / "out")
    assert _near(_reds(data, "train"), [120, 20, 30, 40]) and _near(_reds(data, "val"), [200, 230])


@pytest.mark.parametrize("wnids_text", ["", "\r\n\n"], ids=["empty", "blank-lines"])
def test_a_wnids_txt_that_lists_no_class_is_bad_data_naming_it(tmp_path, image_bytes, wnids_text):
    """It was "no training image could be imported (see OUT/skipped.txt)", with an empty skipped.txt."""
    files = _tiny_files(image_bytes, wnids_text=wnids_text)
    files["val/val_annotations.txt"] = b""
    source = _zip(tmp_path / "tiny.zip", [(f"tiny-imagenet-200/{name}", data) for name, data in files.items()
                                          if not name.startswith("val/images/")])
    result = _prepare_tiny(source, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert re.search(r"tiny\.zip:tiny-imagenet-200/wnids\.txt: lists no class", result.output), result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def _imagenet_tree(root, image_bytes, write_files):
    """ILSVRC2012 unpacked: 2 classes x 2 training images, 2 validation images and their val.txt."""
    files = {f"train/{wnid}/{wnid}_{number}.JPEG": image_bytes((10 * (2 * index + number + 1), 9, 9), (16, 16))
             for index, wnid in enumerate(WNIDS) for number in range(2)}
    files.update({f"val/ILSVRC2012_val_0000000{number}.JPEG": image_bytes((200 + number, 9, 9), (16, 16))
                  for number in (1, 2)})
    write_files(root, files)
    labels = root.parent / "val.txt"
    labels.write_text("ILSVRC2012_val_00000001.JPEG 1\nILSVRC2012_val_00000002.JPEG 0\n")
    return root, labels


def test_the_training_archive_left_in_train_beside_its_unpacked_classes_is_not_a_class(tmp_path, image_bytes,
                                                                                       write_files):
    """The common recipe moves ILSVRC2012_img_train.tar into train/ and unpacks it there: left
    beside the class folders, it was refused as a class archive not unpacked."""
    root, labels = _imagenet_tree(tmp_path / "ILSVRC2012", image_bytes, write_files)
    (root / "train" / "ILSVRC2012_img_train.tar").write_bytes(b"\0" * 1024)
    result = _invoke("prepare", "imagenet", root, tmp_path / "out", "--val-labels", labels, "--size", "8",
                     "--workers", "0")
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert [entry["wnid"] for entry in data.classes] == list(WNIDS)
    assert data.labels("train").tolist() == [0, 0, 1, 1] and data.labels("val").tolist() == [1, 0]
