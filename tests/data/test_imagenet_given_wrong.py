"""prepare imagenet given what a researcher has at hand rather than what it asks for: the devkit still
packed (ILSVRC2012_devkit_t12.tar.gz) or one of its files, where click said only "Directory ... is a file";
the folder above ILSVRC2012/ (or above a folder holding train/ and val/), where it said only "train: missing".
Each message names what to run or give, and doing so imports. And train/, a thousand folders on a network
disk, is listed once."""

import os
import pathlib
import re
import shlex
import subprocess
import tarfile

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset, importers
from data.test_import_archives import WNIDS, _imagenet_tree


def _prepare_imagenet(source, out, *options):
    return CliRunner().invoke(main, ["prepare", "imagenet", str(source), str(out), "--size", "12", "--workers", "0",
                                     *map(str, options)])


def _said(result):
    return " ".join(result.output.split())


def test_a_devkit_still_packed_is_a_usage_error_whose_tar_command_unpacks_the_folder_to_give(
        tmp_path, image_bytes, write_files, make_devkit, tree_state):
    tree, _ = _imagenet_tree(tmp_path / "ILSVRC2012", image_bytes, write_files)
    kit = make_devkit(tmp_path / "made" / "ILSVRC2012_devkit_t12", [(WNIDS[1], "dog"), (WNIDS[0], "tench")], [1, 2])
    downloads = tmp_path / "my downloads"
    downloads.mkdir()
    packed = downloads / "ILSVRC2012_devkit_t12.tar.gz"
    with tarfile.open(packed, "w:gz") as archive:  # as the download is: one folder, ILSVRC2012_devkit_t12/
        archive.add(kit, arcname=kit.name)
    before = tree_state(tmp_path)
    result = _prepare_imagenet(tree, tmp_path / "out", "--devkit", packed)
    assert result.exit_code == 2, result.output
    command = f"tar xzf {shlex.quote(str(packed))} -C {shlex.quote(str(downloads))}"
    assert (f"{packed} is an archive, not a folder: unpack it first ({command}) and give the folder it makes, "
            f"{downloads / 'ILSVRC2012_devkit_t12'} (the one holding data/meta.mat)") in _said(result), result.output
    assert "Traceback" not in result.output and tree_state(tmp_path) == before
    subprocess.run(shlex.split(command), check=True, cwd=tmp_path / "made")  # run from elsewhere: -C places it
    result = _prepare_imagenet(tree, tmp_path / "out", "--devkit", downloads / "ILSVRC2012_devkit_t12")
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")  # ground truth 1, 2: dog (label 1), tench (label 0)
    assert [entry["name"] for entry in data.classes] == ["tench", "dog"] and data.labels("val").tolist() == [1, 0]


@pytest.mark.parametrize("packed_as, given", [("devkit", "devkit"), ("data", ".")], ids=["renamed", "data-alone"])
def test_a_devkit_archive_packed_again_by_hand_names_the_folder_to_give(tmp_path, make_devkit, packed_as, given):
    """A devkit unpacked, renamed and packed again (devkit/ in devkit.tgz) was said to make
    ILSVRC2012_devkit_t12/, a folder its command does not make; one of its data/ alone names the
    folder the archive lies in, which then holds data/meta.mat, not data/ itself."""
    kit = make_devkit(tmp_path / "made" / "devkit", [(WNIDS[0], "tench"), (WNIDS[1], "dog")], [1, 2])
    packed = tmp_path / "downloads" / "devkit.tgz"
    packed.parent.mkdir()
    with tarfile.open(packed, "w:gz") as archive:
        archive.add(kit if packed_as == "devkit" else kit / "data", arcname=packed_as)
    result = _prepare_imagenet(tmp_path / "ILSVRC2012", tmp_path / "out", "--devkit", packed)
    assert result.exit_code == 2, result.output
    folder = os.path.normpath(packed.parent / given)
    assert f"and give the folder it makes, {folder} (the one holding data/meta.mat)" in _said(result), result.output
    command = re.search(r"unpack it first \((.*)\) and give", _said(result)).group(1)
    subprocess.run(command, shell=True, check=True, cwd=tmp_path / "made")
    assert (pathlib.Path(folder) / "data" / "meta.mat").is_file()


def test_a_devkit_file_given_for_its_folder_is_a_usage_error_naming_the_folder(tmp_path, image_bytes, write_files,
                                                                             make_devkit):
    tree, _ = _imagenet_tree(tmp_path / "ILSVRC2012", image_bytes, write_files)
    kit = make_devkit(tmp_path / "ILSVRC2012_devkit_t12", [(WNIDS[0], "tench"), (WNIDS[1], "dog")], [1, 2])
    result = _prepare_imagenet(tree, tmp_path / "out", "--devkit", kit / "data" / "meta.mat")
    assert result.exit_code == 2, result.output
    assert (f"{kit / 'data' / 'meta.mat'} is a file: give the devkit folder, ILSVRC2012_devkit_t12, which holds "
            f"data/meta.mat and data/ILSVRC2012_validation_ground_truth.txt") in _said(result), result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("nested", ["ILSVRC2012", "imagenet/ILSVRC2012"], ids=["one-down", "two-down"])
def test_the_folder_above_ilsvrc2012_names_the_folder_to_give(tmp_path, image_bytes, write_files, tree_state, nested):
    given = tmp_path / "data"
    (given / "aaa-other").mkdir(parents=True)  # a folder without train/, listed first: not named
    tree, labels = _imagenet_tree(given / nested, image_bytes, write_files)
    before = tree_state(tmp_path)
    result = _prepare_imagenet(given, tmp_path / "out", "--val-labels", labels)
    assert result.exit_code == 65, result.output
    assert (f"{given / 'train'}: missing (expected ILSVRC2012 train/<wnid>/*.JPEG); it holds {tree}, which holds "
            f"train/: give that folder") in _said(result), result.output
    assert "Traceback" not in result.output and tree_state(tmp_path) == before
    result = _prepare_imagenet(tree, tmp_path / "out", "--val-labels", labels)
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert data.labels("train").tolist() == [0, 0, 1, 1] and data.labels("val").tolist() == [1, 0]


def test_a_folder_without_ilsvrc2012_below_still_says_only_what_is_missing(tmp_path, image_bytes, write_files):
    write_files(tmp_path / "data", {"photos/cat/1.png": image_bytes((1, 2, 3), kind="PNG")})
    result = _prepare_imagenet(tmp_path / "data", tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert _said(result).endswith(f"{tmp_path / 'data' / 'train'}: missing (expected ILSVRC2012 "
                                  f"train/<wnid>/*.JPEG)"), result.output


def test_a_folder_of_own_class_folders_is_pointed_to_prepare_folder_whose_command_imports(
        tmp_path, image_bytes, write_files):
    """photos/{cat,dog} given to prepare imagenet said only "photos/train: missing"."""
    photos = write_files(tmp_path / "my photos", {f"{name}/{number}.png": image_bytes((index, number, 9), kind="PNG")
                                                  for index, name in enumerate(("cat", "dog")) for number in range(2)})
    result = _prepare_imagenet(photos, tmp_path / "out")
    assert result.exit_code == 65, result.output
    said = re.search(r"holds folders not named as wnids \('cat', 'dog'\): .*: minitransfer (prepare folder .+)$",
                     result.output.strip())
    assert said, result.output
    command = shlex.split(said.group(1))
    assert command[2:] == [str(photos), str(tmp_path / "out")], command
    done = CliRunner().invoke(main, [*command, "--size", "12", "--workers", "0"])
    assert done.exit_code == 0, done.output
    assert dataset.open_dataset(tmp_path / "out").num_classes == 2


@pytest.mark.parametrize("beside", ["ILSVRC2012_devkit_t12", "test"], ids=["val-and-devkit", "val-and-test"])
def test_an_ilsvrc2012_tree_without_train_is_not_pointed_to_prepare_folder(tmp_path, image_bytes, write_files,
                                                                          make_devkit, beside):
    """ILSVRC2012 unpacked but for train/ (val/ and the devkit, or val/ and test/): its folders are no classes of
    one's own, and the message named prepare folder to import them as such."""
    tree = write_files(tmp_path / "ILSVRC2012", {f"val/ILSVRC2012_val_0000000{number}.JPEG":
                                                 image_bytes((200 + number, 9, 9), (16, 16)) for number in (1, 2)})
    if beside == "test":
        write_files(tree / "test", {f"ILSVRC2012_test_0000000{number}.JPEG": image_bytes((number, 5, 9), (16, 16))
                                    for number in (1, 2)})
    else:
        make_devkit(tree / beside, [(WNIDS[0], "tench"), (WNIDS[1], "dog")], [1, 2])
    assert sorted(path.name for path in tree.iterdir() if path.is_dir()) == sorted(["val", beside])
    result = _prepare_imagenet(tree, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert "prepare folder" not in result.output and "not named as wnids" not in result.output, result.output
    assert _said(result).endswith(f"{tree / 'train'}: missing (expected ILSVRC2012 train/<wnid>/*.JPEG)"), \
        result.output


def test_folders_of_which_one_holds_images_are_not_pointed_to_prepare_folder(tmp_path, image_bytes, write_files):
    """One folder of images beside one of notes: not two classes, so no prepare folder command."""
    source = write_files(tmp_path / "data", {"cat/1.png": image_bytes((1, 2, 3), kind="PNG"),
                                             "notes/README.txt": b"not an image\n"})
    result = _prepare_imagenet(source, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert "prepare folder" not in result.output, result.output


def test_train_is_listed_once(tmp_path, image_bytes, write_files, monkeypatch):
    tree, labels = _imagenet_tree(tmp_path / "ILSVRC2012", image_bytes, write_files)
    train, listings = os.fspath(tree / "train"), []
    real_listdir, real_scandir = os.listdir, os.scandir

    def listdir(path="."):
        listings.append(os.fspath(path))
        return real_listdir(path)

    def scandir(path="."):
        listings.append(os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "listdir", listdir)
    monkeypatch.setattr(os, "scandir", scandir)
    built = importers.import_imagenet(tree, tmp_path / "out", val_labels=labels, size=8, workers=0)
    assert built.labels("train").tolist() == [0, 0, 1, 1]
    assert listings.count(train) == 1, listings
