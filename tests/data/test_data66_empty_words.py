"""prepare imagenet --words FILE given an empty file (or one of blank lines: a file cut short, the wrong one
redirected into) named every class by its wnid, and with --devkit dropped the devkit's names, without a word (exit 0).
An empty file has no documented meaning (the help: "default: the devkit's names, else the wnids" is for no --words):
refused, bad data (exit 65) naming it, before anything is listed or written."""

import pytest
from click.testing import CliRunner

from minitransfer.cli import main

WNIDS = ("n01440764", "n03000134")


def _imagenet(tmp_path, image_bytes, write_files, words, make_devkit=None):
    """prepare imagenet's arguments for a two-class ILSVRC2012 tree and the --words file holding ``words``."""
    files = {f"ILSVRC2012/train/{wnid}/{wnid}_{number}.JPEG": image_bytes((40 * number, 9, 9))
             for wnid in WNIDS for number in range(2)}
    files.update({"ILSVRC2012/val/ILSVRC2012_val_00000001.JPEG": image_bytes((99, 9, 9)),
                  "val.txt": b"ILSVRC2012_val_00000001.JPEG 1\n", "words.txt": words})
    root = write_files(tmp_path, files)
    if make_devkit is None:
        return ["prepare", "imagenet", str(root / "ILSVRC2012"), "--val-labels", str(root / "val.txt"),
                "--words", str(root / "words.txt")]
    kit = make_devkit(tmp_path / "ILSVRC2012_devkit_t12", [(wnid, f"devkit {wnid}") for wnid in WNIDS], [2])
    return ["prepare", "imagenet", str(root / "ILSVRC2012"), "--devkit", str(kit), "--words", str(root / "words.txt")]


@pytest.mark.parametrize("words", [b"", b"\n  \n\t\n", b"\xef\xbb\xbf"], ids=["empty", "blank-lines", "bom-only"])
def test_an_empty_words_file_is_refused_naming_it(words, tmp_path, image_bytes, write_files):
    arguments = _imagenet(tmp_path, image_bytes, write_files, words)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [*arguments, str(out), "--size", "12", "--workers", "0"], terminal_width=2000)
    assert result.exit_code == 65, result.output
    assert result.output == (f"error: bad data: {tmp_path / 'words.txt'}: the class names file (--words) is empty (no "
                             f"'wnid names' line): give the one that names the classes (words.txt, synset_words.txt), "
                             f"or leave --words out (the devkit's names, else the wnids)\n")
    assert not out.exists()


def test_an_empty_words_file_with_the_devkit_is_refused_not_its_names_dropped(tmp_path, image_bytes, write_files,
                                                                              make_devkit):
    arguments = _imagenet(tmp_path, image_bytes, write_files, b"", make_devkit)
    result = CliRunner().invoke(main, [*arguments, str(tmp_path / "out"), "--size", "12", "--workers", "0"])
    assert result.exit_code == 65, result.output
    assert "words.txt: the class names file (--words) is empty" in result.output


def test_a_words_file_naming_the_classes_still_names_them(tmp_path, image_bytes, write_files):
    arguments = _imagenet(tmp_path, image_bytes, write_files, b"n01440764 tench\nn03000134 chainlink fence\n")
    result = CliRunner().invoke(main, [*arguments, str(tmp_path / "out"), "--size", "12", "--workers", "0"])
    assert result.exit_code == 0, result.output
    assert '"name": "tench"' in (tmp_path / "out" / "meta.json").read_text()
