"""prepare folder given a folder whose class folders lie two or more single folders down (data/a/b/photos/{cat,dog}:
an archive unpacked into a folder of its own name, inside another) said only "one class folder, 'a'"; the folder
one level down was named, a deeper one not. The first folder holding two or more folders is named now, and giving
it imports the classes; a link leading back up ends the search without a hint."""

import os
import re

from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset


def _invoke(root, out):
    return CliRunner().invoke(main, ["prepare", "folder", str(root), str(out), "--size", "12", "--workers", "0"])


def _said(result):
    return " ".join(result.output.split())


def test_the_classes_three_folders_down_are_named_and_import_when_given(tmp_path, image_bytes, write_files):
    data = write_files(tmp_path / "data", {f"a/b/photos/{name}/{number}.png": image_bytes((40 * index + number, 9, 9),
                                                                                        kind="PNG")
                                           for index, name in enumerate(("cat", "dog")) for number in range(3)})
    result = _invoke(data, tmp_path / "out")
    assert result.exit_code == 65, result.output
    named = re.search(r"give (\S+) if these are the classes", _said(result))
    assert named, result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()
    given = _invoke(named.group(1), tmp_path / "out")  # the advice, followed, imports the two classes
    assert given.exit_code == 0, given.output
    assert [entry["name"] for entry in dataset.open_dataset(tmp_path / "out").meta["classes"]] == ["cat", "dog"]


def test_a_link_leading_back_up_ends_the_search(tmp_path, image_bytes, write_files):
    data = write_files(tmp_path / "data", {"a/b/0.png": image_bytes((1, 2, 3), kind="PNG")})
    os.symlink("..", data / "a" / "b" / "up")
    result = _invoke(data, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert "one class folder, 'a'" in _said(result) and "if these are the classes" not in _said(result)
