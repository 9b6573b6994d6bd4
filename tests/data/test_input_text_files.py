"""The text files an import reads beside the images (--families, --words, --val-labels, --is-a, an
unpacked Tiny ImageNet's wnids.txt, the devkit's ground truth): one the system refuses to read is an
I/O error (exit code 74) naming it and what to do, not "bad data" (65); one that is not UTF-8 is bad
data (65) naming it and saying to save it as UTF-8, with the encoding it looks like."""

import errno
import os
import pathlib

import pytest
from click.testing import CliRunner

from minitransfer import fileio
from minitransfer.cli import main
from minitransfer.data import text_files

WNIDS = ("n01440764", "n03000134")  # a fish (natural), a fence (man-made)


def _refuse_reading(monkeypatch, refused, code):
    """Reading (or hashing) the file ``refused`` fails with the system error ``code``, as a disk or a
    permission would make it; other files read as usual."""
    read_bytes, sha256_file = pathlib.Path.read_bytes, fileio.sha256_file

    def failing(path):
        if pathlib.Path(path) == refused:
            raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(pathlib.Path, "read_bytes", lambda path: failing(path) or read_bytes(path))
    monkeypatch.setattr(fileio, "sha256_file", lambda path: failing(path) or sha256_file(path))


def _folder_source(tmp_path, image_bytes, write_files, option, make_devkit=None):
    """prepare folder's arguments (before OUT) with a --families file, and that file."""
    root = write_files(tmp_path / "photos", {f"{name}/{number}.png": image_bytes((40 * number, 9, 9), kind="PNG")
                                            for name in ("cat", "bus") for number in range(2)})
    families = write_files(tmp_path, {"families.txt": b"cat animal\nbus vehicle\n"}) / "families.txt"
    return ["folder", str(root), "--families", str(families)], families


def _imagenet_source(tmp_path, image_bytes, write_files, option, make_devkit=None):
    """prepare imagenet's arguments (before OUT) with --val-labels, --words and --is-a, and the file ``option``
    names."""
    files = {f"ILSVRC2012/train/{wnid}/{wnid}_{number}.JPEG": image_bytes((40 * number, 9, 9))
             for wnid in WNIDS for number in range(2)}
    files.update({"ILSVRC2012/val/ILSVRC2012_val_00000001.JPEG": image_bytes((99, 9, 9)),
                  "--val-labels": b"ILSVRC2012_val_00000001.JPEG 1\n",
                  "--words": "".join(f"{wnid} class {wnid}\n" for wnid in WNIDS).encode(),
                  "--is-a": b"n00015388 n01440764\nn00021939 n03000134\n"})
    root = write_files(tmp_path, files)
    return ["imagenet", str(root / "ILSVRC2012"), *(str(part) for name in ("--val-labels", "--words", "--is-a")
                                                      for part in (name, root / name))], root / option


def _devkit_source(tmp_path, image_bytes, write_files, option, make_devkit):
    """prepare imagenet's arguments (before OUT) with --devkit, and the devkit's ground truth file."""
    arguments, _ = _imagenet_source(tmp_path, image_bytes, write_files, "--words")
    kit = make_devkit(tmp_path / "ILSVRC2012_devkit_t12", [(wnid, f"class {wnid}") for wnid in WNIDS], [2])
    return ["imagenet", arguments[1], "--devkit", str(kit)], kit / "data" / option


def _tiny_folder_source(tmp_path, image_bytes, write_files, option, make_devkit=None):
    """prepare tiny-imagenet's arguments (before OUT) for an unpacked tiny-imagenet-200, and its wnids.txt."""
    files = {f"train/{wnid}/images/{wnid}_{number}.JPEG": image_bytes((40 * number, 9, 9), (64, 64))
             for wnid in WNIDS for number in range(2)}
    files.update({"wnids.txt": "".join(f"{wnid}\n" for wnid in WNIDS).encode(),
                  "val/images/val_0.JPEG": image_bytes((99, 9, 9), (64, 64)),
                  "val/val_annotations.txt": b"val_0.JPEG\tn03000134\t0\t0\t63\t63\n"})
    root = write_files(tmp_path / "tiny-imagenet-200", files)
    return ["tiny-imagenet", str(root)], root / option


SOURCES = {"folder --families": _folder_source, "imagenet --val-labels": _imagenet_source,
           "imagenet --words": _imagenet_source, "imagenet --is-a": _imagenet_source,
           "imagenet --devkit ILSVRC2012_validation_ground_truth.txt": _devkit_source,
           "tiny-imagenet wnids.txt": _tiny_folder_source}


@pytest.fixture
def source(tmp_path, image_bytes, write_files, make_devkit):
    """``source(which)``: (prepare's arguments before OUT, the text file of ``which``, a key of SOURCES)."""
    return lambda which: SOURCES[which](tmp_path, image_bytes, write_files, which.split()[-1], make_devkit)


def _prepare(arguments, out):
    command, source, *options = arguments
    return CliRunner().invoke(main, ["prepare", command, source, str(out), "--size", "12", "--workers", "0", *options])


@pytest.mark.parametrize("which", SOURCES)
@pytest.mark.parametrize("code,said", [
    (errno.EIO, "could not be read (Input/output error): a fault of the disk or file system; rerun once it is "
                "repaired"),
    (errno.EACCES, "is not readable by this user (permission denied): give read access to it (chmod a+r) and rerun"),
    (errno.EISDIR, "is a folder now, not a file: put the file back and rerun"),
], ids=["EIO", "EACCES", "EISDIR"])
def test_a_text_file_the_system_will_not_read_is_an_io_error_naming_it(source, tmp_path, monkeypatch, which, code,
                                                                         said):
    """Before, each was "error: bad data: FILE: unreadable families file (Input/output error)", exit code 65, as if
    the file's contents were at fault."""
    arguments, refused = source(which)
    _refuse_reading(monkeypatch, refused, code)
    result = _prepare(arguments, tmp_path / "out")
    assert result.exit_code == 74, result.output
    error = result.output.splitlines()[-1]  # after the progress lines
    assert error.startswith(f"error: I/O: {refused}: the ") and error.endswith(f" {said}"), result.output
    assert not (tmp_path / "out" / "meta.json").exists()


@pytest.mark.parametrize("which", SOURCES)
@pytest.mark.parametrize("encoding,added,looks", [
    ("utf-16", "# réglé\n", "; it looks like UTF-16"), ("utf-16-le", "# réglé\n", "; it looks like UTF-16"),
    ("utf-16-le", "", "; it looks like UTF-16"), ("utf-32", "", "; it looks like UTF-32"),
    ("latin-1", "# réglé\n", ""),
], ids=["utf16-bom", "utf16-without-bom", "utf16-without-bom-ascii", "utf32", "latin1"])
def test_a_text_file_that_is_not_utf8_says_to_save_it_as_utf8(source, tmp_path, which, encoding, added, looks):
    """Before, an unpacked Tiny ImageNet's wnids.txt saved by Notepad as "Unicode" said only "wnids.txt is not UTF-8
    text (byte 0: invalid start byte)"; saved so without a byte-order mark and holding only ASCII it is valid UTF-8,
    a zero byte after each letter, and was read as such."""
    arguments, text_file = source(which)
    text_file.write_bytes((text_file.read_text() + added).encode(encoding))
    result = _prepare(arguments, tmp_path / "out")
    assert result.exit_code == 65, result.output
    error = result.output.splitlines()[-1]  # after the progress lines
    assert error.startswith(f"error: bad data: {text_file}: ") and " is not UTF-8 text (byte " in error
    guessed = looks.rsplit(" ", 1)[-1] if looks else "ENCODING"
    again = {"tiny-imagenet": ", or unpack tiny-imagenet-200.zip again",
             "imagenet --devkit": ", or unpack ILSVRC2012_devkit_t12.tar.gz again"}
    again = next((text for start, text in again.items() if which.startswith(start)), "")
    assert error.endswith(f"{looks}): save it as UTF-8 (an editor's 'Save as' offers the encoding; or iconv -f "
                          f"{guessed} -t UTF-8 FILE > NEW, then use NEW){again}"), result.output
    assert not (tmp_path / "out" / "meta.json").exists()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"])
def test_the_encoding_guessed_is_the_one_written(tmp_path, encoding):
    path = tmp_path / "wnids.txt"
    path.write_bytes("n01440764\nn02084071\n".encode(encoding))
    with pytest.raises(text_files.DatasetError, match=f"it looks like {encoding[:6].upper()}\\)"):
        text_files.read_text(path, "wnids.txt")


def test_an_is_a_line_that_is_not_two_wnids_is_named_with_its_number(source, tmp_path):
    """Before: "unreadable is-a file (...)", though the file was read."""
    arguments, is_a = source("imagenet --is-a")
    is_a.write_text("n00015388 n01440764\nn00021939\n")
    result = _prepare(arguments, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert result.output.splitlines()[-1] == (f"error: bad data: {is_a}:2: expected 'parent child', got 'n00021939': "
                                              f"an is-a file holds one 'parent child' pair of wnids a line")
