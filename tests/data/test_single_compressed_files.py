"""A file named as a compressed tar (.gz, .tgz, .bz2, .xz) that holds one file compressed alone (notes.txt.gz,
photo.png.gz), no tar: it was told to be unpacked with tar (tar xzf ...), which refuses it ("This does not look
like a tar archive"). It is said to be one compressed file, with the command that decompresses it; a real
.tar.gz or .tgz is still told its tar command."""

import bz2
import gzip
import lzma
import shlex
import subprocess
import tarfile

import click
import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.cli._paths import SourceFolder

COMPRESSIONS = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}
TEXT = b"shot in 2014 with a borrowed lens\n"


def _said(result):
    return " ".join(result.output.split())


@pytest.mark.parametrize("suffix", sorted(COMPRESSIONS))
@pytest.mark.parametrize("command", ["folder", "imagenet"])
def test_one_compressed_file_given_as_source_is_said_to_be_that_with_the_command_that_decompresses_it(
        tmp_path, monkeypatch, command, suffix):
    monkeypatch.chdir(tmp_path)
    name = f"notes.txt{suffix}"
    (tmp_path / name).write_bytes(COMPRESSIONS[suffix](TEXT))
    result = CliRunner().invoke(main, ["prepare", command, name, "out"])
    said = _said(result)
    assert result.exit_code == 2, result.output
    assert f"{name} is a single " in said and "not an archive of images: give the folder that holds the images" \
        in said, said
    assert "tar x" not in said
    decompress = said.split("(notes.txt; ", 1)[1].split(" makes it)", 1)[0]
    subprocess.run(shlex.split(decompress), check=True, cwd=tmp_path)  # the command said does what it says
    assert (tmp_path / "notes.txt").read_bytes() == TEXT
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["photos.tar.gz", "photos.tgz", "photos.tar.bz2", "photos.tar.xz"])
def test_a_tar_compressed_so_is_still_told_its_tar_command(tmp_path, monkeypatch, image_bytes, name):
    made = tmp_path / "made" / "photos" / "cat"
    made.mkdir(parents=True)
    (made / "0.png").write_bytes(image_bytes((9, 90, 200), kind="PNG"))
    mode = {"gz": "w:gz", "tgz": "w:gz", "bz2": "w:bz2", "xz": "w:xz"}[name.rsplit(".", 1)[1]]
    with tarfile.open(tmp_path / name, mode) as archive:
        archive.add(made.parent, arcname="photos")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["prepare", "folder", name, "out"])
    said = _said(result)
    assert result.exit_code == 2 and f"{name} is an archive, not a folder: unpack it first (tar x" in said, said
    unpack = said.split("unpack it first (", 1)[1].split(") and give", 1)[0]
    subprocess.run(shlex.split(unpack), check=True, cwd=tmp_path)
    assert (tmp_path / "photos" / "cat" / "0.png").read_bytes() == (made / "0.png").read_bytes()


def test_one_compressed_file_given_as_devkit_is_said_to_be_that(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ILSVRC2012" / "train").mkdir(parents=True)
    (tmp_path / "meta.mat.gz").write_bytes(gzip.compress(b"MATLAB 5.0 MAT-file"))
    result = CliRunner().invoke(main, ["prepare", "imagenet", "ILSVRC2012", "out", "--devkit", "meta.mat.gz"])
    said = _said(result)
    assert result.exit_code == 2, result.output
    assert ("meta.mat.gz is a single gzip-compressed file (meta.mat; gunzip -k meta.mat.gz makes it), not the devkit: "
            "give the devkit folder, ILSVRC2012_devkit_t12") in said, said
    assert "tar x" not in said


def test_compressed_files_in_a_tree_are_no_class_left_packed_and_skipped_saying_how_to_decompress(
        tmp_path, image_bytes, write_files):
    """Beside the class folders, notes.txt.gz was warned of as a class's archive left packed (tar xzf ...); in a
    class folder, photo.png.gz was skipped with a tar command that fails."""
    root = write_files(tmp_path / "photos", {
        **{f"{name}/{number}.png": image_bytes((70 * number, blue, 9), kind="PNG")
           for name, blue in (("cat", 20), ("dog", 220)) for number in range(2)},
        "notes.txt.gz": gzip.compress(TEXT),
        "cat/photo.png.gz": gzip.compress(image_bytes((1, 2, 3), kind="PNG"))})
    result = CliRunner().invoke(main, ["prepare", "folder", str(root), str(tmp_path / "out"), "--size", "12",
                                       "--workers", "0", "--val-fraction", "0"])
    said = _said(result)
    assert result.exit_code == 0, result.output
    assert "not unpacked" not in said and "tar x" not in said, said
    packed = root / "cat" / "photo.png.gz"
    reason = (f"a single gzip-compressed file (photo.png; gunzip -k {packed} makes it), not an image: decompress "
              f"it there and rerun to import what it holds")
    assert f"{packed}\t{reason}\n" in (tmp_path / "out" / "skipped.txt").read_text()


@pytest.mark.parametrize("command, download", [("cifar10", "cifar-10-python.tar.gz"),
                                               ("cifar100", "cifar-100-python.tar.gz")])
def test_one_compressed_file_given_to_cifar_is_no_damaged_download(tmp_path, monkeypatch, command, download):
    """It was "damaged archive (...): the download is incomplete or damaged: download it again"."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data_batch_1.gz").write_bytes(gzip.compress(TEXT))
    result = CliRunner().invoke(main, ["prepare", command, "data_batch_1.gz", "out"])
    said = _said(result)
    assert result.exit_code == 65, result.output
    assert (f"data_batch_1.gz: a single gzip-compressed file (data_batch_1; gunzip -k data_batch_1.gz makes it), "
            f"not a tar archive: give the {download} download") in said, said
    assert "damaged" not in said


@pytest.mark.parametrize("suffix", sorted(COMPRESSIONS))
def test_the_source_folder_type_itself_says_a_compressed_file_is_one(tmp_path, suffix):
    """Every command whose SOURCE is a folder of images (cli._paths.SourceFolder) refuses one compressed file
    so, not only those that once added the check in a subclass of their own."""
    path = tmp_path / f"notes.txt{suffix}"
    path.write_bytes(COMPRESSIONS[suffix](TEXT))
    with pytest.raises(click.BadParameter) as refused:
        SourceFolder().convert(str(path), None, None)
    said = " ".join(refused.value.format_message().split())
    assert f"{path} is a single " in said and "not an archive of images" in said and "tar x" not in said, said


@pytest.mark.parametrize("suffix", sorted(COMPRESSIONS))
@pytest.mark.parametrize("name", ["photos", "photos.dat"])
def test_one_compressed_file_renamed_given_as_source_is_told_by_its_first_bytes(tmp_path, monkeypatch, suffix, name):
    """A download renamed (no .gz/.bz2/.xz) that holds one file compressed alone was "a file" only: it is said
    to be one compressed file, and the command said decompresses it (the bytes come back)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_bytes(COMPRESSIONS[suffix](TEXT))
    result = CliRunner().invoke(main, ["prepare", "folder", name, "out"])
    said = _said(result)
    assert result.exit_code == 2, result.output
    assert f"{name} is a single " in said and "not an archive of images" in said, said
    made, decompress = said.split(f"{name} is a single ", 1)[1].split(" (", 1)[1].split(" makes it)")[0].split("; ")
    subprocess.run(decompress, shell=True, check=True, cwd=tmp_path)  # the command said does what it says
    assert (tmp_path / made).read_bytes() == TEXT
    assert not (tmp_path / "out").exists()


EMPTY_TARS = {"empty.tar.gz": "czf", "empty.tgz": "czf", "empty.tar.bz2": "cjf", "empty.tar.xz": "cJf"}


def _empty_tar(folder, name):
    """An empty tar (no member: a block of zeros at most) compressed as its name says, made by tar itself."""
    subprocess.run(["tar", EMPTY_TARS[name], name, "-T", "/dev/null"], check=True, cwd=folder)
    return folder / name


@pytest.mark.parametrize("name", sorted(EMPTY_TARS))
def test_an_empty_tar_is_told_its_tar_command_not_to_be_decompressed_as_one_file(tmp_path, monkeypatch, name):
    """Its first block is zeros (tarfile's EOFHeaderError, not the EmptyHeaderError that was caught): it was
    "a single gzip-compressed file (empty.tar; gunzip -k empty.tar.gz makes it)"."""
    _empty_tar(tmp_path, name)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["prepare", "folder", name, "out"])
    said = _said(result)
    assert result.exit_code == 2 and f"{name} is an archive, not a folder: unpack it first (" in said, said
    assert "single" not in said and "-k" not in said, said
    unpack = said.split("unpack it first (", 1)[1].split(") and give", 1)[0]
    subprocess.run(unpack, shell=True, check=True, cwd=tmp_path)  # tar takes it: the command said does what it says
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["empty.tar.gz", "empty.tar.xz"])
def test_an_empty_tar_in_a_class_folder_is_skipped_as_an_archive_not_as_one_compressed_file(
        tmp_path, image_bytes, write_files, name):
    root = write_files(tmp_path / "photos", {f"{label}/{number}.png": image_bytes((70 * number, blue, 9), kind="PNG")
                                             for label, blue in (("cat", 20), ("dog", 220)) for number in range(2)})
    packed = _empty_tar(root / "cat", name)
    result = CliRunner().invoke(main, ["prepare", "folder", str(root), str(tmp_path / "out"), "--size", "12",
                                       "--workers", "0", "--val-fraction", "0"])
    assert result.exit_code == 0, result.output
    reason = dict(line.split("\t", 1) for line in (tmp_path / "out" / "skipped.txt").read_text().splitlines())
    assert str(packed) in reason and "single" not in reason[str(packed)] and "tar x" in reason[str(packed)], reason


def test_an_empty_tar_given_to_cifar_is_not_said_to_be_one_compressed_file(tmp_path, monkeypatch):
    _empty_tar(tmp_path, "empty.tar.gz")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["prepare", "cifar10", "empty.tar.gz", "out"])
    said = _said(result)
    assert result.exit_code == 65 and "empty.tar.gz" in said, said
    assert "single" not in said and "gunzip" not in said, said
