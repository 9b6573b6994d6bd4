"""prepare imagenet and prepare tiny-imagenet (unpacked) while files change, as prepare folder handles it
(test_folder_changed_while_importing.py): each file's state (size, modification time) is recorded as the
tree is listed, so a file replaced after that is skipped as changed, one removed as gone, and the rerun
imports it as it is. A file moved away during the import and back before the rerun was skipped for good
(its shard's plan, taken from the file as it was before, matched again): 'FileNotFoundError: [Errno 2]'."""

import os

import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset, decode

COLOURS = ((200, 30, 40), (30, 200, 40), (40, 30, 200), (220, 220, 20))
WNIDS = ("n00000001", "n00000002")


@pytest.fixture(params=["imagenet", "tiny-imagenet"])
def source(request, tmp_path, image_bytes, write_files):
    """(command, SOURCE, one of its training images): ILSVRC2012's train/ of 2 classes x 2 JPEGs, or an
    unpacked tiny-imagenet-200 of as many, and one validation image."""
    if request.param == "imagenet":
        files = {f"train/{WNIDS[number // 2]}/{number}.JPEG": image_bytes(colour)
                 for number, colour in enumerate(COLOURS)}
    else:
        files = {f"train/{WNIDS[number // 2]}/images/{number}.JPEG": image_bytes(colour)
                 for number, colour in enumerate(COLOURS)}
        files.update({"wnids.txt": "\n".join(WNIDS).encode(), "val/images/val_0.JPEG": image_bytes((9, 99, 9)),
                      "val/val_annotations.txt": f"val_0.JPEG\t{WNIDS[1]}\t0\t0\t9\t9\n".encode()})
    root = write_files(tmp_path / request.param, files)
    return request.param, root, next(root / name for name in files if name.endswith("/1.JPEG"))


def _invoke(command, root, out):
    return CliRunner().invoke(main, ["prepare", command, str(root), str(out), "--size", "12", "--workers", "0"])


def _skipped(out):
    return (out / "skipped.txt").read_text().splitlines()


def _train_colours(out):
    data = dataset.open_dataset(out)
    images = data.images("train", np.arange(data.num_images("train")))
    return sorted(tuple(int(v) for v in image.reshape(-1, 3).mean(axis=0).round()) for image in images)


def test_a_file_moved_away_while_importing_is_skipped_as_gone_and_imported_by_the_rerun_once_back(
        source, tmp_path, monkeypatch, change_before_decoding):
    command, root, moved = source
    away = tmp_path / "away.JPEG"
    change_before_decoding(lambda: os.rename(moved, away))
    out = tmp_path / "out"
    result = _invoke(command, root, out)
    assert result.exit_code == 0, result.output
    assert _skipped(out) == [f"{moved}\t{decode.VANISHED}"]
    monkeypatch.undo()
    os.rename(away, moved)
    again = _invoke(command, root, out)
    assert again.exit_code == 0, again.output
    assert not (out / "skipped.txt").exists()  # the first import's list: its file is imported now
    assert _train_colours(out) == _train_colours(_rebuilt(command, root, tmp_path))


def test_a_file_replaced_while_importing_is_skipped_as_changed_and_imported_by_the_rerun(
        source, tmp_path, image_bytes, monkeypatch, change_before_decoding):
    command, root, replaced = source
    change_before_decoding(lambda: replaced.write_bytes(image_bytes((9, 9, 250), size=(50, 20))))
    out = tmp_path / "out"
    result = _invoke(command, root, out)
    assert result.exit_code == 0, result.output
    assert _skipped(out) == [f"{replaced}\t{decode.CHANGED}"]
    monkeypatch.undo()
    again = _invoke(command, root, out)
    assert again.exit_code == 0, again.output
    assert not (out / "skipped.txt").exists()  # the first import's list: its file is imported now
    colours = _train_colours(out)
    assert colours == _train_colours(_rebuilt(command, root, tmp_path))
    assert any(max(abs(a - b) for a, b in zip(colour, (9, 9, 250))) <= 3 for colour in colours)


def _rebuilt(command, root, tmp_path):
    """The dataset of ``root`` as it is now, imported afresh into a new folder: the oracle of a rerun."""
    out = tmp_path / "afresh"
    result = _invoke(command, root, out)
    assert result.exit_code == 0, result.output
    return out
