"""A SOURCE changed between two prepares with the same options: a plain rerun tells a changed file by its path,
size and modification time, so an image replaced by one of the same size with its old time put back (a backup
restored with ``cp -p``, ``rsync -t``, ``tar``) is not seen; --overwrite is the documented way to have every image
read again. It decoded every image again but still trusted ``source-digests.json`` (the digests it keeps to find
copies, by path, size and time), so a file that became a copy of another class's image was not found as one:
copies-across-classes.txt missing, and the digest kept stale for every later rerun. Each rerun here is compared
with a fresh import of the source as it is now (the oracle), array for array."""

import json
import os

import h5py
import numpy as np
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main

CLASSES = ("cat", "dog", "owl")
OPTIONS = ["--size", "12", "--workers", "0", "--shard-size", "4"]


def _bmp(path, seed):
    """An 8x8 BMP of random pixels: every such file has the same size in bytes, whatever its pixels."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(path, "BMP")


def _tree(root):
    for index, name in enumerate(CLASSES):
        for number in range(5):
            _bmp(root / name / f"{number}.bmp", 10 * index + number)
    return root


def _prepare(source, out, *extra):
    result = CliRunner().invoke(main, ["prepare", "folder", str(source), str(out), *OPTIONS, *extra])
    assert result.exit_code == 0, result.output
    return result.output


def _contents(out):
    """{subset: (labels, images)} of every shard meta.json lists, in order, and the copies list (None: none)."""
    meta = json.loads((out / "meta.json").read_text())
    contents = {}
    for subset, table in meta["subsets"].items():
        labels, images = [], []
        for shard in table["shards"]:
            with h5py.File(out / shard["file"], "r") as handle:
                labels.append(handle["labels"][()])
                images.append(handle["images"][()])
        contents[subset] = ([int(label) for part in labels for label in part], b"".join(map(bytes, images)))
    copies = out / "copies-across-classes.txt"
    contents["copies"] = copies.read_text() if copies.exists() else None
    return contents


def _replaced_keeping_size_and_time(path, new_bytes):
    before = path.stat()
    path.write_bytes(new_bytes)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_overwrite_reads_again_a_file_replaced_by_a_copy_of_another_class_keeping_size_and_time(tmp_path):
    source, out = _tree(tmp_path / "photos"), tmp_path / "out"
    _prepare(source, out)
    assert not (out / "copies-across-classes.txt").exists()
    _replaced_keeping_size_and_time(source / "cat" / "1.bmp", (source / "dog" / "1.bmp").read_bytes())
    _prepare(source, out, "--overwrite")
    _prepare(source, tmp_path / "fresh")
    fresh = _contents(tmp_path / "fresh")
    assert fresh["copies"] is not None and "cat/1.bmp" in fresh["copies"]  # the oracle sees the copy
    assert _contents(out) == fresh
    _prepare(source, out)  # and a plain rerun after it keeps what --overwrite found
    assert _contents(out) == fresh


def test_overwrite_reads_again_an_image_replaced_keeping_size_and_time(tmp_path):
    source, out = _tree(tmp_path / "photos"), tmp_path / "out"
    _prepare(source, out)
    replacement = tmp_path / "other.bmp"
    _bmp(replacement, 999)
    _replaced_keeping_size_and_time(source / "owl" / "3.bmp", replacement.read_bytes())
    said = _prepare(source, out, "--overwrite")
    assert "rebuilt: its images decode to other contents now (--overwrite)" in said, said
    _prepare(source, tmp_path / "fresh")
    assert _contents(out) == _contents(tmp_path / "fresh")


def test_overwrite_help_says_when_a_plain_rerun_misses_a_replaced_image():
    result = CliRunner().invoke(main, ["prepare", "folder", "--help"], terminal_width=200)
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "--overwrite" in text and "images replaced keeping size and mtime" in text, text


def test_overwrite_decides_again_a_class_left_out_whose_files_were_mended_keeping_size_and_time(tmp_path):
    """A class whose files did not decode is left out, and a rerun takes that decision again while its files
    keep their sizes and times (no validation held out: mended into images, the split itself would change those
    inputs); --overwrite decodes them again: mended so, the class is imported, as a fresh import does."""
    source, out = _tree(tmp_path / "photos"), tmp_path / "out"
    size = (source / "cat" / "0.bmp").stat().st_size
    (source / "emu").mkdir()
    for number in range(3):
        (source / "emu" / f"{number}.bmp").write_bytes(bytes(size))  # zeros: no image
    _prepare(source, out, "--val-fraction", "0")
    assert [entry["name"] for entry in json.loads((out / "meta.json").read_text())["classes"]] == list(CLASSES)
    for number in range(3):
        mended = tmp_path / "mended.bmp"
        _bmp(mended, 50 + number)
        _replaced_keeping_size_and_time(source / "emu" / f"{number}.bmp", mended.read_bytes())
    _prepare(source, out, "--val-fraction", "0", "--overwrite")
    _prepare(source, tmp_path / "fresh", "--val-fraction", "0")
    fresh = json.loads((tmp_path / "fresh" / "meta.json").read_text())
    assert [entry["name"] for entry in fresh["classes"]] == sorted([*CLASSES, "emu"])  # the oracle imports it
    assert json.loads((out / "meta.json").read_text())["classes"] == fresh["classes"]
    assert _contents(out) == _contents(tmp_path / "fresh")
