"""Class tars left beside their folders in ILSVRC2012's train/, read to catch an unpacking interrupted
(:func:`.imagenet._refuse_classes_unpacked_in_part`). Members carrying a ``<wnid>/`` prefix (some mirrors') got the
remedy ``tar -xf T -C train/<wnid>``, which unpacks into train/<wnid>/<wnid>/; members were compared by their base
name against the top of the folder, so a complete folder holding ``sub/a.JPEG`` was refused; and with all 1000
tars kept, every prepare read 1.28M tar headers."""

import os
import shlex
import subprocess
import tarfile

import pytest
from tar_files import write_tar

from minitransfer.data import dataset, imagenet
from data.test_import_archives import WNIDS, _imagenet_tree, _invoke


def _tar(path, members):
    """Write the (uncompressed) tar ``path`` holding ``members``, {name: bytes}."""
    write_tar(path, members, "w")


def test_a_tar_of_wnid_prefixed_members_unpacked_in_part_says_to_unpack_it_into_train(tmp_path, image_bytes,
                                                                                      write_files, tree_state):
    root, labels = _imagenet_tree(tmp_path / "ILSVRC2012", image_bytes, write_files)
    train, folder = root / "train", root / "train" / WNIDS[0]
    files = sorted(folder.iterdir())
    _tar(train / f"{WNIDS[0]}.tar", {f"{WNIDS[0]}/{path.name}": path.read_bytes() for path in files})
    files[1].unlink()
    arguments = ["prepare", "imagenet", root, tmp_path / "out", "--val-labels", labels, "--size", "12",
                 "--workers", "0"]
    before = tree_state(tmp_path)
    result = _invoke(*arguments)
    assert result.exit_code == 65, result.output
    said = " ".join(result.output.split())
    assert f"{folder}: lacks 1 of the 2 image files of {WNIDS[0]}.tar beside it" in said
    remedy = f"tar -xf {train / WNIDS[0]}.tar -C {train}"
    assert f"unpack it again ({remedy})" in said and tree_state(tmp_path) == before
    subprocess.run(shlex.split(remedy), check=True)  # as the researcher would, with tar itself
    assert sorted(folder.iterdir()) == files  # before: -C train/<wnid> unpacked into train/<wnid>/<wnid>/
    result = _invoke(*arguments)
    assert result.exit_code == 0, result.output
    assert dataset.open_dataset(tmp_path / "out").labels("train").tolist() == [0, 0, 1, 1]


@pytest.mark.parametrize("prefix", ["", f"{WNIDS[0]}/"], ids=["plain", "wnid-prefixed"])
def test_a_complete_folder_with_a_subfolder_is_not_refused_and_one_lacking_a_top_image_is(tmp_path, prefix):
    train, wnid = tmp_path / "train", WNIDS[0]
    (train / wnid / "sub").mkdir(parents=True)
    (train / wnid / "a.JPEG").write_bytes(b"12345")
    (train / wnid / "sub" / "a.JPEG").write_bytes(b"1")  # the import reads no subfolder
    _tar(train / f"{wnid}.tar", {f"{prefix}a.JPEG": b"12345", f"{prefix}sub/a.JPEG": b"1",
                                 f"{prefix}sub/deeper.JPEG": b"12"})
    imagenet._refuse_classes_unpacked_in_part(train, [wnid])  # before: refused, sub/a.JPEG compared with a.JPEG
    (train / wnid / "a.JPEG").write_bytes(b"123")  # cut short
    with pytest.raises(imagenet.ds.DatasetError, match=f"lacks 1 of the 1 image files .*\\({prefix}a.JPEG\\)"):
        imagenet._refuse_classes_unpacked_in_part(train, [wnid])


def test_with_every_class_tar_kept_only_those_of_the_folders_modified_last_are_read(tmp_path, monkeypatch):
    monkeypatch.setattr(imagenet, "TARS_READ", 2)
    train = tmp_path / "train"
    wnids = [f"n{number:08d}" for number in range(5)]
    for when, wnid in enumerate(wnids):  # unpacked in turn, each whole, its tar kept
        (train / wnid).mkdir(parents=True)
        (train / wnid / "a.JPEG").write_bytes(b"12345")
        _tar(train / f"{wnid}.tar", {"a.JPEG": b"12345", "b.JPEG": b"123"})
        (train / wnid / "b.JPEG").write_bytes(b"123")
        os.utime(train / wnid, ns=(10 ** 18 + when * 10 ** 9,) * 2)
    opened = []
    real = tarfile.open
    monkeypatch.setattr(tarfile, "open", lambda path, *args, **kwargs: opened.append(path.name) or real(path, *args,
                                                                                                      **kwargs))
    imagenet._refuse_classes_unpacked_in_part(train, wnids)
    assert opened == [f"{wnids[3]}.tar", f"{wnids[4]}.tar"]  # before: all five, 1000 for ILSVRC2012
    (train / wnids[4] / "b.JPEG").unlink()  # the last class unpacked, cut short: its folder was modified last
    os.utime(train / wnids[4], ns=(2 * 10 ** 18,) * 2)
    with pytest.raises(imagenet.ds.DatasetError, match=f"{wnids[4]}: lacks 1 of the 2 image files"):
        imagenet._refuse_classes_unpacked_in_part(train, wnids)
    (train / wnids[0] / "b.JPEG").unlink()  # cut short long ago: read only where few tars lie beside folders
    os.utime(train / wnids[0], ns=(10 ** 17,) * 2)
    monkeypatch.setattr(imagenet, "TARS_READ", 5)  # as few tars as may be read: all are, the oldest too
    with pytest.raises(imagenet.ds.DatasetError, match=f"{wnids[0]}: lacks 1 of the 2 image files"):
        imagenet._refuse_classes_unpacked_in_part(train, wnids)
