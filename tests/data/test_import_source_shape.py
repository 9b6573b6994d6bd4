"""prepare folder: a SOURCE that cannot give two classes (one class's folder, the folder above the classes'
folder, a tree left with one class) is refused, saying which folder to give; systems' files (Thumbs.db,
desktop.ini, @eaDir ...) are passed over as .DS_Store is; a link in SOURCE into OUT is refused."""

import re
import shlex
import subprocess
import tarfile

import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import build, dataset, inputs, shard_format
from minitransfer.data.decode import ImportItem


def _invoke(*args):
    return CliRunner().invoke(main, ["prepare", "folder", *map(str, args), "--size", "12", "--workers", "0"])


def _tree(root, image_bytes, write_files, classes, per_class=3):
    return write_files(root, {f"{name}/{number}.png": image_bytes((number, 10 * index, 99), kind="PNG")
                              for index, name in enumerate(classes) for number in range(per_class)})


@pytest.mark.parametrize("given,message", [
    ("photos/cat", "photos/cat: no class folders, only 3 file(s) (the folder of one class?), 3 of them images: if "
                   "so, give {tree}/photos; else sort the images into one folder per class"),
    ("", ": one class folder, 'photos', which holds folders ('cat', 'dog'): give {tree}/photos if these are the "
         "classes; SOURCE must hold one folder per class"),
    ("photos/dog", "photos/dog: one class folder, 'puppies'; SOURCE must hold one folder per class"),
], ids=["one-class-folder-given", "folder-above-the-classes-given", "one-class-folder-inside"])
def test_a_source_of_one_class_is_refused_naming_the_folder_to_give(tmp_path, image_bytes, write_files, tree_state,
                                                                     given, message):
    tree = _tree(tmp_path / "tree" / "photos", image_bytes, write_files, ["cat"]).parent
    _tree(tree / "photos" / "dog", image_bytes, write_files, ["puppies"])
    before = tree_state(tmp_path)
    result = _invoke(tree / given, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert message.format(tree=tree) in result.output and "Traceback" not in result.output
    assert tree_state(tmp_path) == before and not (tmp_path / "out").exists()


@pytest.mark.parametrize("setup,reason", [
    (lambda root: (root / "b").mkdir(), "'b' (no files)"),
    (lambda root: (root / "b").mkdir() or (root / "b" / "1.png").write_bytes(b"not an image"),
     "'b' (no decodable training image)"),
], ids=["empty", "undecodable"])
def test_a_tree_left_with_one_class_is_refused_naming_the_classes_left_out(tmp_path, image_bytes, write_files,
                                                                            setup, reason):
    root = _tree(tmp_path / "tree", image_bytes, write_files, ["a"])
    setup(root)
    result = _invoke(root, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert f"'a' is the only class folder left with a training image (left out: {reason}); SOURCE must hold" \
           in result.output
    assert not (tmp_path / "out" / shard_format.META_FILE).exists()


def test_a_train_folder_of_one_class_is_refused(tmp_path, image_bytes, write_files):
    root = _tree(tmp_path / "tree" / "train", image_bytes, write_files, ["a"]).parent
    _tree(root / "val", image_bytes, write_files, ["a"], per_class=1)
    result = _invoke(root, tmp_path / "out")
    assert result.exit_code == 65 and f"{root / 'train'}: one class folder, 'a';" in result.output, result.output


def test_train_and_val_holding_images_themselves_are_not_called_one_class_folder(tmp_path, image_bytes,
                                                                                   write_files):
    root = write_files(tmp_path / "tree", {"train/1.png": image_bytes((1, 2, 3), kind="PNG"),
                                           "val/1.png": image_bytes((4, 5, 6), kind="PNG")})
    result = _invoke(root, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert f"{root / 'train'}: no class folders, only 1 file(s), 1 of them images: sort the images into one folder " \
           f"per class ({root / 'train'}/<class>/<image files>); SOURCE must hold one folder per class" in result.output


@pytest.mark.parametrize("link", ["a/more", "o"], ids=["below-a-class", "class-folder"])
def test_a_link_in_the_source_into_out_is_refused_before_anything_is_read(tmp_path, image_bytes, write_files,
                                                                          tree_state, link):
    root = _tree(tmp_path / "tree", image_bytes, write_files, ["a", "b"])
    assert _invoke(root, tmp_path / "out").exit_code == 0
    (root / link).symlink_to(tmp_path / "out")
    before = tree_state(tmp_path / "out")
    result = _invoke(root, tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert f"{root / link} leads into OUT {tmp_path / 'out'} (a link): the import would read the dataset's own " \
           f"files" in " ".join(result.output.split())
    assert tree_state(tmp_path / "out") == before


def test_a_class_folder_linked_to_itself_is_left_out_as_a_loop_not_as_missing(tmp_path, image_bytes, write_files):
    """A link leading back to itself was said to lead to something "which does not exist (moved? on a drive not
    mounted?)": the researcher looked for a drive."""
    root = _tree(tmp_path / "tree", image_bytes, write_files, ["a", "b"])
    (root / "loop").symlink_to("loop")
    result = _invoke(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    reason = "a link to loop, which leads back to it (a loop of links)"
    assert dataset.open_dataset(tmp_path / "out").meta["excluded_classes"] == [{"name": "loop", "reason": reason}]
    assert f"left out class 'loop': {reason}" in result.output


def test_two_classes_are_imported_with_a_note_that_the_halves_cannot_be_trained(tmp_path, image_bytes, write_files):
    root = _tree(tmp_path / "tree", image_bytes, write_files, ["a", "b"])
    result = _invoke(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert ": 2 classes, train 4, val 2 images" in result.output
    assert "note: 2 classes: a half of the random split holds fewer than the 2 classes 'train' needs, so train " \
           "with --split all" in result.output


def test_verify_says_1_class_not_1_classes(tmp_path):
    build.build_dataset(tmp_path / "one", source={"kind": "test"},
                        classes=[{"index": 0, "wnid": "a", "name": "a"}],
                        subsets={"train": ([ImportItem(pixels=np.zeros((8, 8, 3), np.uint8))], [0], {})}, size=8,
                        workers=0)
    result = CliRunner().invoke(main, ["prepare", "verify", str(tmp_path / "one")])
    assert result.exit_code == 0, result.output
    assert ": 1 class, train 1, val 0 images" in result.output
    assert "note: 1 class: 'train' refuses it" in result.output


SYSTEM_FILES = ["Thumbs.db", "thumbs.db", "ehthumbs.db", "desktop.ini", "Desktop.ini", "Icon\r"]


def test_systems_files_and_folders_are_passed_over_as_ds_store_is(tmp_path, image_bytes, write_files):
    root = _tree(tmp_path / "tree", image_bytes, write_files, ["a", "b"])
    write_files(root, {f"a/{name}": b"\x00system file" for name in SYSTEM_FILES})
    write_files(root, {"a/@eaDir/0.png/SYNOPHOTO_THUMB_S.jpg": image_bytes((1, 2, 3)),  # a thumbnail: it decodes
                       "$RECYCLE.BIN/S-1-5-21/$R0001.png": image_bytes((4, 5, 6), kind="PNG"),
                       "System Volume Information/IndexerVolumeGuid": b"\x00",
                       "b/.DS_Store": b"\x00"})
    (root / "lost+found").mkdir()
    result = _invoke(root, tmp_path / "out", "--val-fraction", "0")
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert [entry["name"] for entry in data.classes] == ["a", "b"] and data.num_images("train") == 6
    assert data.meta["skipped"] == [] and data.meta["excluded_classes"] == []
    assert not (tmp_path / "out" / shard_format.SKIPPED_FILE).exists()  # nothing skipped: no list


@pytest.mark.parametrize("name", ["Thumbs.db.jpg", "thumbs.jpg", "desktop.png", "Icon.png", "eaDir", "lost"])
def test_images_named_like_systems_files_are_not_passed_over(name):
    assert not inputs.hidden(name)


@pytest.mark.parametrize("command", ["folder", "imagenet"])
@pytest.mark.parametrize("name, advice", [
    ("photos.zip", "photos.zip is an archive, not a folder: unpack it first (mkdir -p photos && unzip photos.zip -d "
                   "photos) and give the folder of images it holds"),
    ("my photos.tar.gz", "my photos.tar.gz is an archive, not a folder: unpack it first (mkdir -p 'my photos' && tar "
                         "xzf 'my photos.tar.gz' -C 'my photos') and give the folder of images it holds"),
    ("list.txt", "list.txt is a file: give the folder that holds the images")], ids=["zip", "tar-gz", "text"])
def test_a_file_given_as_source_says_what_to_give(tmp_path, monkeypatch, command, name, advice):
    """Before, click's "Directory 'photos.zip' is a file": a researcher with the archive as downloaded
    learns that it is to be unpacked, and how."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_bytes(b"PK\x03\x04 an archive or a list")
    result = CliRunner().invoke(main, ["prepare", command, name, "out"])
    assert result.exit_code == 2 and advice in " ".join(result.output.split()), result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["folder", "imagenet"])
def test_an_archive_given_as_source_elsewhere_is_unpacked_beside_itself(tmp_path, monkeypatch, command):
    """The command said (tar xzf downloads/photos.tar.gz) unpacked into the folder it was run in, not where the
    archive lies: the same command as for --devkit (an unpack of data.archives.ARCHIVE_FORMATS), with the folder
    to unpack into."""
    photos = tmp_path / "made" / "photos"
    (photos / "cat").mkdir(parents=True)
    (photos / "cat" / "0.png").write_bytes(b"an image")
    (tmp_path / "downloads").mkdir()
    with tarfile.open(tmp_path / "downloads" / "photos.tar.gz", "w:gz") as archive:
        archive.add(photos, arcname="photos")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["prepare", command, "downloads/photos.tar.gz", "out"])
    said = " ".join(result.output.split())
    assert result.exit_code == 2 and "unpack it first (tar xzf downloads/photos.tar.gz -C downloads) and give" in said
    unpack = re.search(r"unpack it first \((.*?)\) and give", said)[1]
    subprocess.run(shlex.split(unpack), check=True, cwd=tmp_path)
    assert (tmp_path / "downloads" / "photos" / "cat" / "0.png").read_bytes() == b"an image"


@pytest.mark.parametrize("name", ["photos.zip", "photos.tar.gz"])
def test_an_archive_of_class_folders_given_as_source_is_unpacked_into_a_folder_of_its_own(tmp_path, monkeypatch,
                                                                                        image_bytes, name):
    """Class folders stored at the archive's top level (zip -r photos.zip cat dog): the command said unpacked them
    beside the archive, among the other downloads, and named no folder to give."""
    made = tmp_path / "made"
    for number, label in enumerate(("cat", "dog") * 2):
        (made / label).mkdir(parents=True, exist_ok=True)
        (made / label / f"{number}.png").write_bytes(image_bytes((60 * number, 20, 90), kind="PNG"))
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    if name.endswith(".zip"):
        subprocess.run(["zip", "-qr", downloads / name, "cat", "dog"], check=True, cwd=made)
    else:
        with tarfile.open(downloads / name, "w:gz") as archive:
            for label in ("cat", "dog"):
                archive.add(made / label, arcname=label)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["prepare", "folder", f"downloads/{name}", "out"])
    said = " ".join(result.output.split())
    assert result.exit_code == 2, result.output
    unpack = re.search(r"unpack it first \((.*?)\) and give", said)[1]
    subprocess.run(unpack, shell=True, check=True, cwd=tmp_path)
    assert sorted(path.name for path in downloads.iterdir()) == sorted([name, "photos"])  # nothing spilled
    assert (downloads / "photos" / "dog" / "3.png").read_bytes() == (made / "dog" / "3.png").read_bytes()
    imported = CliRunner().invoke(main, ["prepare", "folder", "downloads/photos", "out", "--size", "12", "--workers",
                                         "0"])
    assert imported.exit_code == 0, imported.output
