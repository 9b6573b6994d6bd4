"""A download given to the wrong prepare command is told the command that imports it (prepare --help promises
it): ``prepare folder cifar-10-python.tar.gz`` said to unpack it and give the folder of images it holds (it holds
pickles); ``prepare cifar10 tiny-imagenet-200.zip`` said "not a tar archive"; ``prepare imagenet`` on an unpacked
tiny-imagenet-200 blamed "class folder(s) without an image file". Told by the name, or by the members' or
files' names where renamed."""

import zipfile

import pytest
from click.testing import CliRunner
from tar_files import write_tar

from minitransfer.cli import main


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


CIFAR10 = {f"cifar-10-batches-py/{name}": b"not read" for name in ("batches.meta", "data_batch_1", "test_batch")}
CIFAR100 = {f"cifar-100-python/{name}": b"not read" for name in ("meta", "train", "test")}
TINY = {f"tiny-imagenet-200/{name}": b"not read" for name in ("wnids.txt", "words.txt", "val/val_annotations.txt",
                                                               "train/n01443537/images/n01443537_0.JPEG")}


def _prepare(command, source, out, *options):
    return CliRunner().invoke(main, ["prepare", command, str(source), str(out), *map(str, options)])


@pytest.mark.parametrize("command", ["folder", "imagenet"])
@pytest.mark.parametrize("download,members,title,named", [
    ("cifar-10-python.tar.gz", CIFAR10, "CIFAR-10", "cifar10"),
    ("renamed.tar.gz", CIFAR10, "CIFAR-10", "cifar10"),
    ("cifar-100-python.tar.gz", CIFAR100, "CIFAR-100", "cifar100"),
    ("tiny-imagenet-200.zip", TINY, "Tiny ImageNet", "tiny-imagenet"),
    ("tiny.zip", TINY, "Tiny ImageNet", "tiny-imagenet"),
], ids=["cifar10", "cifar10-renamed", "cifar100", "tiny", "tiny-renamed"])
def test_a_download_given_as_a_folder_of_images_names_its_command(tmp_path, command, download, members, title, named):
    source = (_zip if download.endswith(".zip") else write_tar)(tmp_path / download, members)
    result = _prepare(command, source, tmp_path / "out")
    assert result.exit_code == 2, result.output
    unlike = "" if title == "Tiny ImageNet" else " (not an archive of images)"  # Tiny ImageNet's holds JPEGs
    assert (f"{source} is the {title} download{unlike}: import it with 'minitransfer prepare "
            f"{named}'") in " ".join(result.output.split()), result.output
    assert not (tmp_path / "out").exists()


def test_an_archive_of_images_is_still_told_to_be_unpacked(tmp_path, image_bytes):
    source = _zip(tmp_path / "photos.zip", {"photos/cat/0.jpg": image_bytes((1, 2, 3))})
    result = _prepare("folder", source, tmp_path / "out")
    assert result.exit_code == 2 and "is an archive, not a folder: unpack it first" in result.output, result.output


@pytest.mark.parametrize("command", ["cifar10", "cifar100"])
@pytest.mark.parametrize("given", ["zip", "folder"])
def test_tiny_imagenet_given_to_a_cifar_command_names_its_command(tmp_path, command, given):
    """The zip was "not a tar archive: give the cifar-10-python.tar.gz download"."""
    source = _zip(tmp_path / "tiny-imagenet-200.zip", TINY)
    if given == "folder":
        zipfile.ZipFile(source).extractall(tmp_path / "unpacked")
        source = tmp_path / "unpacked" / "tiny-imagenet-200"
    result = _prepare(command, source, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert result.output.splitlines() == [f"error: bad data: {source} is the Tiny ImageNet download: import it with "
                                          f"'minitransfer prepare tiny-imagenet'"]


@pytest.mark.parametrize("download,members,title,named", [
    ("cifar-10-python.tar.gz", CIFAR10, "CIFAR-10", "cifar10"), ("renamed.tar.gz", CIFAR100, "CIFAR-100", "cifar100"),
], ids=["cifar10", "cifar100-renamed"])
def test_cifar_given_to_tiny_imagenet_names_its_command(tmp_path, download, members, title, named):
    source = write_tar(tmp_path / download, members)
    result = _prepare("tiny-imagenet", source, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert result.output.splitlines() == [f"error: bad data: {source} is the {title} download: import it with "
                                          f"'minitransfer prepare {named}'"]


def test_an_unpacked_tiny_imagenet_given_to_imagenet_names_its_command(tmp_path, image_bytes):
    """Its train/<wnid>/images/ were "3 class folder(s) without an image file"."""
    members = {**TINY, **{f"tiny-imagenet-200/train/{wnid}/images/{wnid}_0.JPEG": image_bytes((1, 2, 3))
                          for wnid in ("n01443537", "n01629819")}}
    zipfile.ZipFile(_zip(tmp_path / "tiny-imagenet-200.zip", members)).extractall(tmp_path / "unpacked")
    source = tmp_path / "unpacked" / "tiny-imagenet-200"
    labels = tmp_path / "val.txt"
    labels.write_text("")
    result = _prepare("imagenet", source, tmp_path / "out", "--val-labels", labels)
    assert result.exit_code == 65, result.output
    assert result.output.splitlines() == [f"error: bad data: {source} is the Tiny ImageNet download: import it with "
                                          f"'minitransfer prepare tiny-imagenet'"]
