"""A rerun of prepare over an intact dataset wrote nothing (as ``prepare --help`` promises) but printed exactly
the line a fresh import prints, so nobody could tell it had been reused. Its line now says so ("already prepared
from SOURCE, nothing written"), and a rerun that rebuilt some shards (one deleted, an interrupted import
finished) says how many it reused and how many it wrote, naming the shards it rebuilt (the first few; the rest
counted) and why: "6 shards reused, 1 written" left the damaged shard to be found with ``prepare verify``."""

import json
import os

import pytest
from click.testing import CliRunner
from shard_bytes import flip_stored_byte

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


ARGUMENTS = [*SYNTHETIC, "--shard-size", "5"]  # 24 train and 8 val images: 5 + 2 shards


def _verify_names(out, names):
    """``prepare verify OUT`` (the independent check) fails naming the shards ``names`` as corrupt."""
    result = CliRunner().invoke(main, ["prepare", "verify", str(out)])
    assert result.exit_code == 65, result.output
    assert "sha256 mismatch" in result.output and all(name in result.output for name in names), result.output


def test_a_rerun_names_the_damaged_shard_it_rebuilt_and_why(tmp_path):
    out = tmp_path / "out"
    _prepare("synthetic", str(out), *ARGUMENTS)
    shards = _shards(out)
    assert len(shards) == 7
    damaged = shards[2]
    flip_stored_byte(out / damaged, "images", mask=0xFF)  # as a bad disk would
    _verify_names(out, [damaged])
    line = _prepare("synthetic", str(out), *ARGUMENTS)
    assert line == (f"{out}: 6 shards reused, 1 written ({damaged} rebuilt: its sha256 differs from meta.json's): "
                    f"{_counts(out)}")
    assert CliRunner().invoke(main, ["prepare", "verify", str(out)]).exit_code == 0  # mended


def test_a_rerun_names_the_first_three_shards_rebuilt_for_one_reason_once_and_counts_the_rest(tmp_path):
    out = tmp_path / "out"
    _prepare("synthetic", str(out), *ARGUMENTS)
    shards = _shards(out)  # train-00000 ... train-00004, val-00000, val-00001: the order they are built in
    damaged = shards[1:6]
    for name in damaged:
        flip_stored_byte(out / name, "images", mask=0xFF)
    _verify_names(out, damaged)
    line = _prepare("synthetic", str(out), *ARGUMENTS)
    named = ", ".join(damaged[:3])  # one reason: one clause, said once
    assert line == (f"{out}: 2 shards reused, 5 written ({named} and 2 more rebuilt: its sha256 differs from "
                    f"meta.json's): {_counts(out)}")


@pytest.mark.parametrize("deleted", [False, True], ids=["truncated", "truncated-and-one-deleted"])
def test_a_rerun_says_an_unreadable_shard_is_rebuilt_as_unreadable(tmp_path, deleted):
    """A shard cut short cannot be opened: named as unreadable. A shard deleted meanwhile is written, not
    rebuilt (nothing was there): counted, not named."""
    out = tmp_path / "out"
    _prepare("synthetic", str(out), *ARGUMENTS)
    shards = _shards(out)
    with open(out / shards[0], "r+b") as stream:
        stream.truncate(100)
    if deleted:
        (out / shards[4]).unlink()
    line = _prepare("synthetic", str(out), *ARGUMENTS)
    assert line.startswith(f"{out}: {6 - deleted} shards reused, {1 + deleted} written ({shards[0]} rebuilt: "
                           f"unreadable ("), line
    assert line.endswith(f"): {_counts(out)}") and shards[4] not in line, line


RERUN_SIZE = [*SYNTHETIC[:-2], "--size", "14", "--shard-size", "5", "--overwrite"]  # SYNTHETIC's --size is 12


@pytest.mark.parametrize("rerun, shards", [([*SYNTHETIC, "--shard-size", "7"], 6), (RERUN_SIZE, 7)],
                         ids=["shard-size", "size-overwrite"])
def test_a_rerun_that_rebuilds_every_shard_for_other_options_says_nothing_of_it(tmp_path, rerun, shards):
    """Every shard written again for --shard-size 7 (24 train, 8 val images: 4 + 2 shards), or another --size
    (none reused): the line of a fresh import, as before shards rebuilt were named (it said each was "built from
    other inputs (files, their sizes or dates, labels)", falsely, and said it once a shard)."""
    out = tmp_path / "out"
    _prepare("synthetic", str(out), *ARGUMENTS)
    assert len(_shards(out)) == 7
    line = _prepare("synthetic", str(out), *rerun)
    assert len(_shards(out)) == shards
    assert line == f"{out}: {_counts(out)}"


def test_a_rerun_names_a_shard_whose_file_changed_as_built_from_other_files(photos, tmp_path):
    """A photo's date changed: its shard is rebuilt, said to be built from other files, the others reused."""
    out = tmp_path / "out"
    arguments = ["folder", str(photos), str(out), "--size", "16", "--workers", "0", "--shard-size", "5"]
    _prepare(*arguments)
    shards = _shards(out)
    meta = json.loads((out / "meta.json").read_text())
    first = meta["subsets"]["val"]["shards"][0]["file"]  # val/<first class>/0.png is the first val image
    photo = photos / "val" / CLASSES[0] / "0.png"
    os.utime(photo, ns=(photo.stat().st_atime_ns, photo.stat().st_mtime_ns + 10 ** 9))
    line = _prepare(*arguments)
    assert line == (f"{out}: {len(shards) - 1} shards reused, 1 written ({first} rebuilt: built from other files "
                    f"(or files changed since), labels or options (--size, --shard-size) than now): {_counts(out)}")
