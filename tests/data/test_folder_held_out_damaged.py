"""Held-out validation of ``prepare folder`` among damaged photos: files are held out before they are decoded, so a
damaged JPEG (its signature says image) takes a validation place and is then skipped. The note blamed rounding
("each class gives its share rounded to whole images"), and classes whose picked files were all damaged ended
without a validation image (even "val 0", which 'train' refuses) without a word of why."""

import io
import pathlib

import numpy as np
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main
from minitransfer.data import held_out


def _invoke(root, out, fraction):
    return CliRunner().invoke(main, ["prepare", "folder", str(root), str(out), "--size", "12", "--workers", "0",
                                     "--val-fraction", str(fraction)])


def _noise_jpeg(rng):
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _tree(tmp_path, write_files, counts):
    """Classes of distinct JPEGs (``counts``: {class: images})."""
    rng = np.random.default_rng(5)
    files = {f"{name}/{index:03d}.jpg": _noise_jpeg(rng) for name, count in counts.items() for index in range(count)}
    return write_files(tmp_path / "src", files)


def _damage(root, paths):
    for path in paths:
        data = path.read_bytes()
        path.write_bytes(data[:len(data) * 3 // 4])  # past the headers: no two alike


def _picked(root, counts, fraction):
    """{class: paths held out}, the oracle: :func:`.held_out.hold_out` over the class folders' files as listed."""
    train = {name: sorted(str(path) for path in (root / name).iterdir()) for name in counts}
    return held_out.hold_out(train, fraction, 0, {})[1]


def test_damaged_files_picked_for_validation_are_named_as_the_cause_not_rounding(tmp_path, write_files):
    counts = {"a": 40, "b": 40}
    root = _tree(tmp_path, write_files, counts)
    damaged_paths = {str(path) for name in counts for path in sorted((root / name).iterdir())[1::2]}
    _damage(root, [pathlib.Path(path) for path in sorted(damaged_paths)])
    result = _invoke(root, tmp_path / "out", 0.2)
    assert result.exit_code == 0, result.output
    # the oracle: the files hold_out picks, as listed, that were damaged; not the import's own meta.json
    picked = {path for paths in _picked(root, counts, 0.2).values() for path in paths}
    damaged = len(damaged_paths & picked)
    assert damaged
    assert f"{damaged} of the files picked for validation could not be decoded" in result.output
    assert "rounded to whole images" not in result.output


def test_a_class_whose_picked_files_are_all_damaged_is_named(tmp_path, write_files):
    counts = {"a": 6, "b": 6, "c": 6}
    root = _tree(tmp_path, write_files, counts)
    picked = _picked(root, counts, 0.34)
    _damage(root, [pathlib.Path(path) for name in ("a", "b") for path in picked[name]])
    result = _invoke(root, tmp_path / "out", 0.34)
    assert result.exit_code == 0, result.output
    named = [line for line in result.output.splitlines() if "no validation image" in line]
    assert len(named) == 1 and "'a', 'b'" in named[0] and "'c'" not in named[0], result.output
    assert "could not be decoded" in named[0]


def test_a_tree_left_without_validation_images_by_damaged_files_names_each_class(tmp_path, write_files):
    counts = {"a": 6, "b": 6}
    root = _tree(tmp_path, write_files, counts)
    picked = _picked(root, counts, 0.34)
    _damage(root, [pathlib.Path(path) for name in counts for path in picked[name]])
    result = _invoke(root, tmp_path / "out", 0.34)
    assert result.exit_code == 0, result.output
    assert "train 8, val 0" in result.output
    line = next(line for line in result.output.splitlines() if "no validation images" in line)
    assert "'a', 'b'" in line and "picked for validation" in line and "could not be decoded" in line, line
