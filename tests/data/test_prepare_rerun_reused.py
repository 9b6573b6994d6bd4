"""A rerun of prepare over an intact dataset wrote nothing (as ``prepare --help`` promises) but printed exactly
the line a fresh import prints, so nobody could tell it had been reused. Its line now says so ("already prepared
from SOURCE, nothing written"), and a rerun that rebuilt some shards (one deleted, an interrupted import
finished) says how many it reused and how many it wrote."""

import json

import pytest
from click.testing import CliRunner

from minitransfer.cli import main

CLASSES = ("apple", "boat", "cloud", "dune")
SYNTHETIC = ["--classes", "4", "--train-per-class", "6", "--val-per-class", "2", "--size", "12"]


@pytest.fixture
def photos(tmp_path, image_bytes, write_files):
    """photos/train/<class>/ (6 images) and photos/val/<class>/ (2), every image its own colour."""
    files = {f"{subset}/{name}/{number}.png": image_bytes((60 * index, 20 * number + 10 * (subset == "val"), 7),
                                                          kind="PNG")
             for index, name in enumerate(CLASSES) for subset, count in (("train", 6), ("val", 2))
             for number in range(count)}
    return write_files(tmp_path / "photos", files)


def _prepare(*arguments):
    """``prepare ARGUMENTS``' one stdout line (exit 0 checked)."""
    result = CliRunner().invoke(main, ["prepare", *arguments])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    return lines[0]


def _shards(out):
    """The shard files in ``out``, found on disk (not from meta.json)."""
    return sorted(path.name for path in out.iterdir() if path.suffix == ".h5" and path.name != "mean.h5")


def _counts(out):
    """"4 classes, train 24, val 8 images of 16x16", from meta.json."""
    meta = json.loads((out / "meta.json").read_text())
    size = meta["image_size"]
    return (f"{len(meta['classes'])} classes, train {meta['subsets']['train']['count']}, val "
            f"{meta['subsets']['val']['count']} images of {size[0]}x{size[1]}")


@pytest.mark.parametrize("kind", ["folder", "synthetic"])
def test_a_rerun_with_nothing_to_do_says_it_wrote_nothing(kind, photos, tmp_path, tree_state):
    out = tmp_path / "out"
    arguments = ["folder", str(photos), str(out), "--size", "16", "--workers", "0"] if kind == "folder" else \
        ["synthetic", str(out), *SYNTHETIC]
    first = _prepare(*arguments)
    assert first == f"{out}: {_counts(out)}"  # a fresh import: no word of reuse
    assert "nothing written" not in first and "reused" not in first
    before = tree_state(out)
    second = _prepare(*arguments)
    assert tree_state(out) == before  # nothing written, renamed or removed
    said = f"already prepared from {photos}, nothing written" if kind == "folder" else \
        "already prepared, nothing written"
    assert second == f"{out}: {said}: {_counts(out)}"


def test_a_rerun_after_a_shard_was_deleted_says_one_written_the_rest_reused(photos, tmp_path, tree_state):
    out = tmp_path / "out"
    arguments = ["folder", str(photos), str(out), "--size", "16", "--workers", "0", "--shard-size", "5"]
    _prepare(*arguments)
    shards = _shards(out)
    assert len(shards) >= 4  # 24 train, 8 val images in shards of 5
    before = tree_state(out)
    deleted = shards[1]
    (out / deleted).unlink()
    line = _prepare(*arguments)
    assert line == f"{out}: {len(shards) - 1} shards reused, 1 written: {_counts(out)}"
    after = tree_state(out)
    assert _shards(out) == shards and after[deleted][0] == before[deleted][0]  # the same bytes written again
    assert all(after[name] == before[name] for name in shards if name != deleted)  # the others untouched


def test_an_interrupted_import_finished_without_a_shard_to_write_says_so(tmp_path):
    """meta.json gone (as an import stopped after its last shard leaves it): every shard reused, none written, and
    the line names the file that was written."""
    out = tmp_path / "out"
    _prepare("synthetic", str(out), *SYNTHETIC, "--shard-size", "7")
    shards = _shards(out)
    (out / "meta.json").unlink()
    line = _prepare("synthetic", str(out), *SYNTHETIC, "--shard-size", "7")
    assert line == f"{out}: {len(shards)} shards reused, 0 written (only meta.json changed): {_counts(out)}"
