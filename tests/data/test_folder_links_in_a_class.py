"""Links within one class folder in ``prepare folder``: a link to a subfolder of the class was listed in
skipped.txt as "folder already imported through another link" and counted as a skipped file, though its images
were imported; a link to a file of the class imported the image twice (double weight in training) without a
word."""

import numpy as np
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset, shard_format


def _invoke(root, out):
    return CliRunner().invoke(main, ["prepare", "folder", str(root), str(out), "--size", "12", "--workers", "0",
                                     "--val-fraction", "0"])


def _tree(tmp_path, image_bytes, write_files):
    files = {f"{name}/{index}.png": image_bytes((60 * number + index, 9, 9), kind="PNG")
             for number, name in enumerate(["a", "b"]) for index in range(3)}
    files["a/nested/deeper/4.png"] = image_bytes((200, 200, 9), kind="PNG")
    return write_files(tmp_path / "src", files)


def test_a_link_to_a_subfolder_of_the_class_is_no_skipped_file(tmp_path, image_bytes, write_files):
    root = _tree(tmp_path, image_bytes, write_files)
    (root / "a" / "another").symlink_to(root / "a" / "nested" / "deeper")
    (root / "b" / "loop").symlink_to(root)  # would bring class a's images into b: not followed, said
    result = _invoke(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    counts = np.bincount(dataset.open_dataset(tmp_path / "out").labels("train")).tolist()
    assert counts == [sum(1 for _ in (root / "a").rglob("*.png")), 3]  # rglob follows no link: the image below it once
    assert not (tmp_path / "out" / shard_format.SKIPPED_FILE).exists() and "skipped" not in result.output
    assert "already imported" not in result.output
    assert f"{root}/b/loop: a link to a folder that contains it (a loop): not followed" in result.output


def test_a_link_to_a_file_of_the_class_is_said_and_imported_as_before(tmp_path, image_bytes, write_files):
    root = _tree(tmp_path, image_bytes, write_files)
    (root / "a" / "9-link.png").symlink_to(root / "a" / "0.png")
    (root / "b" / "9-link.png").symlink_to(root / "b" / "1.png")
    result = _invoke(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    counts = np.bincount(dataset.open_dataset(tmp_path / "out").labels("train")).tolist()
    assert counts == [sum(1 for _ in (root / "a").rglob("*.png")), 4]  # each path imported, as before
    lines = [line for line in result.output.splitlines() if "reached through two or more paths" in line]
    assert len(lines) == 1 and lines[0].startswith("warning: 2 file(s)"), result.output
    assert f"{root}/a/9-link.png" in lines[0] and f"{root}/a/0.png" in lines[0]


def test_a_link_within_a_val_class_is_said_as_counting_in_validation(tmp_path, image_bytes, write_files):
    """The warning said such an image counts once per path "in training" of a val/ class's link too."""
    files = {f"{subset}/{name}/{index}.png": image_bytes((60 * number + index + 30 * (subset == "val"), 9, 9),
                                                         kind="PNG")
             for subset in ("train", "val") for number, name in enumerate(["a", "b"]) for index in range(3)}
    root = write_files(tmp_path / "src", files)
    (root / "val" / "a" / "9-link.png").symlink_to(root / "val" / "a" / "0.png")
    result = CliRunner().invoke(main, ["prepare", "folder", str(root), str(tmp_path / "out"), "--size", "12",
                                       "--workers", "0"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "reached through two or more paths" in line]
    assert len(lines) == 1 and lines[0].startswith("warning: 1 file(s)"), result.output
    assert f"{root}/val/a/9-link.png" in lines[0] and "in training or validation" in lines[0], result.output
